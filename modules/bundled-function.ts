/**
 * A Lambda function whose code is one handler from `functions/`, bundled by esbuild
 * at synth time, with its own log group, execution role and X-Ray tracing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AssetType, TerraformAsset, Tokenization } from 'cdktf';
import { Construct } from 'constructs';
import { buildSync, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { zipSync } from 'fflate';
import type { PolicyStatement } from '../asl/iam';
import { createServiceRole } from './service-role';

/** Root of the repository; handlers live under `functions/`. */
const REPO_ROOT = resolve(__dirname, '..');
const FUNCTIONS_ROOT = join(REPO_ROOT, 'functions');
/** Where bundles are written, one folder per content hash (ignored by git). */
const BUNDLE_ROOT = join(REPO_ROOT, '.gen', 'bundles');
/** Records of earlier builds, one per set of entries and build settings. */
const BUILD_RECORDS = join(BUNDLE_ROOT, 'builds');

/** Props of {@link BundledFunction}. `Env` names the function's environment variables. */
export interface BundledFunctionProps<Env extends Record<string, string> = Record<string, string>> {
  /** Physical function name; also names the log group and the role. At most 64 characters. */
  readonly functionName: string;
  /** Handler file relative to `functions/`, e.g. `handlers/validate-transfer.ts`. */
  readonly entry: string;
  /**
   * Exported handler symbol in the entry file.
   * @default 'handler'
   */
  readonly handlerExport?: string;
  /** Days CloudWatch keeps the function's logs. */
  readonly logRetentionDays: number;
  /**
   * Environment variables the handler reads (typed by `Env`).
   * @default none
   */
  readonly environment?: Env;
  /**
   * What the function may do besides writing its own logs and traces.
   * @default none
   */
  readonly permissions?: readonly PolicyStatement[];
  /**
   * Memory in MiB; CPU share grows with it.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Maximum run time in seconds.
   * @default 60
   */
  readonly timeoutSeconds?: number;
  /**
   * KMS key ARN for the log group and the environment variables.
   * @default AWS-managed encryption
   */
  readonly kmsKeyArn?: string;
}

/** Result of bundling one handler. */
export interface HandlerBundle {
  /** Folder holding `index.js` and `index.js.map`. */
  readonly directory: string;
  /** The same two files zipped, as Lambda takes them; its bytes depend on the bundle's only. */
  readonly archive: string;
  /** SHA-256 of the bundle's bytes: the same source always gives the same hash. */
  readonly sha256: string;
}

/** Bundles of this process by entry: every stack that uses a handler shares one bundle and one zip. */
const bundleCache = new Map<string, HandlerBundle>();

/**
 * The Lambda runtime of every function. Lambda deprecated `nodejs20.x` on 30 April 2026 and
 * refuses to create functions on it since 31 August 2026; `nodejs22.x` is supported until
 * 30 April 2027. The policy pack's FF-LAMBDA-3 fails a synth on anything older.
 */
const LAMBDA_RUNTIME = 'nodejs22.x';

/**
 * Node flags of every function: stack traces through the source maps, and V8's young
 * generation capped at 2 MiB semi-spaces. Streamed copies allocate many short-lived buffers;
 * with the cap they die while still in the CPU's cache: on 1 GiB copies through the same
 * engine (the CLI runs with the same flag) it measured about half the CPU and 30 MiB less
 * peak RSS. Not measured on Lambda's Graviton cores.
 */
const LAMBDA_NODE_OPTIONS = '--enable-source-maps --max-semi-space-size=2';

/** Lambda's limit on a function's environment variables: every name and value together. */
const ENVIRONMENT_LIMIT_BYTES = 4 * 1024;
/** The environment variables of a function: the handler's, and the Node flags. */
function functionEnvironment(props: BundledFunctionProps<Record<string, string>>): Record<string, string> {
  return { NODE_OPTIONS: LAMBDA_NODE_OPTIONS, ...(props.environment ?? {}) };
}

