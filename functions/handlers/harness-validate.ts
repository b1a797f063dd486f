/**
 * Validate of the harness workflow: streams each arrived file once and checks SHA-256, size and latency against the SLO.
 * Env: HARNESS_CONFIG_BUCKET, HARNESS_CONFIG_PREFIX (default config/), HARNESS_ALERT_TOPIC_ARN.
 * IAM: s3:GetObject on staging/ and target prefixes (kms:Decrypt); secretsmanager:GetSecretValue on SFTP key secrets.
 */
import type { InvocationContext } from '../core/deadline';
import { harnessDepsFromEnvironment } from '../core/harness/aws-deps';
import { runHarnessStep } from '../core/harness/steps';

const deps = harnessDepsFromEnvironment(process.env);

/** Lambda entry point: the event is parsed by the step's schema; errors leave named for the workflow's Catch. */
export function handler(event: unknown, context?: InvocationContext): Promise<object> {
  return runHarnessStep('Validate', event, deps, context);
}
