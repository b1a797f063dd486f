/**
 * Every key string in the tracking tables is built and parsed here, and only
 * here: `FILE#`, `TS#`, `CLAIM#`, `POLL#`, `CUSTOMER#`, `DATE#`, `WORKFLOW#`,
 * `STATUS#`, `FAILURE#`, `NOTIFY#`. Other modules pass plain values
 * (customer id, file name, timestamp) and never concatenate a key.
 *
 * `#` separates key segments, so identifiers (customer, workflow) may not
 * contain it; a file name may, because it is always the last segment.
 */

/** A file as the pipeline names it: the customer it belongs to and its name. */
export interface FileRef {
  readonly customerId: string;
  readonly fileName: string;
}

/** Thrown when a key part is malformed or a stored key does not parse. */
export class InvalidKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

/** Customer and workflow ids: letters, digits, `.`, `_`, `-`; no `#` or `/`, which separate key and id segments. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Human-readable rule for {@link IDENTIFIER_PATTERN}, shared by the key checks and the record schemas. */
export const IDENTIFIER_RULE = '1-128 letters, digits, ".", "_" or "-", starting with a letter or digit';

// eslint-disable-next-line no-control-regex -- matching control characters is the point: they corrupt keys and terminals
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const MAX_FILE_NAME_LENGTH = 1024;

const P = {
  file: 'FILE#',
  timestamp: 'TS#',
  claim: 'CLAIM#',
  poll: 'POLL#',
  customer: 'CUSTOMER#',
  date: 'DATE#',
  workflow: 'WORKFLOW#',
  status: 'STATUS#',
  failure: 'FAILURE#',
  notify: 'NOTIFY#',
} as const;

/** Partition value of the `openFailures` index: every unresolved failure shares it (a review queue is small). */
export const OPEN_FAILURES_PARTITION = 'OPEN';

// ---------------------------------------------------------------- parts

function checkIdentifier(kind: string, value: string): string {
  if (!IDENTIFIER_PATTERN.test(value)) throw new InvalidKeyError(`${kind} "${value}" must be ${IDENTIFIER_RULE}`);
  return value;
}

function checkFileName(value: string): string {
  if (value.length === 0 || value.length > MAX_FILE_NAME_LENGTH || CONTROL_CHARACTERS.test(value)) {
    throw new InvalidKeyError(`file name must be 1-${MAX_FILE_NAME_LENGTH} characters without control characters`);
  }
  return value;
}

function checkFileRef(ref: FileRef): FileRef {
  checkIdentifier('customer id', ref.customerId);
  checkFileName(ref.fileName);
  return ref;
}

/** Last-segment values chosen by callers (fingerprints, event ids): anything printable. */
function checkOpaque(kind: string, value: string): string {
  if (value.length === 0 || value.length > 256 || CONTROL_CHARACTERS.test(value)) {
    throw new InvalidKeyError(`${kind} must be 1-256 characters without control characters`);
  }
  return value;
}

/**
 * The canonical timestamp form, `YYYY-MM-DDTHH:mm:ss.sssZ`. Sort keys order by
 * string, and `…34Z` sorts after `…34.500Z`, so every timestamp in a key goes
 * through here first.
 */
export function canonicalTimestamp(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new InvalidKeyError(`"${String(value)}" is not a timestamp`);
  return date.toISOString();
}

/** The UTC calendar day (`YYYY-MM-DD`) of a timestamp. */
export function calendarDate(value: Date | string): string {
  return canonicalTimestamp(value).slice(0, 10);
}

function checkDate(value: string): string {
  if (!DATE_PATTERN.test(value) || calendarDate(`${value}T00:00:00Z`) !== value) {
    throw new InvalidKeyError(`date "${value}" must be a calendar day written YYYY-MM-DD`);
  }
  return value;
}

function stripPrefix(prefix: string, key: string, what: string): string {
  if (!key.startsWith(prefix)) throw new InvalidKeyError(`${what} "${key}" does not start with ${prefix}`);
  return key.slice(prefix.length);
}

/** Splits `<id>#<rest>` where only the first segment is an identifier. */
function splitIdentifierAndRest(body: string, what: string): [string, string] {
  const at = body.indexOf('#');
  if (at <= 0 || at === body.length - 1) throw new InvalidKeyError(`${what} "${body}" is not <id>#<name>`);
  return [body.slice(0, at), body.slice(at + 1)];
}

