/**
 * The harness's Task states as one registry: for each state name, the schema of its
 * event and the core it runs. Lambda handlers and the local runner both go through
 * {@link runHarnessStep}, so AWS and a laptop parse, time and classify identically.
 */
import { z } from 'zod';
import { stopBeforeTimeout, type InvocationContext } from '../deadline';
import { classifyError } from '../errors';
import type { Flow } from '../flows/schema';
import { nowOf, type HarnessDeps } from './deps';
import { alertOnFailures, cleanup, recordResults, type RecordedRun, type RunState } from './record';
import { generateTestData, preflight, seedSource } from './prepare';
import { invokeTransfer, pollTarget, validate } from './arrival';
import { HarnessInput, listEnabledTests, loadFlowSnapshot } from './list';
import { Arrival, FlowRun, PollState, StagedFile, TransferStarted } from './model';

const WithItem = z.object({ item: FlowRun });

async function flowOf(item: FlowRun, deps: HarnessDeps): Promise<Flow> {
  if (!item.config) throw new Error(`flow ${item.flow_id} has no config snapshot`);
  return loadFlowSnapshot(deps, item.config);
}

interface StepDefinition<S extends z.ZodType> {
  readonly event: S;
  /** Whether the result carries `timing` (the per-flow steps recorded in run.json). */
  readonly timed: boolean;
  readonly run: (event: z.infer<S>, deps: HarnessDeps) => Promise<object>;
}

function step<S extends z.ZodType>(definition: StepDefinition<S>): StepDefinition<S> {
  return definition;
}

/** Every Task state of the harness workflow, by state name. */
export const HARNESS_STEPS = {
  ListEnabledTests: step({ event: HarnessInput, timed: false, run: (input, deps) => listEnabledTests(input, deps) }),
  Preflight: step({
    event: WithItem,
    timed: true,
    run: async ({ item }, deps) => preflight(await flowOf(item, deps), deps),
  }),
  GenerateTestData: step({
    event: WithItem,
    timed: true,
    run: async ({ item }, deps) => generateTestData(item, await flowOf(item, deps), deps),
  }),
  SeedSource: step({
    event: WithItem.extend({ files: z.array(StagedFile) }),
    timed: true,
    run: async ({ item, files }, deps) => seedSource(item, await flowOf(item, deps), files, deps),
  }),
  InvokeTransfer: step({
    event: WithItem.extend({ seeded_at: z.iso.datetime() }),
    timed: true,
    run: async ({ item, seeded_at }, deps) => invokeTransfer(await flowOf(item, deps), seeded_at, deps),
  }),
  PollTarget: step({
    event: WithItem.extend({ files: z.array(StagedFile), transfer: TransferStarted.loose(), poll: PollState }),
    timed: true,
    run: async ({ item, files, transfer, poll }, deps) =>
      pollTarget(await flowOf(item, deps), files, transfer, poll, deps),
  }),
  Validate: step({
    event: WithItem.extend({
      files: z.array(StagedFile),
      transfer: TransferStarted.loose(),
      arrivals: z.array(Arrival),
    }),
    timed: true,
    run: async ({ item, files, transfer, arrivals }, deps) =>
      validate(await flowOf(item, deps), files, transfer, arrivals, deps),
  }),
  RecordResults: step({
    // The whole iteration state; only `item` is required (a CONFIG_INVALID run has nothing else).
    event: WithItem.loose(),
    timed: false,
    run: async (state, deps) =>
      recordResults(state as unknown as RunState, state.item.config ? await flowOf(state.item, deps) : undefined, deps),
  }),
  Cleanup: step({
    event: WithItem,
    timed: false,
    run: async ({ item }, deps) => cleanup(item, await flowOf(item, deps), deps),
  }),
  AlertOnFailures: step({
    event: z.object({ batch_id: z.string(), date: z.string(), results: z.array(z.looseObject({})) }),
    timed: false,
    run: ({ batch_id, date, results }, deps) =>
      alertOnFailures(batch_id, date, results as unknown as RecordedRun[], deps),
  }),
} as const;

/** A Task state name of the harness workflow. */
export type HarnessStepName = keyof typeof HARNESS_STEPS;

/**
 * Errors leave a step named for what went wrong (`AuthFailedError`, `SizeMismatchError`, …)
 * because Step Functions records the name as the state's `Error`, and RecordResults turns
 * it into a reason code. Errors with a `code` are already typed; anything else is classified.
 */
function typedError(error: unknown): Error {
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && error.name !== 'Error') {
    return error;
  }
  return classifyError(error);
}

/**
 * Parses `event` for the step, runs its core, adds `timing` to per-flow steps, and names its
 * errors. Given Lambda's `context`, the step's copies stop shortly before the function's
 * timeout and clean up, failing as a transient TIMEOUT.
 */
export async function runHarnessStep(
  name: HarnessStepName,
  event: unknown,
  deps: HarnessDeps,
  context?: InvocationContext,
): Promise<object> {
  const definition = HARNESS_STEPS[name] as StepDefinition<z.ZodType>;
  const started = nowOf(deps).toISOString();
  const deadline = stopBeforeTimeout(context);
  try {
    const result = await definition.run(definition.event.parse(event), { ...deps, signal: deadline.signal });
    return definition.timed
      ? { ...result, timing: { started_at: started, finished_at: nowOf(deps).toISOString() } }
      : result;
  } catch (error) {
    // Whatever the stopped work failed with, it failed because the deadline came.
    throw typedError(deadline.signal.aborted ? deadline.signal.reason : error);
  } finally {
    deadline.clear();
  }
}
