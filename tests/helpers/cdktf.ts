/** Synthesis helpers for construct tests. */
import { Testing, TerraformStack } from 'cdktf';
import type { App } from 'cdktf';

/** A synthesized stack as parsed JSON. */
export type SynthesizedStack = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  [key: string]: unknown;
};

/** A fresh app whose output folder the root hooks remove. */
export function testApp(): App {
  return Testing.app();
}

/** Synthesizes `stack` and returns its Terraform JSON parsed. */
export function synthJson(stack: TerraformStack): SynthesizedStack {
  return JSON.parse(Testing.synth(stack)) as SynthesizedStack;
}

/** Every resource of `type` in a synthesized stack, keyed by logical id. */
export function resourcesOf(synth: SynthesizedStack, type: string): Record<string, Record<string, unknown>> {
  return synth.resource?.[type] ?? {};
}

/** The only resource of `type`; fails when there is not exactly one. */
export function onlyResource(synth: SynthesizedStack, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(synth, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}
