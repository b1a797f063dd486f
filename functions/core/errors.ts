/**
 * Typed transfer errors. Every failure that leaves the copy engine is one of
 * these, so a workflow can retry what is `transient` (the same call may succeed
 * later) and stop on what is not (retrying cannot fix a wrong key or a bad path).
 */

/** The stable codes a workflow's Retry/Catch rules match on. */
export type TransferErrorCode =
  | 'HOST_KEY_MISMATCH'
  | 'HOST_KEY_NOT_PINNED'
  | 'AUTH_FAILED'
  | 'NOT_FOUND'
  | 'ACCESS_DENIED'
  | 'CHECKSUM_MISMATCH'
  | 'INVALID_PATH'
  | 'CONNECTION_LOST'
  | 'TIMEOUT'
  | 'THROTTLED'
  | 'SERVER_ERROR'
  | 'NO_SPACE'
  | 'UNKNOWN';

/** Base of every fileflow transfer error: a stable `code` and whether a retry can help. */
export abstract class TransferError extends Error {
  abstract readonly code: TransferErrorCode;
  abstract readonly transient: boolean;
  /** The file or object the failure concerns (`s3://…`, `sftp://…`), once known; it leads the message. */
  location?: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The server presented a host key other than the pinned one; nothing was sent to it. */
export class HostKeyMismatchError extends TransferError {
  readonly code = 'HOST_KEY_MISMATCH';
  readonly transient = false;
}

/** No host key was pinned for an SFTP server, so connecting to it is refused. */
export class HostKeyNotPinnedError extends TransferError {
  readonly code = 'HOST_KEY_NOT_PINNED';
  readonly transient = false;
}

/** The server rejected the credentials (SSH authentication, S3 signature/keys). */
export class AuthFailedError extends TransferError {
  readonly code = 'AUTH_FAILED';
  readonly transient = false;
}

/** The file, object, bucket or secret does not exist. */
export class NotFoundError extends TransferError {
  readonly code = 'NOT_FOUND';
  readonly transient = false;
}

/** Authenticated, but not allowed to do this. */
export class AccessDeniedError extends TransferError {
  readonly code = 'ACCESS_DENIED';
  readonly transient = false;
}

/** The bytes read do not hash to the SHA-256 they were expected to have. */
export class ChecksumMismatchError extends TransferError {
  readonly code = 'CHECKSUM_MISMATCH';
  readonly transient = false;
}

/** A path or key with `..`, NUL or control characters, or one escaping its base directory. */
export class InvalidPathError extends TransferError {
  readonly code = 'INVALID_PATH';
  readonly transient = false;
}

/** The connection was reset, refused or closed mid-transfer. */
export class ConnectionLostError extends TransferError {
  readonly code = 'CONNECTION_LOST';
  readonly transient = true;
}

/** A connect, handshake or request took too long. */
export class TimeoutError extends TransferError {
  readonly code = 'TIMEOUT';
  readonly transient = true;
}

/** The service asked us to slow down (S3 SlowDown, HTTP 429, …). */
export class ThrottledError extends TransferError {
  readonly code = 'THROTTLED';
  readonly transient = true;
}

/** The server failed on its side (HTTP 5xx, SFTP generic failure). */
export class ServerError extends TransferError {
  readonly code = 'SERVER_ERROR';
  readonly transient = true;
}

/**
 * The target's file system has no room for the file. Not retried: a full disk seldom clears
 * within a back-off window, so the file goes to manual review naming the cause, and is
 * re-driven once someone has made room.
 */
export class NoSpaceError extends TransferError {
  readonly code = 'NO_SPACE';
  readonly transient = false;
}

/** Anything not recognised; not retried, because nothing says a retry can help. */
export class UnclassifiedError extends TransferError {
  readonly code = 'UNKNOWN';
  readonly transient = false;
}

/**
 * The error classified, its message led by the location it concerns, so that one line of
 * reason says which side of a copy failed (`NOT_FOUND: sftp://…/in/a.csv: No such file`).
 * The innermost location wins: an error already located is returned as it is.
 */
export function atLocation(error: unknown, uri: string): TransferError {
  const classified = classifyError(error);
  if (classified.location === undefined) {
    classified.location = uri;
    classified.message = `${uri}: ${classified.message}`;
  }
  return classified;
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7) that ssh2 puts in `err.code`. */
const SFTP_STATUS = { NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, NO_CONNECTION: 6, CONNECTION_LOST: 7 };

const SOCKET_LOST_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const S3_NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'NoSuchUpload', 'ResourceNotFoundException']);
const S3_AUTH = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'UnrecognizedClientException',
]);
const S3_DENIED = new Set(['AccessDenied', 'Forbidden', 'AccessDeniedException', 'AllAccessDisabled']);
const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT']);

interface RawError {
  name?: string;
  message?: string;
  code?: string | number;
  level?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

/**
 * Maps a raw error from the AWS SDK, ssh2, an SFTP status or a socket onto a
 * {@link TransferError}; errors that already are one pass through unchanged.
 */
export function classifyError(error: unknown): TransferError {
  if (error instanceof TransferError) return error;
  const raw = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as RawError;
  const message = raw.message ?? String(error);
  const options = { cause: error };
  const name = raw.name ?? '';
  const code = raw.code;

  // ssh2 connection-level errors carry a `level`.
  if (raw.level === 'client-authentication') return new AuthFailedError(`authentication failed: ${message}`, options);
  if (raw.level === 'client-timeout') return new TimeoutError(message, options);
  if (/Host denied \(verification failed\)/.test(message)) return new HostKeyMismatchError(message, options);

  // SFTP status codes are numbers.
  if (typeof code === 'number') {
    if (code === SFTP_STATUS.NO_SUCH_FILE) return new NotFoundError(message, options);
    if (code === SFTP_STATUS.PERMISSION_DENIED) return new AccessDeniedError(message, options);
    if (code === SFTP_STATUS.NO_CONNECTION || code === SFTP_STATUS.CONNECTION_LOST)
      return new ConnectionLostError(message, options);
    if (code === SFTP_STATUS.FAILURE) return new ServerError(message, options);
  }

  if (typeof code === 'string') {
    if (code === 'ENOENT') return new NotFoundError(message, options);
    if (code === 'EACCES' || code === 'EPERM') return new AccessDeniedError(message, options);
    if (SOCKET_LOST_CODES.has(code)) return new ConnectionLostError(message, options);
    if (TIMEOUTS.has(code)) return new TimeoutError(message, options);
  }
  if (/No response from server|Not connected|socket hang up|Connection lost/i.test(message)) {
    return new ConnectionLostError(message, options);
  }

  // AWS SDK v3 service errors: by name first, then by HTTP status.
  if (S3_NOT_FOUND.has(name)) return new NotFoundError(message || name, options);
  if (S3_AUTH.has(name)) return new AuthFailedError(message || name, options);
  if (S3_DENIED.has(name)) return new AccessDeniedError(message || name, options);
  if (THROTTLING.has(name)) return new ThrottledError(message || name, options);
  if (TIMEOUTS.has(name)) return new TimeoutError(message || name, options);
  const status = raw.$metadata?.httpStatusCode;
  if (status === 404) return new NotFoundError(message || name, options);
  if (status === 403) return new AccessDeniedError(message || name, options);
  if (status === 429 || status === 503) return new ThrottledError(message || name, options);
  if (status !== undefined && status >= 500) return new ServerError(message || name, options);

  return new UnclassifiedError(message, options);
}
