/**
 * The pull poller, run by an EventBridge Scheduler schedule (and by the flow-test
 * harness for a pull flow, with `{ "workflowId": … }`): lists every enabled pull
 * workflow's SFTP directory, starts one transfer execution per stable file, and applies
 * the post-action of delivered files (`functions/core/pull/poller.ts`).
 *
 * Env: the six tracking table variables, `FILEFLOW_PULL_SOURCES` (pull servers by
 * `endpointRef`), `FILEFLOW_TRANSFER_STATE_MACHINE_ARN`. IAM: Scan/GetItem on
 * WorkflowDefinition; GetItem/PutItem/UpdateItem/Query on FileTransferStatus;
 * states:StartExecution on the transfer state machine; secretsmanager:GetSecretValue
 * on the pull servers' key secrets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { pullPollerDepsFromEnvironment } from '../core/pull/aws-deps';
import { pollPullSources, type PollSummary } from '../core/pull/poller';

const logger = new Logger({ serviceName: 'fileflow-pull-poller' });
const deps = pullPollerDepsFromEnvironment(process.env);

/** A scheduled run passes `{}`; the harness may name one workflow. */
const PollEvent = z.looseObject({ workflowId: z.string().min(1).optional() });

/**
 * Lambda entry point: one poll. A file or workflow that cannot be handled does not stop
 * the others; after the poll the invocation fails naming them, so the Errors alarm sees it.
 */
export async function handler(event: unknown): Promise<PollSummary> {
  const { workflowId } = PollEvent.parse(event ?? {});
  const summary = await pollPullSources(deps, workflowId === undefined ? {} : { workflowId });
  logger.info('polled', { ...summary, errors: summary.errors.length });
  if (summary.errors.length > 0) throw new Error(`pull poll: ${summary.errors.join('; ')}`);
  return summary;
}
