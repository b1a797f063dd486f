/**
 * Validate Input: turns an execution input into a claimed transfer plan, or says why not.
 *
 * Routing rule for S3 events: the key must be `<zone>/<customer>/<file>` with zone
 * `inbound` or `from-sftp` (the landing-zone convention); the file name is everything
 * after the customer folder. The workflow is the enabled-or-not workflow with an S3
 * source on that bucket whose `sourcePrefix` is the longest prefix of the key; two
 * equally long matches are a configuration error (`AMBIGUOUS_WORKFLOW`), and a match that
 * is disabled is refused (`WORKFLOW_DISABLED`) rather than falling back to a shorter one.
 * `validationRegex` is tested against the base name of the file.
 *
 * A refused event is not thrown away: it comes back as `REJECTED` with a reason code, and
 * the workflow's failure path records it (failure queue, status, audit) — under the
 * placeholder customer {@link UNIDENTIFIED_CUSTOMER} when the event names no file.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { InvalidPathError, TransferError } from '../errors';
import { Location } from '../locations';
import { assertSafePath, resolveUnder } from '../paths';
import {
  IDENTIFIER_PATTERN,
  claimSortKey,
  fileKey,
  parseFileId,
  pollFingerprint,
  type FileRef,
} from '../tracking/keys';
import { SchemaValidationError, type TransferTarget, type WorkflowDefinition } from '../tracking/records';
import type { TrackingRepository } from '../tracking/repository';
import { repositoryOf, type TrackingDeps } from './deps';
import { parseTransferRequest, type TransferRequest } from './execution-input';
import type { FileIdentity, PlannedTarget, Rejection, TransferPlan, ValidationResult } from './state';
import { z } from 'zod';

/**
 * Customer id under which events that name no file are recorded. Landing-zone customer
 * ids cannot contain `.`, so it never collides with a real customer.
 */
export const UNIDENTIFIED_CUSTOMER = 'fileflow.unidentified';
/** Workflow id recorded for events no workflow could be found for. */
export const UNROUTED_WORKFLOW = 'fileflow.unrouted';

/** `<zone>/<customer>/<file>`: the landing-zone key convention (`modules/landing-zone.ts`). */
const LANDING_KEY = /^(?:inbound|from-sftp)\/([a-z0-9][a-z0-9_-]{0,62})\/(.+)$/;

/**
 * The payload Validate Input receives: the execution input and the context object's
 * `Execution`, whose ARN (`Id`) owns the claim — on AWS and in the local runtime alike.
 */
export const ValidatePayload = z.object({
  event: z.unknown(),
  execution: z.looseObject({ Id: z.string().min(1), StartTime: z.string() }),
});
/** The payload Validate Input receives. */
export type ValidatePayload = z.infer<typeof ValidatePayload>;

/** A refusal, carried as a value until the workflow's failure path records it. */
class Refused extends Error {
  constructor(
    readonly rejection: Rejection,
    readonly file?: Partial<FileIdentity>,
  ) {
    super(rejection.message);
  }
}

/** Validates and claims one transfer; never throws for a bad event, only for a broken dependency. */
export async function validateTransfer(payload: ValidatePayload, deps: TrackingDeps): Promise<ValidationResult> {
  const executionId = payload.execution.Id;
  const repository = repositoryOf(deps);
  let request: TransferRequest | undefined;
  try {
    request = parseRequest(payload.event);
    const routed = await route(request, repository);
    return await claimAndPlan(routed, executionId, repository);
  } catch (error) {
    const refusal = asRefusal(error);
    if (!refusal) throw error;
    const file = recordableIdentity(placeholderFile(payload.event, request), refusal.file ?? {});
    return { status: 'REJECTED', executionId, file, rejection: refusal.rejection };
  }
}

/** What routing found: the file, the workflow and where to read. */
interface Routed {
  readonly file: FileIdentity;
  readonly workflow: WorkflowDefinition;
  readonly source: Location;
  readonly sizeBytes?: number;
}

async function route(request: TransferRequest, repository: TrackingRepository): Promise<Routed> {
  switch (request.kind) {
    case 's3-event':
      return routeS3Object(request.bucket, request.key, request.fingerprint, repository, request.size);
    case 'redrive':
      return routeRedrive(request, repository);
    case 'pull':
      return routePull(request, repository);
  }
}

