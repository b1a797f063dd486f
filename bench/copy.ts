/**
 * Copy throughput and memory on loopback: `fileflow copy` against rclone and OpenSSH's
 * `sftp` on the same file, in the same run, against the same local sshd and S3 server.
 *
 * Every figure is wall time of the whole command, process start included, for every tool
 * alike; fileflow's own engine time is shown beside it. Peak RSS comes from GNU time.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { Upload } from '@aws-sdk/lib-storage';
import { s3ClientFor, S3RVER_CREDENTIALS, startS3Server } from '../cli/local/s3-server';
import { startSshd } from '../cli/local/sshd';

const REPO_ROOT = resolve(__dirname, '..');
const CLI = join(REPO_ROOT, 'bin', 'fileflow.cjs');
const MIB = 1024 * 1024;
const execFileAsync = promisify(execFile);
/**
 * Every tool runs without the CA-bundle variables a shell may carry: nothing on loopback
 * speaks TLS, and they are not free. Node parses `NODE_EXTRA_CA_CERTS` at every start,
 * before any code runs (30 ms for Debian's 220 KB bundle, on a ~10 ms start), and rclone
 * refuses to start with `AWS_CA_BUNDLE` and a plain-HTTP endpoint.
 */
const WITHOUT_CA_BUNDLES = { NODE_EXTRA_CA_CERTS: undefined, AWS_CA_BUNDLE: undefined };

/** One measured command. */
export interface CopyTiming {
  readonly path: string;
  readonly tool: 'fileflow' | 'rclone' | 'openssh sftp';
  readonly mib: number;
  /** MiB per second over the command's wall time. */
  readonly mibPerSecond: number;
  /** fileflow only: MiB per second over the engine's own copy time. */
  readonly engineMibPerSecond?: number;
  readonly peakRssMib: number;
  /** CPU seconds (user + system) the command used per GiB moved: a figure that load on the machine barely changes. */
  readonly cpuSecondsPerGiB: number;
  /** fileflow's speed divided by rclone's on the same path. */
  readonly ratioToRclone?: number;
  /**
   * With several runs: the lowest and highest of the runs' own ratios (each run's fileflow
   * against the same run's rclone), i.e. how far a single run can stray.
   */
  readonly ratioRange?: readonly [number, number];
}

/** Options of {@link benchCopy}. */
export interface BenchCopyOptions {
  /** Size of the file every tool copies. @default 256 */
  readonly mib?: number;
  /** Sizes at which fileflow's peak memory is also measured. @default [64, 1024] */
  readonly rssMib?: readonly number[];
  /** Only the paths whose name contains one of these (`SFTP → S3`, `S3 → S3`…). @default every path */
  readonly paths?: readonly string[];
  /**
   * On each path fileflow runs before rclone instead of after it. Alternated between runs, so
   * that neither tool always meets the state the other one left (page cache, server heaps).
   * @default false
   */
  readonly fileflowFirst?: boolean;
}

interface Timed {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssKib: number;
  readonly stdout: string;
}

/**
 * Each figure's median over several runs of {@link benchCopy}, row by row; the ratio to
 * rclone is recomputed from the medians, and the range of the runs' own ratios is kept.
 */
export function medianTimings(runs: readonly (readonly CopyTiming[])[]): CopyTiming[] {
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const rows = runs[0]!.map((first, index) => {
    const same = runs.map((run) => run[index]!);
    const engine = same.flatMap((row) => (row.engineMibPerSecond !== undefined ? [row.engineMibPerSecond] : []));
    return {
      path: first.path,
      tool: first.tool,
      mib: first.mib,
      mibPerSecond: Math.round(median(same.map((row) => row.mibPerSecond)) * 10) / 10,
      ...(engine.length > 0 ? { engineMibPerSecond: Math.round(median(engine) * 10) / 10 } : {}),
      peakRssMib: Math.round(median(same.map((row) => row.peakRssMib)) * 10) / 10,
      cpuSecondsPerGiB: Math.round(median(same.map((row) => row.cpuSecondsPerGiB)) * 100) / 100,
    } as CopyTiming;
  });
  return rows.map((row) => {
    const rclone = rows.find((other) => other.path === row.path && other.tool === 'rclone');
    if (row.tool !== 'fileflow' || !rclone) return row;
    const ratios = runs.flatMap((run) => {
      const ours = run.find((other) => other.path === row.path && other.tool === 'fileflow');
      return ours?.ratioToRclone !== undefined ? [ours.ratioToRclone] : [];
    });
    return {
      ...row,
      ratioToRclone: Math.round((row.mibPerSecond / rclone.mibPerSecond) * 100) / 100,
      ...(ratios.length > 1 ? { ratioRange: [Math.min(...ratios), Math.max(...ratios)] as const } : {}),
    };
  });
}