/**
 * Why an environment cannot deploy, if it is over Lambda's 4 KB: counted without the
 * references resolved at deploy time (an ARN, a table name, whose length synth does not
 * know), so a synth never refuses what would deploy.
 */
function environmentOverLimit(environment: Readonly<Record<string, string>>): string | undefined {
  const literalBytes = (value: string) =>
    Tokenization.reverseString(value).literals.reduce((sum, literal) => sum + Buffer.byteLength(String(literal)), 0);
  const sizes = Object.entries(environment).map(
    ([name, value]) => [name, Buffer.byteLength(name) + literalBytes(value)] as const,
  );
  const total = sizes.reduce((sum, [, bytes]) => sum + bytes, 0);
  if (total <= ENVIRONMENT_LIMIT_BYTES) return undefined;
  const [largest, largestBytes] = sizes.reduce((most, entry) => (entry[1] > most[1] ? entry : most));
  return (
    `environment variables take at least ${total} bytes, over Lambda's limit of ${ENVIRONMENT_LIMIT_BYTES} ` +
    `(${largest} alone takes ${largestBytes})`
  );
}

/** esbuild options of every bundle (entry points and output folder aside). */
const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // Packages' ES module builds where they have one (the AWS SDK): esbuild joins them into one
  // scope instead of wrapping each CommonJS module and copying its exports at every cold start.
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // Paths in the map are relative to the repository, so every machine builds the same bytes.
  sourceRoot: '',
  absWorkingDir: REPO_ROOT,
  external: ['cpu-features', '*.node', 'cdktf', 'cdktf/*'],
  legalComments: 'none',
  write: false,
  logLevel: 'error',
} as const satisfies BuildOptions;

/**
 * Bundles `functions/<entry>` into one CommonJS file for Node 22 (minified, with a source map)
 * and zips it. ssh2's optional native add-ons stay out so it takes its pure-JS path; cdktf is
 * never bundled (its assets re-run `node ${__filename}`, and a bundled app would recurse).
 *
 * The first handler asked for from `functions/handlers/` brings every handler there into one
 * esbuild run: shared modules (the AWS SDK, the cores) are parsed once and the entries are
 * linked in parallel. Without code splitting each entry's output is byte for byte what a
 * build of that entry alone gives, so the hash does not depend on which handlers exist.
 *
 * A later process reuses the bundles of an earlier build while every file that build read
 * still has the same SHA-256 (and esbuild, its options, package-lock.json and tsconfig.json
 * are the same): the record of what it read is kept in `.gen/bundles/builds/`.
 */
export function bundleHandler(entry: string): HandlerBundle {
  const cached = bundleCache.get(entry);
  if (cached) return cached;
  if (!existsSync(join(FUNCTIONS_ROOT, entry))) throw new Error(`Lambda handler not found: functions/${entry}`);

  const batch = dirname(entry) === 'handlers' ? [...new Set([entry, ...handlerEntries()])].sort() : [entry];
  const recordPath = join(BUILD_RECORDS, `${buildKey(batch)}.json`);
  const bundles = reusableBundles(recordPath, batch) ?? buildBundles(batch, recordPath);
  for (const [batchEntry, bundle] of bundles) bundleCache.set(batchEntry, bundle);
  return bundleCache.get(entry) as HandlerBundle;
}

/** What a build read and produced, so a later process can tell whether it would produce the same. */
interface BuildRecord {
  /** Every file esbuild read, relative to the repository, with its SHA-256. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The bundle hash of each entry. */
  readonly bundles: Readonly<Record<string, string>>;
}

/** Names a build by everything besides its input files that shapes its output. */
function buildKey(batch: readonly string[]): string {
  const hash = createHash('sha256').update(JSON.stringify([esbuildVersion, BUILD_OPTIONS, batch]));
  for (const file of ['package-lock.json', 'tsconfig.json']) {
    const path = join(REPO_ROOT, file);
    hash.update(file).update(existsSync(path) ? readFileSync(path) : '');
  }
  return hash.digest('hex');
}