async function routeS3Object(
  bucket: string,
  key: string,
  fingerprint: string,
  repository: TrackingRepository,
  sizeBytes?: number,
): Promise<Routed> {
  const sourceUri = `s3://${bucket}/${key}`;
  checkPath(() => assertSafePath(key), { sourceUri });
  const match = LANDING_KEY.exec(key);
  if (!match) {
    throw new Refused(
      {
        reasonCode: 'UNROUTABLE_KEY',
        message: `${sourceUri}: landed files belong under inbound/<customer>/ or from-sftp/<customer>/`,
      },
      { customerId: UNIDENTIFIED_CUSTOMER, fileName: key, workflowId: UNROUTED_WORKFLOW, sourceUri },
    );
  }
  const [, customerId, fileName] = match as unknown as [string, string, string];
  const known = { customerId, fileName, fingerprint, sourceUri };
  const candidates = (await repository.listWorkflows())
    .map((stored) => stored.definition)
    .filter((w) => w.source.type === 's3' && w.source.bucket === bucket && key.startsWith(w.sourcePrefix));
  const longest = Math.max(...candidates.map((w) => w.sourcePrefix.length));
  const best = candidates.filter((w) => w.sourcePrefix.length === longest);
  if (best.length === 0) {
    throw new Refused(
      { reasonCode: 'NO_WORKFLOW', message: `no workflow reads s3://${bucket}/ with a sourcePrefix of ${key}` },
      { ...known, workflowId: UNROUTED_WORKFLOW },
    );
  }
  if (best.length > 1) {
    throw new Refused(
      {
        reasonCode: 'AMBIGUOUS_WORKFLOW',
        message: `workflows ${best.map((w) => w.id).join(', ')} all claim ${sourceUri} with sourcePrefix "${best[0]!.sourcePrefix}"`,
      },
      { ...known, workflowId: UNROUTED_WORKFLOW },
    );
  }
  return {
    file: { ...known, workflowId: best[0]!.id },
    workflow: best[0]!,
    source: { type: 's3', bucket, key },
    sizeBytes,
  };
}

async function routeRedrive(request: Extract<TransferRequest, { kind: 'redrive' }>, repository: TrackingRepository) {
  let ref: FileRef;
  try {
    ref = parseFileId(request.fileId);
  } catch (error) {
    throw new Refused({ reasonCode: 'MALFORMED_EVENT', message: (error as Error).message });
  }
  const failure = await repository.getFailure(ref);
  const known = { ...ref, workflowId: failure?.workflowId ?? UNROUTED_WORKFLOW, fingerprint: failure?.fingerprint };
  if (!failure) {
    throw new Refused({ reasonCode: 'REDRIVE_NOT_FOUND', message: `no failure recorded for ${request.fileId}` }, known);
  }
  if (request.failedAt !== undefined && request.failedAt !== failure.failedAt) {
    throw new Refused(
      {
        reasonCode: 'REDRIVE_STALE',
        message: `${request.fileId} failed again at ${failure.failedAt} after the reviewed failure of ${request.failedAt}`,
      },
      known,
    );
  }
  if (failure.resolution?.outcome !== 'REDRIVEN') {
    throw new Refused(
      {
        reasonCode: 'REDRIVE_NOT_RELEASED',
        message: `resolve the failure of ${request.fileId} as REDRIVEN first: that releases its claim`,
      },
      known,
    );
  }
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(failure.sourceUri ?? '');
  if (!s3) {
    throw new Refused(
      {
        reasonCode: 'REDRIVE_UNSUPPORTED',
        message: `${request.fileId} was read from ${failure.sourceUri ?? 'an unrecorded source'}; pulled files are re-driven by the poller`,
      },
      known,
    );
  }
  const workflow = (await repository.getWorkflow(failure.workflowId))?.definition;
  if (!workflow) {
    throw new Refused({ reasonCode: 'NO_WORKFLOW', message: `workflow ${failure.workflowId} no longer exists` }, known);
  }
  const [, bucket, key] = s3 as unknown as [string, string, string];
  return {
    file: { ...ref, workflowId: workflow.id, fingerprint: failure.fingerprint, sourceUri: failure.sourceUri },
    workflow,
    source: { type: 's3', bucket, key } as Location,
  };
}

