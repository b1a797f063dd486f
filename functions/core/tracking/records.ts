/**
 * Schemas for every record in the tracking tables, and for the workflow
 * definition file. Records never carry keys: the repository derives keys,
 * index attributes and TTLs (see `keys.ts`, `tables.ts`) and strips them on read.
 *
 * Every object schema is strict, so a misspelt field is an error rather than a
 * silently ignored setting.
 */
import { z } from 'zod';
import { IDENTIFIER_PATTERN, IDENTIFIER_RULE } from './keys';

// ---------------------------------------------------------------- issue formatting

/**
 * One line per issue, `path: message`, with the path written the way a reader
 * finds it in the JSON file (`targets[1].hostKeyFingerprints`). An unknown
 * field is reported at its own path, so the line points at the typo.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field (check the spelling)`);
    }
    return [`${formatPath(issue.path)}: ${issue.message}`];
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      const name = String(part);
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `[${JSON.stringify(name)}]`;
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

/** Thrown when a workflow definition or a record does not match its schema; `issues` holds the `path: message` lines. */
export class SchemaValidationError extends Error {
  readonly issues: readonly string[];
  constructor(what: string, issues: readonly z.core.$ZodIssue[]) {
    const lines = formatIssues(issues);
    super(`${what} is invalid:\n  ${lines.join('\n  ')}`);
    this.name = 'SchemaValidationError';
    this.issues = lines;
  }
}

/** Parses `input` with `schema`, or throws a {@link SchemaValidationError} naming `what`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new SchemaValidationError(what, result.error.issues);
  return result.data;
}

// ---------------------------------------------------------------- shared fields

const identifier = z.string().regex(IDENTIFIER_PATTERN, `must be ${IDENTIFIER_RULE}`);
const timestamp = z.iso.datetime({ error: 'must be an ISO-8601 UTC timestamp such as 2025-06-28T22:01:34Z' });
const calendarDay = z.iso.date({ error: 'must be a day written YYYY-MM-DD' });
const count = z.number().int().min(0);
const nonEmpty = z.string().min(1, 'must not be empty');
const fileName = z.string().min(1, 'must not be empty').max(1024);
const arn = (service: string, resource: string, example: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}`),
      `must be ${service === 'sns' ? 'an' : 'a'} ${service} ARN such as ${example}`,
    );

// ---------------------------------------------------------------- workflow definition

const bucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'must be an S3 bucket name (3-63 lower-case letters, digits, "." or "-")',
  );

const keyPrefix = z
  .string()
  .refine((value) => !value.startsWith('/'), 'must not start with "/" (S3 keys and SFTP paths are relative here)');

const regexSource = z.string().refine((value) => {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}, 'must be a valid JavaScript regular expression');

/** OpenSSH's form, `SHA256:` + unpadded base64 of the 32-byte digest, as `ssh-keygen -lf` prints it. */
const hostKeyFingerprint = z
  .string()
  .regex(
    /^SHA256:[A-Za-z0-9+/]{43}=?$/,
    'must be an OpenSSH SHA256 fingerprint such as SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
  );

const secretArn = arn('secretsmanager', 'secret:.+$', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sftp-key');

/** The S3 storage classes a transfer may write. */
export const S3_STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
] as const;

const s3Source = z
  .object({
    type: z.literal('s3'),
    bucket: bucketName,
  })
  .strict();

const sftpSource = z
  .object({
    type: z.literal('sftp'),
    /** Name of an SFTP endpoint configured for the poller (host, credentials and host keys live there). */
    endpointRef: identifier,
  })
  .strict();

const s3Target = z
  .object({
    id: identifier,
    type: z.literal('s3'),
    bucket: bucketName,
    prefix: keyPrefix.default(''),
    kmsKeyId: nonEmpty.optional(),
    storageClass: z.enum(S3_STORAGE_CLASSES).optional(),
  })
  .strict();

const sftpCredentials = z
  .object({
    secretArn: secretArn.optional(),
    privateKeyFile: nonEmpty.optional(),
  })
  .strict()
  .refine(
    (value) => (value.secretArn === undefined) !== (value.privateKeyFile === undefined),
    'set exactly one of secretArn (AWS) or privateKeyFile (local runtime)',
  );

const sftpTarget = z
  .object({
    id: identifier,
    type: z.literal('sftp'),
    host: z.string().regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:]+\]$/, 'must be a host name or an address'),
    port: z.number().int().min(1).max(65535).default(22),
    username: nonEmpty,
    credentials: sftpCredentials,
    hostKeyFingerprints: z
      .array(hostKeyFingerprint)
      .min(1, 'list at least one host key fingerprint: transfers refuse hosts they cannot verify'),
    directory: nonEmpty,
  })
  .strict();

const typeError = (options: string) => ({
  error: (issue: { code?: string }) => (issue.code === 'invalid_union' ? `type must be ${options}` : undefined),
});