function parseFileRefBody(prefix: string, key: string, what: string): FileRef {
  const [customerId, fileName] = splitIdentifierAndRest(stripPrefix(prefix, key, what), what);
  return checkFileRef({ customerId, fileName });
}

// ---------------------------------------------------------------- file partition (status table, audit log)

/** `FILE#<customer>#<file>`: partition of a file in the status table and the audit log. */
export function fileKey(ref: FileRef): string {
  checkFileRef(ref);
  return `${P.file}${ref.customerId}#${ref.fileName}`;
}

/** Inverse of {@link fileKey}. */
export function parseFileKey(key: string): FileRef {
  return parseFileRefBody(P.file, key, 'file key');
}

/** The sort-key prefix shared by status-history and audit items: `TS#`. */
export const TIMESTAMP_PREFIX = P.timestamp;

/**
 * `TS#<iso>#<STATUS>`: one status-history item. The status suffix keeps two
 * different states written in the same millisecond from overwriting each other.
 */
export function statusSortKey(timestamp: Date | string, status: string): string {
  return `${P.timestamp}${canonicalTimestamp(timestamp)}#${status}`;
}

/** Inverse of {@link statusSortKey}. */
export function parseStatusSortKey(key: string): { timestamp: string; status: string } {
  const [timestamp, status] = splitTimestamp(stripPrefix(P.timestamp, key, 'status sort key'), key);
  return { timestamp, status };
}

/** `CLAIM#<fingerprint>`: the claim of one version of a file (see `TrackingRepository.claimTransfer`). */
export function claimSortKey(fingerprint: string): string {
  return `${P.claim}${checkOpaque('fingerprint', fingerprint)}`;
}

/** Inverse of {@link claimSortKey}. */
export function parseClaimSortKey(key: string): string {
  return checkOpaque('fingerprint', stripPrefix(P.claim, key, 'claim sort key'));
}

/** Sort-key prefix of claim items. */
export const CLAIM_PREFIX = P.claim;

/** `POLL#<workflowId>`: the pull poller's last look at a file for one workflow. */
export function pollSortKey(workflowId: string): string {
  return `${P.poll}${checkIdentifier('workflow id', workflowId)}`;
}

/**
 * The fingerprint of a polled file version. A file whose size and mtime are
 * unchanged is the same version; the poller claims it under this fingerprint.
 */
export function pollFingerprint(size: number, mtime: Date | string): string {
  if (!Number.isSafeInteger(size) || size < 0) throw new InvalidKeyError(`size ${size} must be a whole number ≥ 0`);
  return `size=${size},mtime=${canonicalTimestamp(mtime)}`;
}

/** Size and mtime of a {@link pollFingerprint}, or `undefined` when `fingerprint` is not one (an S3 version). */
export function parsePollFingerprint(fingerprint: string): { size: number; mtime: string } | undefined {
  const match = /^size=(\d+),mtime=(.+)$/.exec(fingerprint);
  return match ? { size: Number(match[1]), mtime: match[2]! } : undefined;
}

/** `TS#<iso>#<eventId>`: one audit event; the caller's event id makes a retried write land on the same item. */
export function auditSortKey(timestamp: Date | string, eventId: string): string {
  return `${P.timestamp}${canonicalTimestamp(timestamp)}#${checkOpaque('event id', eventId)}`;
}

/** Inverse of {@link auditSortKey}. */
export function parseAuditSortKey(key: string): { timestamp: string; eventId: string } {
  const [timestamp, eventId] = splitTimestamp(stripPrefix(P.timestamp, key, 'audit sort key'), key);
  return { timestamp, eventId };
}

function splitTimestamp(body: string, key: string): [string, string] {
  // A canonical timestamp has a fixed length (24) and contains no '#'.
  const timestamp = body.slice(0, 24);
  if (body[24] !== '#' || body.length === 25 || canonicalTimestampOrUndefined(timestamp) !== timestamp) {
    throw new InvalidKeyError(`sort key "${key}" is not TS#<iso>#<suffix>`);
  }
  return [timestamp, body.slice(25)];
}

