/**
 * Re-drive on the local runtime: after the failure was resolved as
 * `REDRIVEN` (which released its claim), run a new execution of the same
 * workflow in this process, on the runtime's servers — what StartExecution
 * does on AWS.
 *
 * A file read from S3 is re-driven with the workflow's own re-drive input
 * (`{ redrive: { fileId, failedAt } }`). A pulled file is re-driven as the
 * poller would start it (`{ pull: … }`), if it is still where it was pulled
 * from; the workflow's post-action follows a successful transfer.
 */
import { posix } from 'node:path';
import type { JsonValue } from '../../asl/json';
import { createEndpoint } from '../../functions/core/endpoints';
import { formatFileId } from '../../functions/core/tracking/keys';
import type { FailureRecord } from '../../functions/core/tracking/records';
import type { LocalEndpoints } from './endpoints-file';
import { openRuntimeContext, type LocalTransferWorkflow } from './local-runtime';
import { applyPostAction, localSftpLocation, type PulledFile } from './pull-poller';
import { createLocalTransferWorkflow } from './transfer-workflow';

/** How a local re-drive ended. */
export interface LocalRedriveResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: JsonValue;
  readonly error?: string;
}

/** Runs the re-drive execution of a failure already resolved as `REDRIVEN`. */
export async function redriveLocally(endpoints: LocalEndpoints, failure: FailureRecord): Promise<LocalRedriveResult> {
  const context = openRuntimeContext(endpoints);
  try {
    const workflow = createLocalTransferWorkflow(context);
    const pulled = failure.sourceUri?.startsWith('sftp://') ? await pulledFileOf(failure, context) : undefined;
    const input: JsonValue = pulled
      ? workflow.pullInput(pulled)
      : { redrive: { fileId: formatFileId(failure), failedAt: failure.failedAt } };
    const result = await run(workflow, input);
    if (pulled && result.status === 'SUCCEEDED' && workflow.delivered(result.output ?? null)) {
      await applyPostAction(pulled, context.sftpPool);
    }
    return result;
  } finally {
    await context.close();
  }
}

async function run(workflow: LocalTransferWorkflow, input: JsonValue): Promise<LocalRedriveResult> {
  try {
    return { status: 'SUCCEEDED', output: await workflow.run(input) };
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    return { status: 'FAILED', error: cause ? `${cause.name}: ${cause.message}` : String(error) };
  }
}

/** The pulled file a failure names, as the poller would hand it to the workflow now. */
async function pulledFileOf(
  failure: FailureRecord,
  context: ReturnType<typeof openRuntimeContext>,
): Promise<PulledFile> {
  const stored = await context.repository.getWorkflow(failure.workflowId);
  const workflow = stored?.definition;
  if (!workflow || workflow.source.type !== 'sftp')
    throw new Error(`no pull workflow ${failure.workflowId} to re-drive with`);
  const server = context.resolveEndpointRef(workflow.source.endpointRef);
  if (!server) throw new Error(`workflow ${workflow.id}: no local SFTP endpoint "${workflow.source.endpointRef}"`);
  const absolute = new URL(failure.sourceUri!).pathname;
  const path = posix.relative(server.root, decodeURIComponent(absolute));
  const stat = await createEndpoint(localSftpLocation(server, path), { sftpPool: context.sftpPool }).stat();
  return {
    workflow,
    customerId: failure.customerId,
    fileName: failure.fileName,
    server,
    path,
    size: stat.size,
    mtime: stat.mtime,
    fingerprint: failure.fingerprint,
  };
}