const postAction = z.discriminatedUnion(
  'action',
  [
    z.object({ action: z.literal('delete') }).strict(),
    z.object({ action: z.literal('move'), archiveDir: nonEmpty }).strict(),
    z.object({ action: z.literal('keep') }).strict(),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'action must be "delete", "move" or "keep"' : undefined) },
);

const backoff = z
  .object({
    initialSeconds: z.number().int().min(1).max(86_400),
    rate: z.number().min(1).max(10),
    maxSeconds: z.number().int().min(1).max(86_400),
  })
  .strict()
  .refine((value) => value.maxSeconds >= value.initialSeconds, {
    message: 'maxSeconds must be at least initialSeconds',
    path: ['maxSeconds'],
  });

const notifications = z
  .object({
    snsTopicArn: arn(
      'sns',
      '[A-Za-z0-9_-]{1,256}(\\.fifo)?$',
      'arn:aws:sns:eu-west-1:123456789012:transfers',
    ).optional(),
    webhookSecretArn: secretArn.optional(),
    onSuccess: z.boolean().default(false),
    onFailure: z.boolean().default(true),
  })
  .strict()
  .refine((value) => value.snsTopicArn !== undefined || value.webhookSecretArn !== undefined, {
    message: 'set snsTopicArn or webhookSecretArn (or leave notifications out)',
  });

/** The workflow definition as written in a JSON file or the `WorkflowDefinition` table. */
export const workflowDefinitionSchema = z
  .object({
    id: identifier,
    enabled: z.boolean().default(true),
    source: z.discriminatedUnion('type', [s3Source, sftpSource], typeError('"s3" or "sftp"')),
    /** Key prefix (S3) or directory (SFTP) under which files belong to this workflow. */
    sourcePrefix: keyPrefix.default(''),
    targets: z
      .array(z.discriminatedUnion('type', [s3Target, sftpTarget], typeError('"s3" or "sftp"')))
      .min(1, 'list at least one target'),
    validationRegex: regexSource,
    maxRetries: z.number().int().min(0).max(20).default(3),
    backoff: backoff.default({ initialSeconds: 60, rate: 2, maxSeconds: 900 }),
    maxConcurrency: z.number().int().min(1).max(100).default(4),
    /** What the poller does with a pulled file once every target has it; pull (sftp) sources only. */
    postAction: postAction.optional(),
    notifications: notifications.optional(),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  })
  .strict()
  .superRefine(
    (value, ctx) => {
      // Runs even when fields failed (see `when`), so every mistake is reported at once; the value may be
      // partly malformed here, hence the defensive reads.
      const raw = value as unknown as { targets?: unknown; source?: { type?: unknown }; postAction?: unknown };
      const seen = new Set<unknown>();
      (Array.isArray(raw.targets) ? raw.targets : []).forEach((target: { id?: unknown } | null, i) => {
        const id = target?.id;
        if (typeof id !== 'string') return;
        if (seen.has(id))
          ctx.addIssue({ code: 'custom', path: ['targets', i, 'id'], message: `duplicate target id "${id}"` });
        seen.add(id);
      });
      if (raw.source?.type === 'sftp' && raw.postAction === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['postAction'],
          message: 'a pull (sftp) source needs a postAction: delete, move (with archiveDir) or keep',
        });
      }
      if (raw.source?.type === 's3' && raw.postAction !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['postAction'], message: 'only pull (sftp) sources have a postAction' });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

/** A validated workflow definition, defaults applied. */
export type WorkflowDefinition = z.output<typeof workflowDefinitionSchema>;
/** A workflow definition as written (defaults may be left out). */
export type WorkflowDefinitionInput = z.input<typeof workflowDefinitionSchema>;
/** One copy destination of a workflow. */
export type TransferTarget = WorkflowDefinition['targets'][number];

/** Parses a workflow definition, or throws a {@link SchemaValidationError} listing `path: message` per problem. */
export function parseWorkflowDefinition(input: unknown): WorkflowDefinition {
  return parseOrThrow(workflowDefinitionSchema, input, 'workflow definition');
}

// ---------------------------------------------------------------- tracking records

/** The life of a transfer (the seed's four states). */
export const TRANSFER_STATUSES = ['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAILED'] as const;
/** One of {@link TRANSFER_STATUSES}. */
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];
const transferStatus = z.enum(TRANSFER_STATUSES);

const fileFields = { customerId: identifier, fileName };
const metadata = z.record(z.string(), z.unknown());
/** Target id → where the copy went or why it did not (`s3://bucket/key`, `sftp://host/dir/file`, an error). */
const targetSummary = z.record(z.string(), z.string());