async function routePull(request: Extract<TransferRequest, { kind: 'pull' }>, repository: TrackingRepository) {
  const { source } = request;
  const sourceUri = `sftp://${source.username}@${source.host}:${source.port}${posix.join(source.baseDir, source.path)}`;
  const workflow = (await repository.getWorkflow(request.workflowId))?.definition;
  const known = { customerId: request.customerId, workflowId: request.workflowId, sourceUri };
  if (!workflow || workflow.source.type !== 'sftp') {
    throw new Refused(
      { reasonCode: 'NO_WORKFLOW', message: `no pull (sftp) workflow ${request.workflowId}` },
      { ...known, fileName: source.path },
    );
  }
  checkPath(() => resolveUnder(source.baseDir, source.path), { ...known, fileName: source.path });
  const prefix = workflow.sourcePrefix;
  if (!source.path.startsWith(prefix)) {
    throw new Refused(
      { reasonCode: 'UNROUTABLE_KEY', message: `${source.path} is not under ${prefix} of workflow ${workflow.id}` },
      { ...known, fileName: source.path },
    );
  }
  const fileName = source.path.slice(prefix.length).replace(/^\/+/, '');
  return {
    file: { ...known, fileName, fingerprint: pollFingerprint(request.size, request.mtime) },
    workflow,
    source: source as Location,
    sizeBytes: request.size,
  };
}

async function claimAndPlan(
  routed: Routed,
  executionId: string,
  repository: TrackingRepository,
): Promise<ValidationResult> {
  const { file, workflow } = routed;
  if (!workflow.enabled) {
    throw new Refused({ reasonCode: 'WORKFLOW_DISABLED', message: `workflow ${workflow.id} is disabled` }, file);
  }
  const baseName = posix.basename(file.fileName);
  if (!new RegExp(workflow.validationRegex).test(baseName)) {
    throw new Refused(
      {
        reasonCode: 'FILENAME_REJECTED',
        message: `${baseName} does not match /${workflow.validationRegex}/ of workflow ${workflow.id}`,
      },
      file,
    );
  }
  const targets = workflow.targets.map((target) => planTarget(target, file));

  const { customerId, fileName, fingerprint, workflowId } = file;
  const claim = await repository.claimTransfer({ customerId, fileName, fingerprint, workflowId, executionId });
  if (claim.outcome === 'duplicate') {
    await repository.appendAudit({
      customerId: file.customerId,
      fileName: file.fileName,
      eventId: eventIdFor(executionId, 'DUPLICATE_EVENT'),
      eventType: 'DUPLICATE_EVENT',
      workflowId: workflow.id,
      executionId,
      message: `version ${file.fingerprint} is already claimed by ${claim.claim.executionId}`,
    });
    return { status: 'DUPLICATE', executionId, file };
  }
  await repository.recordStatus({
    customerId: file.customerId,
    fileName: file.fileName,
    workflowId: workflow.id,
    status: 'IN_PROGRESS',
    fingerprint: file.fingerprint,
    executionId,
    retryCount: claim.claim.retryCount,
  });
  await repository.appendAudit({
    customerId: file.customerId,
    fileName: file.fileName,
    eventId: eventIdFor(executionId, 'VALIDATED'),
    eventType: 'VALIDATED',
    status: 'IN_PROGRESS',
    workflowId: workflow.id,
    executionId,
    message: `${file.sourceUri} → ${targets.map((t) => t.id).join(', ')}`,
  });
  const transfer: TransferPlan = {
    source: routed.source,
    targets,
    claimKey: { PK: fileKey(file), SK: claimSortKey(file.fingerprint) },
    retryCount: claim.claim.retryCount,
    maxRetries: workflow.maxRetries,
    maxConcurrency: workflow.maxConcurrency,
    backoffSeconds: backoffSchedule(workflow),
    ...(routed.sizeBytes !== undefined ? { sizeBytes: routed.sizeBytes } : {}),
    ...(workflow.notifications ? { notifications: workflow.notifications } : {}),
  };
  return { status: 'ACCEPTED', executionId, file, transfer };
}

