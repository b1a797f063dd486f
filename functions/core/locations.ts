import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini ships no messages of its own: without a locale every issue reads "Invalid input".
z.config(en());

/** Where a secret comes from: a local file (CLI, local runtime) or Secrets Manager (on AWS). */
export const SecretSource = z.union([
  z.strictObject({ file: z.string().check(z.minLength(1)) }),
  z.strictObject({ secretArn: z.string().check(z.startsWith('arn:')) }),
]);
/** Where a secret comes from. */
export type SecretSource = z.infer<typeof SecretSource>;

/** An S3 object, and how to write it when it is a target. */
export const S3Location = z.strictObject({
  type: z.literal('s3'),
  bucket: z.string().check(z.minLength(3)),
  key: z.string().check(z.minLength(1)),
  /** KMS key for SSE-KMS on write; absent means the bucket's default encryption. */
  kmsKeyId: z.optional(z.string().check(z.minLength(1))),
  storageClass: z.optional(z.string().check(z.minLength(1))),
  contentType: z.optional(z.string().check(z.minLength(1))),
  tags: z.optional(z.record(z.string(), z.string())),
  metadata: z.optional(z.record(z.string(), z.string())),
});
/** An S3 object, and how to write it when it is a target. */
export type S3Location = z.infer<typeof S3Location>;

/** An OpenSSH host key fingerprint, as `ssh-keygen -lf` prints it. */
const OpenSshFingerprint = z
  .string()
  .check(z.regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'an OpenSSH fingerprint looks like SHA256:<43 base64 characters>'));

/**
 * The pinned identity of an SFTP server: OpenSSH `SHA256:…` fingerprints,
 * known_hosts lines, or both (then both must match). A list of fingerprints
 * accepts any of them, so a server can rotate its key with the old and the
 * new one pinned side by side.
 */
export const HostKeyPin = z
  .strictObject({
    fingerprint: z.optional(z.union([OpenSshFingerprint, z.array(OpenSshFingerprint).check(z.minLength(1))])),
    knownHosts: z.optional(z.string().check(z.minLength(1))),
  })
  .check(
    z.refine(
      (pin) => pin.fingerprint !== undefined || pin.knownHosts !== undefined,
      'pin a fingerprint or known_hosts lines',
    ),
  );
/** The pinned identity of an SFTP server. */
export type HostKeyPin = z.infer<typeof HostKeyPin>;

/** A file on an SFTP server, reached with a pinned host key. */
export const SftpLocation = z.strictObject({
  type: z.literal('sftp'),
  host: z.string().check(z.minLength(1)),
  port: z._default(z.int().check(z.minimum(1), z.maximum(65535)), 22),
  username: z.string().check(z.minLength(1)),
  auth: z.union([z.strictObject({ privateKey: SecretSource }), z.strictObject({ password: SecretSource })]),
  /** Absent only together with `insecureAcceptAnyHostKey`. */
  hostKey: z.optional(HostKeyPin),
  /** Local experiments only: accept whatever key the server shows (logged loudly). */
  insecureAcceptAnyHostKey: z._default(z.boolean(), false),
  /** Directory every path is confined to. */
  baseDir: z._default(z.string().check(z.startsWith('/')), '/'),
  /** File path, relative to `baseDir` (or absolute inside it). */
  path: z.string().check(z.minLength(1)),
});
/** A file on an SFTP server (after parsing: defaults applied). */
export type SftpLocation = z.infer<typeof SftpLocation>;
/** A file on an SFTP server as a caller writes it (defaults optional). */
export type SftpLocationInput = z.input<typeof SftpLocation>;

/** Either kind of location, as a handler receives it in an event. */
export const Location = z.discriminatedUnion('type', [S3Location, SftpLocation]);
/** Either kind of location. */
export type Location = z.infer<typeof Location>;
