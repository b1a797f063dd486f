/**
 * The shapes that travel between the transfer workflow's states, as zod schemas: each
 * handler parses the part of the state it reads at its edge. Everything here is a
 * pointer or small metadata (ids, locations, hashes, counts) — never file content.
 *
 * The top-level state grows as the execution goes (`ResultPath`s of
 * `asl/workflows/transfer.ts`): `status`, `executionId`, `file`, then `transfer` or
 * `rejection`, `copies`, `error`, `review`, `notice`.
 */
import { z } from 'zod';
import { Location } from '../locations';

/** Which file (version) an execution is about; the same identity keys every tracking record. */
export const FileIdentity = z.object({
  customerId: z.string().min(1),
  fileName: z.string().min(1),
  workflowId: z.string().min(1),
  /** The version claimed: S3 version id or event sequencer, or the poller's size+mtime fingerprint. */
  fingerprint: z.string().min(1),
  /** `s3://bucket/key` or `sftp://user@host:port/path`, for the failure queue and re-drive. */
  sourceUri: z.string().min(1).optional(),
});
/** Which file (version) an execution is about. */
export type FileIdentity = z.infer<typeof FileIdentity>;

/** One copy destination, as the Map iterates it. */
export const PlannedTarget = z.object({
  /** The workflow target's id. */
  id: z.string().min(1),
  location: Location,
  /**
   * Every pinned host key (SFTP); `location.hostKey` holds the first. A rotation pins
   * the old and the new key, and the copy tries them in order.
   */
  hostKeyFingerprints: z.array(z.string()).optional(),
});
/** One copy destination. */
export type PlannedTarget = z.infer<typeof PlannedTarget>;

/** The notification settings of the workflow, carried so later states need not read it again. */
export const NotificationSettings = z.object({
  snsTopicArn: z.string().optional(),
  webhookSecretArn: z.string().optional(),
  onSuccess: z.boolean(),
  onFailure: z.boolean(),
});
/** The notification settings of the workflow. */
export type NotificationSettings = z.infer<typeof NotificationSettings>;

/** An accepted transfer: where from, where to, and how to retry. */
export const TransferPlan = z.object({
  source: Location,
  targets: z.array(PlannedTarget).min(1),
  /** Key of the claim item whose `retryCount` is the durable retry counter (built by `tracking/keys.ts`). */
  claimKey: z.object({ PK: z.string(), SK: z.string() }),
  retryCount: z.number().int().min(0),
  maxRetries: z.number().int().min(0),
  maxConcurrency: z.number().int().min(1),
  /** `backoffSeconds[n]` is the wait before retry n (index 0 unused): initial × rate^(n-1), capped. */
  backoffSeconds: z.array(z.number().int().min(0)),
  sizeBytes: z.number().int().min(0).optional(),
  notifications: NotificationSettings.optional(),
});
/** An accepted transfer. */
export type TransferPlan = z.infer<typeof TransferPlan>;

/** Why Validate Input refused an event; the failure path records it. */
export const Rejection = z.object({
  reasonCode: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  message: z.string(),
});
/** Why Validate Input refused an event. */
export type Rejection = z.infer<typeof Rejection>;

/** What Validate Input returns: the state every later step starts from. */
export type ValidationResult =
  | { status: 'ACCEPTED'; executionId: string; file: FileIdentity; transfer: TransferPlan }
  | { status: 'DUPLICATE'; executionId: string; file: FileIdentity }
  | { status: 'REJECTED'; executionId: string; file: FileIdentity; rejection: Rejection };

/** What one Map iteration outputs: a copy, or why the target did not get the file. */
export const TargetOutcome = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('COPIED'),
    targetId: z.string(),
    uri: z.string(),
    bytes: z.number(),
    sha256: z.string(),
    seconds: z.number(),
  }),
  z.object({ status: z.literal('FAILED'), targetId: z.string(), error: z.string(), cause: z.string() }),
]);
/** What one Map iteration outputs. */
export type TargetOutcome = z.infer<typeof TargetOutcome>;

/** An ASL error as a Catch places it. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

/** What Log Success / Log Failure return at `$.notice`: the outcome, and what to tell whom. */
export const Notice = z.object({
  event: z.enum(['SUCCESS', 'FAILURE']),
  /** Whether the workflow asked to be notified of this outcome. */
  notify: z.boolean(),
  /** An UPPER_SNAKE code; also the execution's error name when it fails. */
  reasonCode: z.string(),
  subject: z.string().max(100),
  message: z.string(),
  /** Filled by Send Notification. */
  sns: z.object({ messageId: z.string() }).optional(),
  /** Filled when Send Notification failed. */
  snsError: CaughtError.optional(),
});
/** The outcome, and what to tell whom. */
export type Notice = z.infer<typeof Notice>;

/** The top-level state as the late handlers read it (every field after `file` is optional). */
export const WorkflowState = z.object({
  status: z.enum(['ACCEPTED', 'DUPLICATE', 'REJECTED']),
  executionId: z.string(),
  file: FileIdentity,
  transfer: TransferPlan.optional(),
  rejection: Rejection.optional(),
  copies: z
    .object({
      targets: z.array(TargetOutcome),
      statuses: z.array(z.string()),
      summary: z.object({ anyFailed: z.boolean() }).optional(),
    })
    .optional(),
  error: CaughtError.optional(),
  review: z.object({ reasonCode: z.string(), message: z.string() }).optional(),
  reviewError: CaughtError.optional(),
  notice: Notice.optional(),
});
/** The top-level state as the late handlers read it. */
export type WorkflowState = z.infer<typeof WorkflowState>;

/** Payload of Manual Review, Record Metrics and Log Notification: the whole state. */
export const StatePayload = z.object({ state: WorkflowState });

/** Payload of Log Success / Log Failure. */
export const OutcomePayload = z.object({ outcome: z.enum(['SUCCESS', 'FAILURE']), state: WorkflowState });
