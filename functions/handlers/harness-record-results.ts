/**
 * RecordResults of the harness workflow: run.json and summary.txt under results/dt=…/flow_id=…/run_id=…/, metrics RunSuccess and TransferLatencySeconds (EMF, dimension FlowId).
 * Env: HARNESS_CONFIG_BUCKET, HARNESS_CONFIG_PREFIX (default config/), HARNESS_ALERT_TOPIC_ARN.
 * IAM: s3:GetObject on staging/; s3:PutObject on results/ of the config bucket.
 */
import type { InvocationContext } from '../core/deadline';
import { harnessDepsFromEnvironment } from '../core/harness/aws-deps';
import { runHarnessStep } from '../core/harness/steps';

const deps = harnessDepsFromEnvironment(process.env);

/** Lambda entry point: the event is parsed by the step's schema; errors leave named for the workflow's Catch. */
export function handler(event: unknown, context?: InvocationContext): Promise<object> {
  return runHarnessStep('RecordResults', event, deps, context);
}
