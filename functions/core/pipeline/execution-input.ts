/**
 * What starts a transfer execution, parsed at the edge of Validate Input. Three shapes,
 * told apart by their one distinguishing field:
 *
 * - the EventBridge event of S3 `Object Created` on the landing bucket, as the Pipe's
 *   input template passes it from SQS (`source: "aws.s3"`), alone or as a batch of one;
 * - `{ redrive: { fileId, failedAt? } }`: an operator re-drives a failed file after
 *   resolving its failure as `REDRIVEN` (which released the claim);
 * - `{ pull: { workflowId, customerId, source, size, mtime } }`: the pull poller found a
 *   stable file on a remote SFTP server (it resolved the workflow's `endpointRef` into the
 *   pinned location; no secret travels, only its reference).
 */
import { z } from 'zod';
import { refine } from 'zod/mini';
import { SftpLocation } from '../locations';
import { parseOrThrow } from '../tracking/records';

const S3ObjectCreatedEvent = z.looseObject({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(3) }),
    object: z.looseObject({
      key: z.string().min(1),
      size: z.number().int().min(0).optional(),
      /** An MD5 or a hash of part hashes: never used as the file's SHA-256. */
      etag: z.string().optional(),
      sequencer: z.string().min(1),
      'version-id': z.string().min(1).optional(),
    }),
  }),
});

const RedriveRequest = z.strictObject({
  redrive: z.strictObject({
    /** `<customer>/<file name>`, as `fileflow status` prints it. */
    fileId: z.string().min(3),
    /** The `failedAt` of the failure the operator reviewed; a newer failure makes the re-drive stale. */
    failedAt: z.iso.datetime().optional(),
  }),
});

const PullRequest = z.strictObject({
  pull: z.strictObject({
    workflowId: z.string().min(1),
    customerId: z.string().min(1),
    source: SftpLocation.check(
      refine((location) => !location.insecureAcceptAnyHostKey && location.hostKey !== undefined, {
        message: 'a pulled source must pin its host key',
        path: ['hostKey'],
      }),
    ),
    size: z.number().int().min(0),
    mtime: z.iso.datetime(),
  }),
});

/** A parsed execution input. */
export type TransferRequest =
  | {
      readonly kind: 's3-event';
      readonly bucket: string;
      readonly key: string;
      /** The object's version id, else the event's sequencer: what makes a duplicate event a duplicate. */
      readonly fingerprint: string;
      readonly size?: number;
    }
  | { readonly kind: 'redrive'; readonly fileId: string; readonly failedAt?: string }
  | ({ readonly kind: 'pull' } & z.output<typeof PullRequest>['pull']);

/**
 * Parses an execution input, or throws a `SchemaValidationError` whose `issues` name each
 * problem by its JSON path.
 */
export function parseTransferRequest(pipeInput: unknown): TransferRequest {
  // EventBridge Pipes hands a Step Functions target a batch as a JSON array, even a batch of one.
  const input = Array.isArray(pipeInput) && pipeInput.length === 1 ? (pipeInput[0] as unknown) : pipeInput;
  if (isObjectWith(input, 'redrive')) {
    return { kind: 'redrive', ...parseOrThrow(RedriveRequest, input, 're-drive request').redrive };
  }
  if (isObjectWith(input, 'pull')) {
    return { kind: 'pull', ...parseOrThrow(PullRequest, input, 'pull request').pull };
  }
  const { object, bucket } = parseOrThrow(S3ObjectCreatedEvent, input, 'S3 Object Created event').detail;
  return {
    kind: 's3-event',
    bucket: bucket.name,
    key: object.key,
    fingerprint: object['version-id'] ?? `sequencer=${object.sequencer}`,
    size: object.size,
  };
}

function isObjectWith(input: unknown, field: string): boolean {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && field in input;
}
