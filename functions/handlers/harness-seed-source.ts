/**
 * SeedSource of the harness workflow: copies staged files to the flow's source with .sha256 and .manifest.json sidecars, S3 objects tagged fileflow:synthetic=true.
 * Env: HARNESS_CONFIG_BUCKET, HARNESS_CONFIG_PREFIX (default config/), HARNESS_ALERT_TOPIC_ARN.
 * IAM: s3:GetObject on staging/; s3:PutObject and s3:PutObjectTagging on source prefixes (kms:GenerateDataKey on their keys); secretsmanager:GetSecretValue on SFTP key secrets.
 */
import type { InvocationContext } from '../core/deadline';
import { harnessDepsFromEnvironment } from '../core/harness/aws-deps';
import { runHarnessStep } from '../core/harness/steps';

const deps = harnessDepsFromEnvironment(process.env);

/** Lambda entry point: the event is parsed by the step's schema; errors leave named for the workflow's Catch. */
export function handler(event: unknown, context?: InvocationContext): Promise<object> {
  return runHarnessStep('SeedSource', event, deps, context);
}
