/**
 * Re-drive on the local runtime, after the failure was resolved as `REDRIVEN`
 * (which released its claim):
 *
 * - a file read from S3 runs a new execution of the same workflow in this
 *   process, on the runtime's servers, with the workflow's own re-drive input
 *   (`{ redrive: { fileId, failedAt } }`) — what StartExecution does on AWS;
 * - a pulled file is handed back to the poller exactly as on AWS
 *   (`functions/core/pull/redrive.ts`): the runtime's poller starts it on its
 *   next poll and applies the post-action once every target has it; this
 *   command waits for that outcome.
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../../asl/json';
import { isPulledFailure, redrivePulledFile } from '../../functions/core/pull/redrive';
import { formatFileId } from '../../functions/core/tracking/keys';
import type { FailureRecord } from '../../functions/core/tracking/records';
import type { TrackingRepository } from '../../functions/core/tracking/repository';
import type { LocalEndpoints } from './endpoints-file';
import { openRuntimeContext } from './local-runtime';
import { createLocalTransferWorkflow } from './transfer-workflow';

/** How long a pulled file's re-drive is waited for: the runtime's poller looks every second. */
const PULLED_REDRIVE_TIMEOUT_MS = 120_000;
const PULLED_REDRIVE_CHECK_MS = 200;

/** How a local re-drive ended. */
export interface LocalRedriveResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The execution that ran the re-drive. */
  readonly execution: string;
  readonly output?: JsonValue;
  readonly error?: string;
}

/** Runs (or, for a pulled file, waits for) the re-drive of a failure already resolved as `REDRIVEN`. */
export async function redriveLocally(endpoints: LocalEndpoints, failure: FailureRecord): Promise<LocalRedriveResult> {
  const context = openRuntimeContext(endpoints);
  try {
    if (isPulledFailure(failure)) {
      await redrivePulledFile(context.repository, failure);
      return await pulledOutcome(context.repository, failure);
    }
    const workflow = createLocalTransferWorkflow(context);
    const execution = `redrive-${randomUUID()}`;
    try {
      const output = await workflow.run(
        { redrive: { fileId: formatFileId(failure), failedAt: failure.failedAt } },
        execution,
      );
      return { status: 'SUCCEEDED', execution, output };
    } catch (error) {
      const cause = (error as { cause?: Error }).cause;
      return { status: 'FAILED', execution, error: cause ? `${cause.name}: ${cause.message}` : String(error) };
    }
  } finally {
    await context.close();
  }
}

/**
 * Waits for the poller's new run of a pulled file: its first final status after the
 * re-drive, and on success the post-action (the look of that version settled).
 */
async function pulledOutcome(repository: TrackingRepository, failure: FailureRecord): Promise<LocalRedriveResult> {
  const since = failure.resolution?.resolvedAt ?? failure.failedAt;
  const deadline = Date.now() + PULLED_REDRIVE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const report = await repository.statusForFile(failure);
    const outcome = report.history.find(
      (s) =>
        s.workflowId === failure.workflowId &&
        s.timestamp > since &&
        s.status !== 'IN_PROGRESS' &&
        s.status !== 'PENDING',
    );
    const settled = report.polls.some(
      (p) => p.workflowId === failure.workflowId && p.settledAt !== undefined && p.settledAt > since,
    );
    if (outcome?.status === 'FAILED') {
      return { status: 'FAILED', execution: outcome.executionId ?? '', error: outcome.errorMessage ?? 'FAILED' };
    }
    if (outcome?.status === 'SUCCESS' && settled) return { status: 'SUCCEEDED', execution: outcome.executionId ?? '' };
    await new Promise((resolve) => setTimeout(resolve, PULLED_REDRIVE_CHECK_MS));
  }
  return {
    status: 'FAILED',
    execution: '',
    error: `the local runtime's poller did not finish ${formatFileId(failure)} within ${PULLED_REDRIVE_TIMEOUT_MS / 1000} s; is \`fileflow local up\` running?`,
  };
}
