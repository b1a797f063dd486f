/**
 * Preflight of the harness workflow: every endpoint of the flow is listed (reachable, credentials accepted, directory present) before anything is generated.
 * Env: HARNESS_CONFIG_BUCKET, HARNESS_CONFIG_PREFIX (default config/), HARNESS_ALERT_TOPIC_ARN.
 * IAM: s3:GetObject on staging/; s3:ListBucket on source and target buckets; secretsmanager:GetSecretValue on SFTP key secrets; egress to the SFTP servers.
 */
import type { InvocationContext } from '../core/deadline';
import { harnessDepsFromEnvironment } from '../core/harness/aws-deps';
import { runHarnessStep } from '../core/harness/steps';

const deps = harnessDepsFromEnvironment(process.env);

/** Lambda entry point: the event is parsed by the step's schema; errors leave named for the workflow's Catch. */
export function handler(event: unknown, context?: InvocationContext): Promise<object> {
  return runHarnessStep('Preflight', event, deps, context);
}
