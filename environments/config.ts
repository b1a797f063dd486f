/**
 * What one deployment environment is made of. Each environment file exports one
 * plain object; {@link parseEnvironmentConfig} checks it before any resource is made,
 * so a typo fails synth with the environment and the field named.
 */
import { z } from 'zod';

/** Retention values CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const terraformCloudBackend = z
  .object({
    type: z.literal('cloud'),
    organization: z.string().min(1),
    workspace: z.string().regex(/^[A-Za-z0-9_-]{1,90}$/, 'letters, digits, "-" and "_" only'),
  })
  .strict();

const s3Backend = z
  .object({
    type: z.literal('s3'),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a valid S3 bucket name'),
    key: z.string().min(1).endsWith('.tfstate', 'state keys end in .tfstate'),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'not an AWS region'),
    lockTable: z.string().min(3),
  })
  .strict();

const schedulerExpression = z
  .string()
  .regex(/^(cron|rate)\(.+\)$/, 'an EventBridge Scheduler expression: cron(...) or rate(...)');

const harnessS3Location = z
  .object({
    bucketArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket ARN, arn:aws:s3:::<name>'),
    prefix: z.string().regex(/^$|^[^/].*\/$/, "a key prefix ending in '/' ('' for the whole bucket)"),
    kmsKeyArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, 'a KMS key ARN')
      .optional(),
  })
  .strict();

const secretArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'a Secrets Manager secret ARN');

/** Schema of an environment; the TypeScript type is inferred from it. */
export const environmentConfigSchema = z
  .object({
    /** Short name, used in stack ids and resource names. */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,15}$/, 'lowercase letters, digits and "-", 2–16 characters'),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'not an AWS region'),
    accountId: z.string().regex(/^\d{12}$/, 'an AWS account id has 12 digits'),
    /** Prefix of every physical resource name; keeps environments and stacks apart. */
    namePrefix: z.string().regex(/^[a-z][a-z0-9-]{1,23}$/, 'lowercase letters, digits and "-", 2–24 characters'),
    backend: z.discriminatedUnion('type', [terraformCloudBackend, s3Backend]),
    /** Tags the provider puts on every resource that supports them. */
    defaultTags: z.record(z.string().min(1).max(128), z.string().max(256)),
    alarmEmail: z.email(),
    logRetentionDays: z.number().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
    }),
    /** The flow-test harness: when it runs (EventBridge Scheduler) and how many flows at once. */
    harness: z
      .object({
        /** When the `daily` group runs, read in `timeZone`. */
        schedule: schedulerExpression,
        timeZone: z.string().refine(isIanaTimeZone, 'not an IANA time zone such as America/Los_Angeles'),
        /** When the `critical` group runs too (typically `rate(1 hour)`); absent: no critical runs. */
        criticalSchedule: schedulerExpression.optional(),
        /** Flows tested at once (the harness Map's MaxConcurrency). */
        maxConcurrency: z.number().int().min(1).max(40),
        /** Flow ids that get an alarm of their own on RunSuccess (and an enum partition in Athena). */
        flowIds: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a flow_id')).optional(),
        /** Where flows seed their test files besides the landing zone's `inbound/` (partner buckets). */
        sourceLocations: z.array(harnessS3Location).optional(),
        /** Where flows look for delivered files: PollTarget and Validate read, Cleanup deletes, only here. */
        targetLocations: z.array(harnessS3Location).optional(),
        /** Secrets holding the SFTP keys the flows use (source and target servers). */
        sftpSecretArns: z.array(secretArn).optional(),
        /** Secrets holding the webhook URLs of the flows' alert channels. */
        webhookSecretArns: z.array(secretArn).optional(),
        /** SNS topics the flows' alert channels name. */
        alertChannelTopicArns: z
          .array(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'an SNS topic ARN'))
          .optional(),
        /** Transfer Lambdas `invoke`-mode flows may start. */
        transferFunctionArns: z
          .array(
            z
              .string()
              .regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}$/, 'a Lambda function ARN'),
          )
          .optional(),
      })
      .strict(),
    /**
     * Pull ingress: partner SFTP servers the pipeline's poller lists for workflows whose
     * source is `sftp` (by `endpointRef`); absent: no poller.
     */
    pull: z
      .object({
        sources: z
          .record(
            z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an endpointRef: letters, digits, "-" and "_"'),
            z
              .object({
                host: z.string().min(1),
                port: z.number().int().min(1).max(65535).optional(),
                username: z.string().min(1),
                privateKeySecretArn: secretArn,
                hostKeyFingerprint: z
                  .string()
                  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'an OpenSSH fingerprint, SHA256:… as ssh-keygen -lf prints it'),
                baseDir: z.string().startsWith('/').optional(),
              })
              .strict(),
          )
          .refine((sources) => Object.keys(sources).length > 0, 'name at least one server'),
        scheduleExpression: schedulerExpression.optional(),
      })
      .strict()
      .optional(),
    /**
     * The operations chat bot (Slack slash commands, Teams outgoing webhook); absent: no bot.
     * Secrets are named by ARN: the bot reads exactly these and nothing else.
     */
    chatBot: z
      .object({
        slackSigningSecretArn: secretArn,
        teamsSecurityTokenSecretArn: secretArn.optional(),
        /** Customer managed key of the secrets, when they do not use the AWS managed key. */
        secretsKmsKeyArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, 'a KMS key ARN')
          .optional(),
        /** Slack user ids (Teams AAD object ids) allowed to `/transfer-retry`. */
        retryAllowedUserIds: z.array(z.string().min(1)).default([]),
        /** Channel ids whose members may `/transfer-retry`. */
        retryAllowedChannelIds: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .optional(),
  })
  .strict();

/** One deployment environment (dev, test, prod, …). */
export type EnvironmentConfig = Readonly<z.infer<typeof environmentConfigSchema>>;

/** Raised when an environment file is invalid; lists every bad field. */
export class InvalidEnvironmentError extends Error {
  override readonly name = 'InvalidEnvironmentError';
}

/**
 * Checks an environment definition and returns it typed.
 * @param label how to name the environment in errors when its own `name` is missing or wrong
 * @throws InvalidEnvironmentError naming the environment and every bad field
 */
export function parseEnvironmentConfig(raw: unknown, label: string): EnvironmentConfig {
  const result = environmentConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `  ${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  );
  throw new InvalidEnvironmentError(`environment '${label}' is invalid:\n${problems.join('\n')}`);
}

/** Whether `zone` is an IANA time zone name (`Region/City`, or `UTC`) this Node knows. */
export function isIanaTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}
