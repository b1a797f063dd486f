/** Helpers shared by the pipeline-infra construct specs. */
import { expect } from 'chai';
import { TerraformStack } from 'cdktf';
import { findViolations } from '../../modules/policy';
import { testApp } from '../helpers/cdktf';

/** An IAM policy statement as written in the synthesized JSON. */
export interface JsonStatement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** A fresh stack in a fresh app. */
export function newStack(id = 'stack'): TerraformStack {
  return new TerraformStack(testApp(), id);
}

/** Holds the stack to the fileflow policy pack: no rule may be broken. */
export function expectCompliant(stack: TerraformStack): void {
  expect(findViolations(stack).map((v) => v.message)).to.deep.equal([]);
}

/** The statements of a synthesized policy attribute written as JSON text. */
export function statementsOf(policy: unknown): JsonStatement[] {
  expect(policy, 'policy attribute').to.be.a('string');
  return (JSON.parse(policy as string) as { Statement: JsonStatement[] }).Statement;
}

/** The error a function throws, so a spec can assert on its whole message. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, none was thrown');
}