function canonicalTimestampOrUndefined(value: string): string | undefined {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

// ---------------------------------------------------------------- status-table index keys

/** `CUSTOMER#<id>`: partition of the customer file index and of the status table's `byCustomerTime` index. */
export function customerKey(customerId: string): string {
  return `${P.customer}${checkIdentifier('customer id', customerId)}`;
}

/** Inverse of {@link customerKey}. */
export function parseCustomerKey(key: string): string {
  return checkIdentifier('customer id', stripPrefix(P.customer, key, 'customer key'));
}

/** `WORKFLOW#<id>`: key of a workflow definition and partition of the `byWorkflowStatus` index. */
export function workflowKey(workflowId: string): string {
  return `${P.workflow}${checkIdentifier('workflow id', workflowId)}`;
}

/** Inverse of {@link workflowKey}. */
export function parseWorkflowKey(key: string): string {
  return checkIdentifier('workflow id', stripPrefix(P.workflow, key, 'workflow key'));
}

/** `STATUS#<STATUS>#TS#<iso>`: sort key of the `byWorkflowStatus` index, so one status reads in time order. */
export function workflowStatusSortKey(status: string, timestamp: Date | string): string {
  return `${workflowStatusPrefix(status)}${P.timestamp}${canonicalTimestamp(timestamp)}`;
}

/** `STATUS#<STATUS>#`: the `begins_with` value that selects one status in the `byWorkflowStatus` index. */
export function workflowStatusPrefix(status: string): string {
  return `${P.status}${status}#`;
}

// ---------------------------------------------------------------- customer file index

/** `DATE#<yyyy-mm-dd>#<file>`: one file on one day in the customer file index. */
export function customerDateSortKey(date: string, fileName: string): string {
  return `${customerDatePrefix(date)}${checkFileName(fileName)}`;
}

/** Inverse of {@link customerDateSortKey}. */
export function parseCustomerDateSortKey(key: string): { date: string; fileName: string } {
  const body = stripPrefix(P.date, key, 'customer date sort key');
  const date = body.slice(0, 10);
  if (body[10] !== '#') throw new InvalidKeyError(`sort key "${key}" is not DATE#<yyyy-mm-dd>#<file>`);
  return { date: checkDate(date), fileName: checkFileName(body.slice(11)) };
}

/** The `begins_with` value for one day (`DATE#<date>#`) or, without a date, for every day (`DATE#`). */
export function customerDatePrefix(date?: string): string {
  return date === undefined ? P.date : `${P.date}${checkDate(date)}#`;
}

// ---------------------------------------------------------------- failure queue, notification log

/** `FAILURE#<customer>#<file>`: the one open-or-last failure of a file. */
export function failureKey(ref: FileRef): string {
  checkFileRef(ref);
  return `${P.failure}${ref.customerId}#${ref.fileName}`;
}

/** Inverse of {@link failureKey}. */
export function parseFailureKey(key: string): FileRef {
  return parseFileRefBody(P.failure, key, 'failure key');
}

/** `NOTIFY#<customer>#<file>`: partition of a file's notifications. */
export function notificationKey(ref: FileRef): string {
  checkFileRef(ref);
  return `${P.notify}${ref.customerId}#${ref.fileName}`;
}

/** Inverse of {@link notificationKey}. */
export function parseNotificationKey(key: string): FileRef {
  return parseFileRefBody(P.notify, key, 'notification key');
}

/** `TS#<iso>#<notificationId>`: one notification attempt. */
export function notificationSortKey(timestamp: Date | string, notificationId: string): string {
  return auditSortKey(timestamp, notificationId);
}

// ---------------------------------------------------------------- the id people type

/**
 * The file id printed by `fileflow status` and accepted by `fileflow redrive`:
 * `<customer>/<file>`. Customer ids cannot contain `/`, so the first `/` splits.
 */
export function formatFileId(ref: FileRef): string {
  checkFileRef(ref);
  return `${ref.customerId}/${ref.fileName}`;
}

/** Inverse of {@link formatFileId}. */
export function parseFileId(fileId: string): FileRef {
  const at = fileId.indexOf('/');
  if (at <= 0) throw new InvalidKeyError(`file id "${fileId}" must be <customer>/<file name>`);
  return checkFileRef({ customerId: fileId.slice(0, at), fileName: fileId.slice(at + 1) });
}