/** The recorded bundles of an earlier build, when none of its inputs changed and its bundles are still there. */
function reusableBundles(recordPath: string, batch: readonly string[]): Map<string, HandlerBundle> | undefined {
  let record: BuildRecord;
  try {
    record = JSON.parse(readFileSync(recordPath, 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
  for (const [input, sha256] of Object.entries(record.inputs)) {
    const path = join(REPO_ROOT, input);
    if (!existsSync(path) || sha256Of(readFileSync(path)) !== sha256) return undefined;
  }
  const bundles = new Map<string, HandlerBundle>();
  for (const entry of batch) {
    const sha256 = record.bundles[entry];
    if (sha256 === undefined) return undefined;
    const bundle = bundleAt(sha256);
    if (!existsSync(bundle.directory) || !existsSync(bundle.archive)) return undefined;
    bundles.set(entry, bundle);
  }
  return bundles;
}

/** Builds the batch, stores each bundle and records what the build read. */
function buildBundles(batch: readonly string[], recordPath: string): Map<string, HandlerBundle> {
  // Never written (write: false), but its depth shapes the source map's relative paths: keep it fixed.
  const staging = join(REPO_ROOT, '.gen', `.staging-${process.pid}`);
  const result = buildSync({
    ...BUILD_OPTIONS,
    entryPoints: Object.fromEntries(batch.map((e) => [`${outputName(e)}/index`, join(FUNCTIONS_ROOT, e)])),
    outdir: staging,
    metafile: true,
  });
  const bundles = new Map<string, HandlerBundle>();
  for (const entry of batch) {
    const folder = join(staging, outputName(entry));
    const files = result.outputFiles
      .filter((file) => dirname(file.path) === folder)
      .map((file) => ({ name: relative(folder, file.path), contents: file.contents }))
      .sort((a, b) => a.name.localeCompare(b.name));
    bundles.set(entry, storeBundle(files));
  }
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => existsSync(join(REPO_ROOT, input)))
    .sort();
  const record: BuildRecord = {
    inputs: Object.fromEntries(inputs.map((input) => [input, sha256Of(readFileSync(join(REPO_ROOT, input)))])),
    bundles: Object.fromEntries([...bundles].map(([entry, bundle]) => [entry, bundle.sha256])),
  };
  mkdirSync(BUILD_RECORDS, { recursive: true });
  const temporary = `${recordPath}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(record));
  renameSync(temporary, recordPath);
  return bundles;
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every handler file under `functions/handlers/`, as entries. */
function handlerEntries(): string[] {
  return readdirSync(join(FUNCTIONS_ROOT, 'handlers'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => `handlers/${file}`);
}

/** A flat folder name for an entry: `handlers/copy-to-s3.ts` → `handlers--copy-to-s3`. */
function outputName(entry: string): string {
  return entry.replace(/\.ts$/, '').replace(/\//g, '--');
}

/** DOS time of every zip entry: a fixed local time, so the zip's bytes do not depend on the clock or the zone. */
const ZIP_ENTRY_TIME = new Date(1980, 0, 1);
/** Unix `-rw-r--r--` in the zip's external attributes, so Lambda can read the files. */
const ZIP_FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;

/**
 * Writes a bundle under `.gen/bundles/<hash>/` with its zip beside it, unless an earlier synth
 * already did: the folder name is the content hash, so what is there is what would be written.
 */
function storeBundle(files: readonly { name: string; contents: Uint8Array }[]): HandlerBundle {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.name).update(file.contents);
  const sha256 = hash.digest('hex');
  const { directory, archive } = bundleAt(sha256);
  if (!existsSync(directory) || !existsSync(archive)) {
    const temporary = `${directory}.${process.pid}.tmp`;
    rmSync(temporary, { recursive: true, force: true });
    mkdirSync(temporary, { recursive: true });
    for (const file of files) writeFileSync(join(temporary, file.name), file.contents);
    const zip = zipSync(
      Object.fromEntries(
        files.map((file) => [file.name, [file.contents, { mtime: ZIP_ENTRY_TIME, os: 3, attrs: ZIP_FILE_ATTRIBUTES }]]),
      ),
      { level: 6 },
    );
    writeFileSync(`${temporary}.zip`, zip);
    // Renames are atomic: a concurrent synth sees either nothing or the whole bundle. If
    // another synth got there first, its bytes are identical and either copy will do.
    renameSync(`${temporary}.zip`, archive);
    try {
      renameSync(temporary, directory);
    } catch (error) {
      if (!existsSync(directory)) throw error;
      rmSync(temporary, { recursive: true, force: true });
    }
  }
  return { directory, archive, sha256 };
}

/** Where the bundle with this hash lives. */
function bundleAt(sha256: string): HandlerBundle {
  const directory = join(BUNDLE_ROOT, sha256.slice(0, 16));
  return { directory, archive: `${directory}.zip`, sha256 };
}

/** A Lambda function bundled from one handler in `functions/`. */
export class BundledFunction<Env extends Record<string, string> = Record<string, string>> extends Construct {
  /** The function. */
  public readonly function: LambdaFunction;
  /** Its execution role; callers may attach further policies. */
  public readonly role: IamRole;
  /** Its log group, `/aws/lambda/<functionName>`. */
  public readonly logGroup: CloudwatchLogGroup;
  /** The zipped bundle Terraform uploads. */
  public readonly asset: TerraformAsset;

  constructor(scope: Construct, id: string, props: BundledFunctionProps<Env>) {
    super(scope, id);
    checkProps(props);
    const bundle = bundleHandler(props.entry);

    // A file asset is copied at synth; a directory asset would be zipped again for every stack.
    this.asset = new TerraformAsset(this, 'code', {
      path: bundle.archive,
      type: AssetType.FILE,
      assetHash: bundle.sha256,
    });
    // Created before the function so Lambda never creates a never-expiring group itself.
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.role = createServiceRole(this, {
      name: props.functionName,
      service: 'lambda.amazonaws.com',
      statements: [
        { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${this.logGroup.arn}:*`] },
        // X-Ray has no resource-level permissions: '*' is the only valid resource.
        { actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] },
        ...(props.permissions ?? []),
      ],
    });

    this.function = new LambdaFunction(this, 'function', {
      functionName: props.functionName,
      role: this.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: ['arm64'],
      handler: `index.${props.handlerExport ?? 'handler'}`,
      filename: this.asset.path,
      sourceCodeHash: bundle.sha256,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeoutSeconds ?? 60,
      kmsKeyArn: props.kmsKeyArn,
      tracingConfig: { mode: 'Active' },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      environment: {
        variables: functionEnvironment(props),
      },
      dependsOn: [this.logGroup],
    });
  }
}