/** Where one workflow target puts the file, checked for path safety before anything is claimed. */
function planTarget(target: TransferTarget, file: FileIdentity): PlannedTarget {
  if (target.type === 's3') {
    const prefix = target.prefix === '' || target.prefix.endsWith('/') ? target.prefix : `${target.prefix}/`;
    const location: Location = {
      type: 's3',
      bucket: target.bucket,
      key: `${prefix}${file.fileName}`,
      ...(target.kmsKeyId ? { kmsKeyId: target.kmsKeyId } : {}),
      ...(target.storageClass ? { storageClass: target.storageClass } : {}),
    };
    checkPath(() => assertSafePath(location.key), file);
    return { id: target.id, location };
  }
  const { secretArn, privateKeyFile } = target.credentials;
  const location = Location.parse({
    type: 'sftp',
    host: target.host,
    port: target.port,
    username: target.username,
    auth: { privateKey: secretArn ? { secretArn } : { file: privateKeyFile } },
    hostKey: { fingerprint: target.hostKeyFingerprints[0] },
    // Target directories are absolute on the server (a chrooted account sees its root as `/`).
    baseDir: target.directory.startsWith('/') ? target.directory : `/${target.directory}`,
    path: file.fileName,
  });
  checkPath(() => resolveUnder((location as { baseDir: string }).baseDir, file.fileName), file);
  return { id: target.id, location, hostKeyFingerprints: target.hostKeyFingerprints };
}

/** `[0, b1, …, bN]`: the wait before retry n is initial × rate^(n-1), capped at max (index 0 is never read). */
export function backoffSchedule(workflow: Pick<WorkflowDefinition, 'maxRetries' | 'backoff'>): number[] {
  const { initialSeconds, rate, maxSeconds } = workflow.backoff;
  const waits = [0];
  for (let n = 1; n <= workflow.maxRetries; n++) {
    waits.push(Math.min(Math.round(initialSeconds * rate ** (n - 1)), maxSeconds));
  }
  return waits;
}

/** A short, deterministic audit event id: a retried write lands on the same item. */
export function eventIdFor(executionId: string, what: string): string {
  return `${what}-${createHash('sha256').update(executionId).digest('hex').slice(0, 16)}`;
}

function checkPath(check: () => unknown, file: Partial<FileIdentity>): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof InvalidPathError)) throw error;
    throw new Refused({ reasonCode: 'INVALID_PATH', message: error.message }, file);
  }
}

/** Only the input's own schema errors are a malformed event; a record failing its schema later is a bug, thrown. */
function parseRequest(event: unknown): TransferRequest {
  try {
    return parseTransferRequest(event);
  } catch (error) {
    if (error instanceof SchemaValidationError)
      throw new Refused({ reasonCode: 'MALFORMED_EVENT', message: error.message });
    throw error;
  }
}

function asRefusal(error: unknown): Refused | undefined {
  if (error instanceof Refused) return error;
  if (error instanceof TransferError && error.code === 'INVALID_PATH') {
    return new Refused({ reasonCode: 'INVALID_PATH', message: error.message });
  }
  return undefined;
}

/**
 * The identity a refusal is recorded under: what the event told, where the tracking keys
 * accept it, else the placeholder's part.
 */
function recordableIdentity(placeholder: FileIdentity, told: Partial<FileIdentity>): FileIdentity {
  // The tracking keys' own checks decide what is recordable (no rule is repeated here).
  const keyable = (customerId: string | undefined, fileName: string | undefined) => {
    try {
      fileKey({ customerId: customerId ?? '', fileName: fileName ?? '' });
      return true;
    } catch {
      return false;
    }
  };
  const customerId = keyable(told.customerId, 'x') ? told.customerId! : placeholder.customerId;
  return {
    customerId,
    fileName: keyable(customerId, told.fileName) ? told.fileName! : placeholder.fileName,
    workflowId: told.workflowId && IDENTIFIER_PATTERN.test(told.workflowId) ? told.workflowId : placeholder.workflowId,
    fingerprint: told.fingerprint ?? placeholder.fingerprint,
    ...(told.sourceUri ? { sourceUri: told.sourceUri } : {}),
  };
}

/**
 * The identity a refused event is recorded under when it names no file. A file name that the tracking keys
 * would refuse (control characters, too long) is replaced by a digest of the event, so
 * the record can always be written; the refusal message keeps the original.
 */
function placeholderFile(event: unknown, request?: TransferRequest): FileIdentity {
  const digest = createHash('sha256')
    .update(JSON.stringify(event) ?? 'undefined')
    .digest('hex')
    .slice(0, 16);
  return {
    customerId: UNIDENTIFIED_CUSTOMER,
    fileName: `event-${digest}`,
    workflowId: UNROUTED_WORKFLOW,
    fingerprint: request?.kind === 's3-event' ? request.fingerprint : `event=${digest}`,
  };
}
