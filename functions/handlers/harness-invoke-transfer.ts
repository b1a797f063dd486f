/**
 * InvokeTransfer of the harness workflow: event flows were triggered by seeding; invoke flows call the transfer Lambda asynchronously.
 * Env: HARNESS_CONFIG_BUCKET, HARNESS_CONFIG_PREFIX (default config/), HARNESS_ALERT_TOPIC_ARN.
 * IAM: s3:GetObject on staging/; lambda:InvokeFunction on the flows' transfer functions.
 */
import type { InvocationContext } from '../core/deadline';
import { harnessDepsFromEnvironment } from '../core/harness/aws-deps';
import { runHarnessStep } from '../core/harness/steps';

const deps = harnessDepsFromEnvironment(process.env);

/** Lambda entry point: the event is parsed by the step's schema; errors leave named for the workflow's Catch. */
export function handler(event: unknown, context?: InvocationContext): Promise<object> {
  return runHarnessStep('InvokeTransfer', event, deps, context);
}