function checkProps(props: BundledFunctionProps<Record<string, string>>): void {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(props.functionName)) {
    problems.push(`functionName '${props.functionName}' must be 1–64 letters, digits, '-' or '_'`);
  }
  if (props.entry.includes('..') || props.entry.startsWith('/')) {
    problems.push(`entry '${props.entry}' must be a path inside functions/`);
  }
  const memory = props.memorySize ?? 512;
  if (!Number.isInteger(memory) || memory < 128 || memory > 10240) {
    problems.push(`memorySize ${memory} must be an integer from 128 to 10240`);
  }
  const timeout = props.timeoutSeconds ?? 60;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) {
    problems.push(`timeoutSeconds ${timeout} must be an integer from 1 to 900`);
  }
  for (const name of Object.keys(props.environment ?? {})) {
    if (name.startsWith('AWS_')) problems.push(`environment variable ${name} is reserved by Lambda`);
  }
  const environmentProblem = environmentOverLimit(functionEnvironment(props));
  if (environmentProblem) problems.push(environmentProblem);
  for (const permission of props.permissions ?? []) {
    if (permission.actions.length === 0 || permission.resources.length === 0) {
      problems.push('every permission needs at least one action and one resource');
    }
  }
  if (problems.length > 0) {
    throw new Error(`BundledFunction '${props.functionName}':\n  ${problems.join('\n  ')}`);
  }
}
