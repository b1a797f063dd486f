/**
 * Why a flow test failed. One list shared by the flow configs (a negative flow
 * names the reason it expects), the harness (which records the reason it saw)
 * and the alerts, so the same word means the same failure everywhere.
 */
import { z } from 'zod';
import type { TransferErrorCode } from '../errors';

/**
 * The copy engine's error codes as flow reasons. `satisfies` keeps this map and
 * `TransferErrorCode` in step: a code added there fails the type check here, so the
 * harness can always record a caught `TransferError`'s `code` as the reason unchanged.
 */
const TRANSFER_REASONS = {
  TIMEOUT: 'the file did not arrive within expect_within_seconds, or a connect or request timed out',
  AUTH_FAILED: 'the server rejected the credentials (SSH key, S3 signature)',
  ACCESS_DENIED: 'authenticated, but not allowed to read or write there (IAM, KMS, SFTP permissions)',
  HOST_KEY_MISMATCH: 'the SFTP server presented a host key other than the pinned one',
  HOST_KEY_NOT_PINNED: 'no host key was pinned for the SFTP server, so it was not contacted',
  NOT_FOUND: 'a bucket, directory, object or secret does not exist',
  INVALID_PATH: 'a path or key escapes its base directory or holds forbidden characters',
  CONNECTION_LOST: 'the connection was refused, reset or closed mid-transfer',
  THROTTLED: 'the service asked us to slow down',
  SERVER_ERROR: 'the server failed on its side (HTTP 5xx, SFTP failure)',
  NO_SPACE: "the target's file system is full",
  CHECKSUM_MISMATCH: 'the file arrived, but its SHA-256 differs from the manifest',
  UNKNOWN: 'an error nothing classified',
} as const satisfies Record<TransferErrorCode, string>;

/** Verdicts only the harness reaches. */
const HARNESS_REASONS = {
  SIZE_MISMATCH: 'the file arrived, but its size differs by more than size_tolerance_bytes',
  CONFIG_INVALID: "the flow's config file does not parse or does not match the schema; the flow did not run",
  UNEXPECTED_SUCCESS: 'a negative flow (expect.outcome FAILURE) transferred successfully',
} as const;

/** Every reason code with a one-line explanation (shown in the JSON Schema and in alerts). */
export const REASON_DESCRIPTIONS = { ...TRANSFER_REASONS, ...HARNESS_REASONS } as const;

type ReasonCodeName = keyof typeof REASON_DESCRIPTIONS;

/** Why a flow test failed. */
export const ReasonCode = z.enum(Object.keys(REASON_DESCRIPTIONS) as [ReasonCodeName, ...ReasonCodeName[]]);
/** Why a flow test failed. */
export type ReasonCode = z.infer<typeof ReasonCode>;

/**
 * The reasons a negative flow may expect: every code except `UNEXPECTED_SUCCESS`,
 * which is what the harness reports when the expected failure did not happen.
 */
export const ExpectedFailureReason = ReasonCode.exclude(['UNEXPECTED_SUCCESS']);
/** The reasons a negative flow may expect. */
export type ExpectedFailureReason = z.infer<typeof ExpectedFailureReason>;
