/**
 * What travels between the harness workflow's states. Everything here is small:
 * file bytes never leave S3 or SFTP, only pointers, sizes and digests do, so a state
 * stays far below Step Functions' 256 KB payload limit whatever the file size.
 */
import { z } from 'zod';
import { REASON_DESCRIPTIONS, ReasonCode } from '../flows/reason-codes';
import type { TestData } from '../flows/schema';

/** An object in the config bucket: the snapshot of a flow, a staged test file, a result. */
export const ObjectPointer = z.strictObject({ bucket: z.string().min(3), key: z.string().min(1) });
/** An object in the config bucket. */
export type ObjectPointer = z.infer<typeof ObjectPointer>;

/**
 * One Map item: a flow to run, named by a pointer to the config snapshot taken when the
 * run was listed, or (when its config file is unusable) the reason it cannot run.
 */
export const FlowRun = z.strictObject({
  flow_id: z.string().min(1),
  run_id: z.string().min(1),
  /** `YYYY-MM-DD` (UTC) of the run; partitions the results. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  started_at: z.iso.datetime(),
  /** Seed of the synthetic bytes: the same seed generates the same files. */
  seed: z.string().min(1),
  config: ObjectPointer.optional(),
  /** Why the config could not be used (CONFIG_INVALID), one line per error. */
  config_error: z.string().optional(),
});
/** One Map item. */
export type FlowRun = z.infer<typeof FlowRun>;

/** A generated test file, staged in the config bucket. */
export const StagedFile = z.strictObject({
  /** The file name it is seeded and expected under. */
  name: z.string().min(1),
  staging: ObjectPointer,
  bytes: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
/** A generated test file. */
export type StagedFile = z.infer<typeof StagedFile>;

/** What InvokeTransfer reports: when the clock of the SLO started and when polling gives up. */
export const TransferStarted = z.strictObject({
  mode: z.enum(['event', 'invoke', 'pull']),
  triggered_at: z.iso.datetime(),
  deadline: z.iso.datetime(),
});
/** What InvokeTransfer reports. */
export type TransferStarted = z.infer<typeof TransferStarted>;

/** When one file was first seen at one target (null: not yet). */
export const Arrival = z.strictObject({
  file: z.int().min(0),
  target: z.int().min(0),
  arrived_at: z.iso.datetime().nullable(),
});
/** When one file was first seen at one target. */
export type Arrival = z.infer<typeof Arrival>;

/** The polling loop's state, carried from one PollTarget to the next. */
export const PollState = z.object({
  attempt: z.int().min(0),
  arrivals: z.array(Arrival),
  checked_at: z.iso.datetime().optional(),
  all_arrived: z.boolean().optional(),
  next_wait_seconds: z.int().min(0).optional(),
  post_arrival_wait_seconds: z.int().min(0).optional(),
});
/** The polling loop's state. */
export type PollState = z.infer<typeof PollState>;

/** A step's failure as the workflow caught it: the step, the ASL error name and its cause. */
export const StepFailure = z.object({ step: z.string(), Error: z.string(), Cause: z.string().optional() });
/** A step's failure as the workflow caught it. */
export type StepFailure = z.infer<typeof StepFailure>;

/** The file names a run uses; derived from the run so Cleanup can find them even when generation failed. */
export function testFileNames(testdata: TestData, runId: string): string[] {
  const sizes = testdata.sizes ?? [testdata.size_bytes ?? 0];
  const extension = { random: 'dat', csv: 'csv', jsonl: 'jsonl', fixedwidth: 'txt' }[testdata.pattern];
  return sizes.map((_, index) => `${testdata.filename_prefix}_${runId}_${index}.${extension}`);
}

/** The sizes a flow's test files have, in file order. */
export function testFileSizes(testdata: TestData): number[] {
  return testdata.sizes ?? [testdata.size_bytes ?? 0];
}

/** Staging key of a run's file (or its config snapshot): `staging/<run_id>/<name>`. */
export function stagingKey(runId: string, name: string): string {
  return `staging/${runId}/${name}`;
}

/**
 * Key prefix of a run's sidecars (`<name>.sha256`, `<name>.manifest.json`) in the config
 * bucket: `manifests/dt=<date>/flow_id=<flow>/run_id=<run>/`. They live there, not beside
 * the file at the source, because the source is watched: a sidecar there would be a file
 * of its own for the pipeline to move (or to refuse into the failure queue).
 */
export function manifestPrefix(run: Pick<FlowRun, 'date' | 'flow_id' | 'run_id'>): string {
  return `manifests/dt=${run.date}/flow_id=${run.flow_id}/run_id=${run.run_id}/`;
}

/** The size difference beyond `size_tolerance_bytes`. */
export class SizeMismatchError extends Error {
  readonly code = 'SIZE_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The file arrived, but later than `expect_within_seconds` allows. */
export class LatencySloMissedError extends Error {
  readonly code = 'TIMEOUT';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A trigger mode the running environment has no way to perform (e.g. Lambda invoke on a laptop). */
export class TriggerUnavailableError extends Error {
  readonly code = 'UNKNOWN';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Error names (class names of the copy engine's and the harness's errors, as Step
 * Functions reports them in `Error`) mapped to reason codes. Names that already are
 * reason codes (the workflow's own TIMEOUT, CONFIG_INVALID) map to themselves.
 */
const REASON_BY_ERROR_NAME: Record<string, ReasonCode> = {
  HostKeyMismatchError: 'HOST_KEY_MISMATCH',
  HostKeyNotPinnedError: 'HOST_KEY_NOT_PINNED',
  AuthFailedError: 'AUTH_FAILED',
  NotFoundError: 'NOT_FOUND',
  AccessDeniedError: 'ACCESS_DENIED',
  ChecksumMismatchError: 'CHECKSUM_MISMATCH',
  InvalidPathError: 'INVALID_PATH',
  ConnectionLostError: 'CONNECTION_LOST',
  TimeoutError: 'TIMEOUT',
  ThrottledError: 'THROTTLED',
  ServerError: 'SERVER_ERROR',
  NoSpaceError: 'NO_SPACE',
  UnclassifiedError: 'UNKNOWN',
  SizeMismatchError: 'SIZE_MISMATCH',
  LatencySloMissedError: 'TIMEOUT',
  'States.Timeout': 'TIMEOUT',
};

/** The reason code of a caught step failure. */
export function reasonOf(failure: StepFailure): ReasonCode {
  if (failure.Error in REASON_DESCRIPTIONS) return failure.Error as ReasonCode;
  return REASON_BY_ERROR_NAME[failure.Error] ?? 'UNKNOWN';
}

/**
 * The message of a caught failure. Lambda puts `{"errorType","errorMessage",…}` in
 * `Cause`; the local runner puts the message itself.
 */
export function messageOf(failure: StepFailure): string {
  const cause = failure.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause is the message
  }
  return cause.slice(0, 2000);
}