/**
 * Runs a command under GNU time, for its peak RSS and CPU time; rejects with its stderr when
 * it fails. The wall time is taken here: GNU time prints it in steps of 10 ms, a tenth of an
 * S3 → S3 copy. Every command, of every tool, starts alike:
 * - with nothing left to write back: `sync` first flushes what the previous command wrote,
 *   which the kernel would otherwise write back during the next one;
 * - with memory touched a moment before ({@link warmMemory}), when `warm` names where.
 */
async function timed(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  warm?: { readonly dir: string; readonly mib: number },
): Promise<Timed> {
  await execFileAsync('sync', []);
  if (warm) await warmMemory(warm.dir, warm.mib);
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    execFile(
      '/usr/bin/time',
      ['-f', '__time__ %M %U %S', command, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...WITHOUT_CA_BUNDLES, ...env }, maxBuffer: 16 * MIB },
      (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        const match = /__time__ (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
        if (error || !match) {
          reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error?.message}`));
          return;
        }
        resolvePromise({
          seconds,
          peakRssKib: Number(match[1]),
          cpuSeconds: Number(match[2]) + Number(match[3]),
          stdout,
        });
      },
    );
  });
}

/**
 * Writes `mib` MiB of page cache to a file in `dir` and deletes it, unwritten. On a virtual
 * machine that hands free memory back to its host (free page reporting), the first touch of
 * such memory runs at ~400 MB/s: a 256 MiB CopyObject on the local server took 0.2 s or 0.6-0.85 s
 * at random (6 of 10 runs slow), and one run of a tool could stray 3x from the next. After
 * this, 10 of 10 took 0.20-0.24 s (docs/field-notes.md, The machine). Every tool gets the same.
 */
async function warmMemory(dir: string, mib: number): Promise<void> {
  const path = join(dir, 'warm-memory');
  const zeros = Buffer.alloc(MIB);
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < mib; written++) await file.write(zeros);
  } finally {
    await file.close();
  }
  await rm(path);
}

async function writeRandomFile(path: string, mib: number): Promise<string> {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let i = 0; i < mib; i++) {
      const chunk = randomBytes(MIB);
      hash.update(chunk);
      yield chunk;
    }
  }
  await pipeline(chunks(), createWriteStream(path));
  return hash.digest('hex');
}

/** Measures every path; starts and stops its own servers. */
export async function benchCopy(options: BenchCopyOptions = {}): Promise<CopyTiming[]> {
  const mib = options.mib ?? 256;
  const rssSizes = options.rssMib ?? [64, 1024];
  const dir = await mkdtemp(join(tmpdir(), 'fileflow-bench-copy-'));
  const user = userInfo().username;
  const [sshd, s3] = await Promise.all([
    startSshd({ dir: join(dir, 'sshd'), users: [user] }),
    startS3Server({ dir: join(dir, 's3'), buckets: ['bench-src', 'bench-dst'] }),
  ]);
  const s3Client = s3ClientFor(s3.endpoint, S3RVER_CREDENTIALS);
  const sftpDir = join(dir, 'sftp');
  await mkdir(sftpDir);
  const key = sshd.clientKeys[user]!;
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `${sshd.knownHostsLine}\n`);

  // Three times the payload: the copy's page cache, the servers' and the tool's own memory.
  const warm = { dir, mib: 3 * mib };
  const sftpUri = (name: string) => `sftp://${user}@${sshd.host}:${sshd.port}${sftpDir}/${name}`;
  const s3Env = {
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  const rcloneEnv = {
    RCLONE_CONFIG_FFSFTP_TYPE: 'sftp',
    RCLONE_CONFIG_FFSFTP_HOST: sshd.host,
    RCLONE_CONFIG_FFSFTP_PORT: String(sshd.port),
    RCLONE_CONFIG_FFSFTP_USER: user,
    RCLONE_CONFIG_FFSFTP_KEY_FILE: key,
    RCLONE_CONFIG_FFSFTP_KNOWN_HOSTS_FILE: knownHosts,
    RCLONE_CONFIG_FFSFTP_SHELL_TYPE: 'none',
    RCLONE_CONFIG_FFS3_TYPE: 's3',
    RCLONE_CONFIG_FFS3_PROVIDER: 'Other',
    RCLONE_CONFIG_FFS3_ENDPOINT: s3.endpoint,
    RCLONE_CONFIG_FFS3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    RCLONE_CONFIG_FFS3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    RCLONE_CONFIG_FFS3_FORCE_PATH_STYLE: 'true',
    RCLONE_CONFIG_FFS3_REGION: 'us-east-1',
    RCLONE_CONFIG_FFS3_NO_CHECK_BUCKET: 'true',
  };

  const fileflowCopy = async (src: string, dst: string, expectedSha256: string) => {
    // Executed as the installed `fileflow` command is, so its shebang's Node flags apply.
    const run = await timed(
      CLI,
      [
        'copy',
        src,
        dst,
        '--json',
        '--identity',
        key,
        '--host-key',
        sshd.hostKeyFingerprint,
        '--s3-endpoint',
        s3.endpoint,
      ],
      s3Env,
      warm,
    );
    const result = JSON.parse(run.stdout) as { sha256: string; mibPerSecond: number };
    if (result.sha256 !== expectedSha256)
      throw new Error(`fileflow ${src} → ${dst}: SHA-256 ${result.sha256} ≠ ${expectedSha256}`);
    return { ...run, engineMibPerSecond: result.mibPerSecond };
  };
  const rclone = (src: string, dst: string) => timed('rclone', ['copyto', src, dst], rcloneEnv, warm);
  // OpenSSH's sftp reads its commands from a batch file.
  const openSshBatch = async (batch: string) => {
    const file = join(dir, 'batch.txt');
    await writeFile(file, `${batch}\n`);
    return timed(
      'sftp',
      [
        '-q',
        '-b',
        file,
        '-i',
        key,
        '-P',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        `${user}@${sshd.host}`,
      ],
      {},
      warm,
    );
  };

  const seed = async (size: number) => {
    const local = join(dir, `payload-${size}.bin`);
    const sha256 = await writeRandomFile(local, size);
    await new Upload({
      client: s3Client,
      params: { Bucket: 'bench-src', Key: `payload-${size}.bin`, Body: createReadStream(local) },
    }).done();
    return { local, sha256 };
  };

  try {
    const results: CopyTiming[] = [];
    const row = (
      path: string,
      tool: CopyTiming['tool'],
      size: number,
      run: Timed & { engineMibPerSecond?: number },
    ) => {
      const timing: CopyTiming = {
        path,
        tool,
        mib: size,
        mibPerSecond: Math.round((size / run.seconds) * 10) / 10,
        ...(run.engineMibPerSecond !== undefined ? { engineMibPerSecond: run.engineMibPerSecond } : {}),
        peakRssMib: Math.round(run.peakRssKib / 102.4) / 10,
        cpuSecondsPerGiB: Math.round(((run.cpuSeconds * 1024) / size) * 100) / 100,
      };
      results.push(timing);
      return timing;
    };

    // The CLI bundles itself on first use after a source change; build it before timing.
    await timed(CLI, ['copy', '--help']);
    const { local, sha256 } = await seed(mib);
    const name = `payload-${mib}.bin`;
    // OpenSSH reference, and the SFTP source file for the SFTP-sourced paths.
    row('local → SFTP (reference)', 'openssh sftp', mib, await openSshBatch(`put ${local} ${sftpDir}/${name}`));
    row(
      'SFTP → local (reference)',
      'openssh sftp',
      mib,
      await openSshBatch(`get ${sftpDir}/${name} ${join(dir, 'got.bin')}`),
    );

    const paths: [string, string, string, string, string][] = [
      [
        'S3 → SFTP',
        `s3://bench-src/${name}`,
        sftpUri(`ff-${name}`),
        `ffs3:bench-src/${name}`,
        `ffsftp:${sftpDir}/rc-${name}`,
      ],
      [
        'SFTP → S3',
        sftpUri(name),
        `s3://bench-dst/ff-${name}`,
        `ffsftp:${sftpDir}/${name}`,
        `ffs3:bench-dst/rc-${name}`,
      ],
      [
        'SFTP → SFTP',
        sftpUri(name),
        sftpUri(`ff2-${name}`),
        `ffsftp:${sftpDir}/${name}`,
        `ffsftp:${sftpDir}/rc2-${name}`,
      ],
      [
        'S3 → S3',
        `s3://bench-src/${name}`,
        `s3://bench-dst/ff2-${name}`,
        `ffs3:bench-src/${name}`,
        `ffs3:bench-dst/rc2-${name}`,
      ],
      // The pipeline's usual case: fileflow wrote the source (S3 → S3 above), so its SHA-256 is in its metadata.
      [
        'S3 → S3 (sha256 in metadata)',
        `s3://bench-dst/ff2-${name}`,
        `s3://bench-dst/ff3-${name}`,
        `ffs3:bench-dst/ff2-${name}`,
        `ffs3:bench-dst/rc3-${name}`,
      ],
    ];
    const wanted = (path: string) => !options.paths || options.paths.some((part) => path.includes(part));
    for (const [path, src, dst, rcSrc, rcDst] of paths.filter(([path]) => wanted(path))) {
      let ff: Awaited<ReturnType<typeof fileflowCopy>> | undefined;
      if (options.fileflowFirst) ff = await fileflowCopy(src, dst, sha256);
      const rc = row(path, 'rclone', mib, await rclone(rcSrc, rcDst));
      ff ??= await fileflowCopy(src, dst, sha256);
      const timing = row(path, 'fileflow', mib, ff);
      results[results.indexOf(timing)] = {
        ...timing,
        ratioToRclone: Math.round((timing.mibPerSecond / rc.mibPerSecond) * 100) / 100,
      };
    }

    for (const size of rssSizes.filter((s) => s !== mib)) {
      const seeded = await seed(size);
      const sizeName = `payload-${size}.bin`;
      const memoryPaths: [string, string, string][] = [
        ['S3 → SFTP', `s3://bench-src/${sizeName}`, sftpUri(sizeName)],
        ['SFTP → S3', sftpUri(sizeName), `s3://bench-dst/${sizeName}`],
        ['SFTP → SFTP', sftpUri(sizeName), sftpUri(`copy-${sizeName}`)],
        ['S3 → S3', `s3://bench-src/${sizeName}`, `s3://bench-dst/copy-${sizeName}`],
      ];
      // The SFTP-sourced paths read what S3 → SFTP wrote.
      const [first, ...rest] = memoryPaths;
      const written = await fileflowCopy(first![1], first![2], seeded.sha256);
      if (wanted(first![0])) row(`${first![0]} (memory)`, 'fileflow', size, written);
      for (const [path, src, dst] of rest.filter(([path]) => wanted(path))) {
        row(`${path} (memory)`, 'fileflow', size, await fileflowCopy(src, dst, seeded.sha256));
      }
      await rm(join(sftpDir, sizeName), { force: true });
      await rm(join(sftpDir, `copy-${sizeName}`), { force: true });
      await rm(seeded.local, { force: true });
    }
    return results;
  } finally {
    s3Client.destroy();
    await Promise.all([sshd.stop(), s3.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}
