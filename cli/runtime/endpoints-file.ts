/**
 * `endpoints.json`: what a running local runtime tells the rest of the world —
 * the `--local` commands, the demo and the flow-test harness — about where its
 * servers listen and how to log in. One zod schema is the single description
 * of the file; the writer and every reader go through it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** Default home of the local runtime, relative to the working directory. */
const DEFAULT_LOCAL_DIR = '.fileflow/local';

/** The environment variable that moves the local runtime's home (used by `--local` commands and `local up|down`). */
const LOCAL_DIR_VARIABLE = 'FILEFLOW_LOCAL_DIR';

/** File name of the endpoints file inside the runtime directory. */
export const ENDPOINTS_FILE = 'endpoints.json';

/** The two OpenSSH servers of the local runtime: the partner that is pulled from, and the partner delivered to. */
export const LOCAL_SFTP_SERVERS = ['source', 'target'] as const;
/** One of {@link LOCAL_SFTP_SERVERS}. */
export type LocalSftpServerName = (typeof LOCAL_SFTP_SERVERS)[number];

const port = z.number().int().min(1).max(65535);
const pid = z.number().int().positive();
const absolutePath = z.string().startsWith('/');

const sftpServer = z.strictObject({
  host: z.string().min(1),
  port,
  /** Account that logs in with `privateKeyFile`. */
  username: z.string().min(1),
  /** OpenSSH-format private key of `username`. */
  privateKeyFile: absolutePath,
  /** `SHA256:…` as `ssh-keygen -lf` prints it; pin it in workflow targets. */
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
  knownHostsLine: z.string().min(1),
  /**
   * Directory that stands in for the partner's SFTP root: relative workflow
   * directories (`sourcePrefix` of a pull, `directory` of a target) resolve under it.
   */
  root: absolutePath,
  pid,
});

/** The content of `endpoints.json`. */
export const localEndpointsSchema = z.strictObject({
  version: z.literal(1),
  startedAt: z.iso.datetime(),
  /** Directory of the runtime (absolute). */
  dir: absolutePath,
  /** Process that runs the event loop and the pollers, and owns every server below. */
  runtimePid: pid,
  s3: z.strictObject({
    endpoint: z.url(),
    region: z.string().min(1),
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
    pid,
    buckets: z.strictObject({
      /** Where inbound files land; object-created events start transfers. */
      landing: z.string().min(3),
      /** Where S3 targets of the sample workflows deliver. */
      targets: z.string().min(3),
    }),
  }),
  dynamodb: z.strictObject({
    endpoint: z.url(),
    region: z.string().min(1),
    /** `<tablePrefix>-<suffix>` names every tracking table. */
    tablePrefix: z.string().min(1),
    tables: z.record(z.string(), z.string()),
  }),
  sftp: z.strictObject({ source: sftpServer, target: sftpServer }),
  /** The chat bot's HTTP endpoint, when the runtime serves one (`fileflow local up` does). */
  chatbot: z
    .strictObject({
      /** Base URL; Slack commands go to `<url>/slack/commands`, Teams messages to `<url>/teams/messages`. */
      url: z.url(),
      /** This runtime's Slack signing secret: sign requests with it (`v0:<timestamp>:<body>`). */
      slackSigningSecret: z.string().min(16),
      /** This runtime's Teams outgoing-webhook security token (base64). */
      teamsSecurityToken: z.string().min(16),
    })
    .optional(),
});

/** A parsed `endpoints.json`. */
export type LocalEndpoints = z.output<typeof localEndpointsSchema>;
/** The chat bot in `endpoints.json`. */
export type LocalChatBotEndpoint = NonNullable<LocalEndpoints['chatbot']>;
/** One SFTP server in `endpoints.json`. */
export type LocalSftpServer = LocalEndpoints['sftp'][LocalSftpServerName];

/** Thrown when no local runtime is up in the directory (or its file is unreadable). */
export class LocalRuntimeNotRunningError extends Error {
  constructor(dir: string, reason: string) {
    super(`no local runtime in ${dir} (${reason}); start one with: fileflow local up --detach`);
    this.name = 'LocalRuntimeNotRunningError';
  }
}

/** The runtime directory: the argument, else `$FILEFLOW_LOCAL_DIR`, else `.fileflow/local`; absolute. */
export function localDir(dir?: string): string {
  return resolve(dir ?? process.env[LOCAL_DIR_VARIABLE] ?? DEFAULT_LOCAL_DIR);
}

/** Writes `endpoints.json` atomically (write + rename), so a reader never sees half a file. */
export async function writeLocalEndpoints(endpoints: LocalEndpoints): Promise<string> {
  const parsed = localEndpointsSchema.parse(endpoints);
  await mkdir(parsed.dir, { recursive: true });
  const file = join(parsed.dir, ENDPOINTS_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(parsed, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return file;
}

/** Reads and validates `endpoints.json` of the runtime in `dir` (see {@link localDir}). */
export async function readLocalEndpoints(dir?: string): Promise<LocalEndpoints> {
  const home = localDir(dir);
  let text: string;
  try {
    text = await readFile(join(home, ENDPOINTS_FILE), 'utf8');
  } catch {
    throw new LocalRuntimeNotRunningError(home, `${ENDPOINTS_FILE} not found`);
  }
  const result = localEndpointsSchema.safeParse(JSON.parse(text));
  if (!result.success) throw new LocalRuntimeNotRunningError(home, `${ENDPOINTS_FILE} is malformed`);
  return result.data;
}
