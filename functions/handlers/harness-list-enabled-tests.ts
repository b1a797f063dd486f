/**
 * ListEnabledTests of the harness workflow: the selected, enabled flows as Map items, each config snapshotted into staging/ (invalid ones become CONFIG_INVALID items).
 * Env: HARNESS_CONFIG_BUCKET, HARNESS_CONFIG_PREFIX (default config/), HARNESS_ALERT_TOPIC_ARN.
 * IAM: s3:ListBucket and s3:GetObject on config/, s3:PutObject on staging/ of the config bucket.
 */
import type { InvocationContext } from '../core/deadline';
import { harnessDepsFromEnvironment } from '../core/harness/aws-deps';
import { runHarnessStep } from '../core/harness/steps';

const deps = harnessDepsFromEnvironment(process.env);

/** Lambda entry point: the event is parsed by the step's schema; errors leave named for the workflow's Catch. */
export function handler(event: unknown, context?: InvocationContext): Promise<object> {
  return runHarnessStep('ListEnabledTests', event, deps, context);
}
