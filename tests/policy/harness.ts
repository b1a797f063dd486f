/**
 * Test stacks for the policy pack: each app writes under one per-process temp folder that
 * {@link removeTestOutput} deletes, so no `/tmp/cdktf.outdir.*` is left behind.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing, type App } from 'cdktf';
import type { IConstruct } from 'constructs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Compliance, PolicyRule } from '../../modules/policy';
import { StackView } from '../../modules/policy';

const outputRoot = path.join(os.tmpdir(), `fileflow-policy-tests-${process.pid}`);

/** A stack with an AWS provider in a fresh app whose outdir is under the test output folder. */
export function newStack(): TerraformStack {
  return stackIn(newApp());
}

/** A fresh app writing under the test output folder; its stacks still need a provider. */
export function newApp(): App {
  fs.mkdirSync(outputRoot, { recursive: true });
  return Testing.app({ outdir: fs.mkdtempSync(path.join(outputRoot, 'app-')) });
}

/** A stack with the AWS provider, in `app`. */
export function stackIn(app: App, id = 'transfer'): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  return stack;
}

/** `rule`'s verdict on the resource `construct` synthesizes, with the whole stack in view. */
export function verdict(rule: PolicyRule, construct: IConstruct): Compliance {
  const stack = TerraformStack.of(construct);
  const view = StackView.fromTerraform(stack.toTerraform());
  const resource = view.resources.find((r) => r.path === construct.node.path);
  if (!resource) throw new Error(`${construct.node.path} is not a resource of ${stack.node.path}`);
  return rule.evaluate(resource, view);
}

/** Deletes every app output the policy tests wrote. */
export function removeTestOutput(): void {
  fs.rmSync(outputRoot, { recursive: true, force: true });
}
