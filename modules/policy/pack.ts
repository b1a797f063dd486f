/** The fileflow policy pack: every rule a fileflow stack is held to at synth time. */
import type { PolicyRule } from './rule';
import { DYNAMODB_ENCRYPTED, DYNAMODB_PITR } from './rules/dynamodb';
import { IAM_NO_WILDCARD_DATA_ACCESS } from './rules/iam';
import { LAMBDA_LOG_GROUP, LAMBDA_SUPPORTED_RUNTIME, LAMBDA_TRACING } from './rules/lambda';
import { LOG_GROUP_RETENTION } from './rules/logs';
import { S3_ENCRYPTED, S3_PUBLIC_ACCESS_BLOCKED, S3_TLS_ONLY, S3_VERSIONED } from './rules/s3';
import { SNS_ENCRYPTED } from './rules/sns';
import { SQS_DEAD_LETTER_QUEUE, SQS_ENCRYPTED } from './rules/sqs';
import { STATE_MACHINE_LOGGING, STATE_MACHINE_TRACING } from './rules/step-functions';

/** Every fileflow rule, in id order. */
export const FILEFLOW_RULES: readonly PolicyRule[] = [
  S3_PUBLIC_ACCESS_BLOCKED,
  S3_ENCRYPTED,
  S3_VERSIONED,
  S3_TLS_ONLY,
  DYNAMODB_PITR,
  DYNAMODB_ENCRYPTED,
  SQS_ENCRYPTED,
  SQS_DEAD_LETTER_QUEUE,
  SNS_ENCRYPTED,
  LAMBDA_LOG_GROUP,
  LAMBDA_TRACING,
  LAMBDA_SUPPORTED_RUNTIME,
  STATE_MACHINE_LOGGING,
  STATE_MACHINE_TRACING,
  IAM_NO_WILDCARD_DATA_ACCESS,
  LOG_GROUP_RETENTION,
];
