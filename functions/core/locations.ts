import { z } from 'zod';

/** Where a secret comes from: a local file (CLI, local runtime) or Secrets Manager (on AWS). */
export const SecretSource = z.union([
  z.strictObject({ file: z.string().min(1) }),
  z.strictObject({ secretArn: z.string().startsWith('arn:') }),
]);
/** Where a secret comes from. */
export type SecretSource = z.infer<typeof SecretSource>;

/** An S3 object, and how to write it when it is a target. */
export const S3Location = z.strictObject({
  type: z.literal('s3'),
  bucket: z.string().min(3),
  key: z.string().min(1),
  /** KMS key for SSE-KMS on write; absent means the bucket's default encryption. */
  kmsKeyId: z.string().min(1).optional(),
  storageClass: z.string().min(1).optional(),
  contentType: z.string().min(1).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
/** An S3 object, and how to write it when it is a target. */
export type S3Location = z.infer<typeof S3Location>;

/** An OpenSSH host key fingerprint, as `ssh-keygen -lf` prints it. */
const OpenSshFingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'an OpenSSH fingerprint looks like SHA256:<43 base64 characters>');

/**
 * The pinned identity of an SFTP server: OpenSSH `SHA256:…` fingerprints,
 * known_hosts lines, or both (then both must match). A list of fingerprints
 * accepts any of them, so a server can rotate its key with the old and the
 * new one pinned side by side.
 */
export const HostKeyPin = z
  .strictObject({
    fingerprint: z.union([OpenSshFingerprint, z.array(OpenSshFingerprint).min(1)]).optional(),
    knownHosts: z.string().min(1).optional(),
  })
  .refine(
    (pin) => pin.fingerprint !== undefined || pin.knownHosts !== undefined,
    'pin a fingerprint or known_hosts lines',
  );
/** The pinned identity of an SFTP server. */
export type HostKeyPin = z.infer<typeof HostKeyPin>;

/** A file on an SFTP server, reached with a pinned host key. */
export const SftpLocation = z.strictObject({
  type: z.literal('sftp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().min(1),
  auth: z.union([z.strictObject({ privateKey: SecretSource }), z.strictObject({ password: SecretSource })]),
  /** Absent only together with `insecureAcceptAnyHostKey`. */
  hostKey: HostKeyPin.optional(),
  /** Local experiments only: accept whatever key the server shows (logged loudly). */
  insecureAcceptAnyHostKey: z.boolean().default(false),
  /** Directory every path is confined to. */
  baseDir: z.string().startsWith('/').default('/'),
  /** File path, relative to `baseDir` (or absolute inside it). */
  path: z.string().min(1),
});
/** A file on an SFTP server (after parsing: defaults applied). */
export type SftpLocation = z.infer<typeof SftpLocation>;
/** A file on an SFTP server as a caller writes it (defaults optional). */
export type SftpLocationInput = z.input<typeof SftpLocation>;

/** Either kind of location, as a handler receives it in an event. */
export const Location = z.discriminatedUnion('type', [S3Location, SftpLocation]);
/** Either kind of location. */
export type Location = z.infer<typeof Location>;