/** One state change of a file: an item of the status history. */
export const statusRecordSchema = z
  .object({
    ...fileFields,
    workflowId: identifier,
    status: transferStatus,
    timestamp,
    fingerprint: nonEmpty.optional(),
    executionId: nonEmpty.optional(),
    retryCount: count.optional(),
    errorMessage: z.string().optional(),
    targetSummary: targetSummary.optional(),
    metadata: metadata.optional(),
  })
  .strict();
/** A status-history item. */
export type StatusRecord = z.output<typeof statusRecordSchema>;

/** `ACTIVE` blocks a second transfer of the same file version; re-drive sets `RELEASED` so a new run may claim it. */
export const CLAIM_STATES = ['ACTIVE', 'RELEASED'] as const;

/** The claim of one version of a file by one execution, with its durable retry counter. */
export const claimRecordSchema = z
  .object({
    ...fileFields,
    fingerprint: nonEmpty,
    workflowId: identifier,
    executionId: nonEmpty,
    claimState: z.enum(CLAIM_STATES),
    claimedAt: timestamp,
    retryCount: count,
  })
  .strict();
/** A claim item. */
export type ClaimRecord = z.output<typeof claimRecordSchema>;

/** The poller's last look at a file: the dedupe record of pull sources. */
export const polledFileRecordSchema = z
  .object({
    ...fileFields,
    workflowId: identifier,
    size: count,
    mtime: timestamp,
    firstSeenAt: timestamp,
    lastSeenAt: timestamp,
    looks: z.number().int().min(1),
    startedAt: timestamp.optional(),
    /** Transfers started for this version: the first start, then one per re-drive (names each execution apart). */
    starts: z.number().int().min(1).optional(),
    /** When the post-action ran (or, for `keep`, when delivery was seen): the version needs nothing more. */
    settledAt: timestamp.optional(),
  })
  .strict();
/** A poller look item. */
export type PolledFileRecord = z.output<typeof polledFileRecordSchema>;

/** A file's latest outcome on one day, denormalised for reports. */
export const customerFileEntrySchema = z
  .object({
    ...fileFields,
    date: calendarDay,
    workflowId: identifier,
    status: transferStatus,
    timestamp,
    retryCount: count,
    targetSummary: targetSummary.optional(),
    errorMessage: z.string().optional(),
  })
  .strict();
/** A customer file index item. */
export type CustomerFileEntry = z.output<typeof customerFileEntrySchema>;

/** One event in the life of a file. `eventType` is an UPPER_SNAKE word such as RECEIVED, VALIDATED, COPIED, RETRY. */
export const auditEntrySchema = z
  .object({
    ...fileFields,
    eventId: nonEmpty,
    timestamp,
    eventType: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an UPPER_SNAKE_CASE word such as COPIED'),
    status: transferStatus.optional(),
    workflowId: identifier.optional(),
    executionId: nonEmpty.optional(),
    retryCount: count.optional(),
    message: z.string().optional(),
    metadata: metadata.optional(),
  })
  .strict();
/** An audit log item. */
export type AuditEntry = z.output<typeof auditEntrySchema>;

/** How an operator closed a failure. */
export const FAILURE_RESOLUTIONS = ['REDRIVEN', 'DISMISSED'] as const;
/** One of {@link FAILURE_RESOLUTIONS}. */
export type FailureResolution = (typeof FAILURE_RESOLUTIONS)[number];

/** A transfer that exhausted its retries; open until an operator re-drives or dismisses it. */
export const failureRecordSchema = z
  .object({
    ...fileFields,
    workflowId: identifier,
    fingerprint: nonEmpty,
    executionId: nonEmpty,
    reasonCode: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an UPPER_SNAKE_CASE code such as PERMISSION_DENIED'),
    lastError: z.string(),
    retryCount: count,
    failedAt: timestamp,
    /** How many times this file has landed in the queue (a re-driven file can fail again). */
    failureCount: z.number().int().min(1),
    /** Where the file was read from, for the re-drive (`s3://bucket/key`, `sftp://endpoint/path`). */
    sourceUri: nonEmpty.optional(),
    resolution: z
      .object({
        outcome: z.enum(FAILURE_RESOLUTIONS),
        resolvedAt: timestamp,
        resolvedBy: nonEmpty,
        note: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
/** A failure queue item. */
export type FailureRecord = z.output<typeof failureRecordSchema>;

/** One notification attempt about a file. */
export const notificationRecordSchema = z
  .object({
    ...fileFields,
    notificationId: nonEmpty,
    timestamp,
    workflowId: identifier,
    executionId: nonEmpty.optional(),
    event: z.enum(['SUCCESS', 'FAILURE']),
    channel: z.enum(['SNS', 'WEBHOOK']),
    /** SNS topic ARN or webhook URL (without credentials). */
    target: nonEmpty,
    status: z.enum(['SENT', 'FAILED']),
    messageId: z.string().optional(),
    response: z.string().optional(),
  })
  .strict();
/** A notification log item. */
export type NotificationRecord = z.output<typeof notificationRecordSchema>;
