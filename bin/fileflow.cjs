#!/usr/bin/env -S node --max-semi-space-size=2 --initial-old-space-size=64
'use strict';
/*
 * The CLI is TypeScript. Running it through tsx transforms every file at every start and
 * loads every command's dependencies: ~0.6 s and ~100 MiB before any work. Instead the CLI
 * runs from esbuild bundles in .gen/cli/, built on first use and rebuilt whenever one of
 * their own source files or the installed packages change, so nobody runs a build step:
 * - `fileflow <name> …`, where cli/commands/<name>.ts registers the command <name>, runs a
 *   bundle of cli/main.ts with only that module registered (a copy then carries neither the
 *   DynamoDB nor the Step Functions clients);
 * - anything else (`--help`, an unknown command) runs the bundle of the whole CLI.
 * If esbuild is missing or fails, tsx runs the sources as before.
 *
 * Bundles run with V8's code cache (see loadBundle): compiling the ~2.1 MB copy bundle was
 * the largest part of start-up.
 *
 * The shebang caps V8's young generation at 2 MiB semi-spaces (default 16): streamed
 * transfers allocate many short-lived buffers that are only freed when it is scavenged,
 * and the cap measured 30 MiB lower peak RSS on a 1 GiB SFTP→SFTP copy, and half the CPU
 * on a 1 GiB SFTP→S3 copy.
 * It also gives the old generation a 64 MB floor. V8 sets that generation's limit from what
 * start-up left on the heap, and counts Buffers allocated since the last full collection
 * against it, so every change to start-up moved copies in or out of runs of full collections:
 * a 1 GiB SFTP→SFTP copy ran 6–7 with this bundle, 130–165 with one holding the SDK's
 * CommonJS build (4.1 instead of 3.0 s). With the floor it runs one whatever start-up leaves
 * (with 32 MB, 6–7).
 */
/*
 * V8 sizes the heap from these flags once, when Node starts. Setting them back to their
 * defaults now keeps that heap but gives back V8's default flag hash: with any other flag
 * V8 rejects Node's embedded code cache for its own modules (http, https, http2,
 * child_process…), which then compile from source, ~12 ms of every `copy` start.
 */
const v8 = v8Flags();
v8.setFlagsFromString('--max-semi-space-size=0');
v8.setFlagsFromString('--initial-old-space-size=0');

/**
 * What sets V8's flags. `node:v8` loads `node:stream` and its graph, still under the
 * shebang's flags and so compiled from source: 4.1 ms, against 0.2 ms for the binding it
 * calls. Node 20 still exposes that binding through `process.binding`, deprecated (DEP0111)
 * and warning once on stderr; the warning is silenced for this one call. Falls back to
 * `node:v8` where a later Node no longer exposes the binding.
 */
function v8Flags() {
  const silenced = process.noDeprecation;
  process.noDeprecation = true;
  try {
    const binding = process.binding('v8');
    if (typeof binding.setFlagsFromString === 'function') return binding;
  } catch {
    // No binding by that name: the module below.
  } finally {
    process.noDeprecation = silenced;
  }
  return require('node:v8');
}
/*
 * On Node 20 the AWS SDK prints an 8-line notice (its releases after January 2027 need Node 22)
 * on stderr at every command, before a failing command's one line of reason. The README says
 * it once; AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false shows it again.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const {
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} = require('node:fs');
const Module = require('node:module');
const { dirname, join, resolve, sep } = require('node:path');
const vm = require('node:vm');

const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'cli', 'main.ts');
const COMMANDS_DIR = join(ROOT, 'cli', 'commands');
const COMMAND_INDEX = join(COMMANDS_DIR, 'index.ts');
const OUT_DIR = join(ROOT, '.gen', 'cli');
/** `npm i` rewrites this file, so its stamp stands for every bundled package. */
const INSTALLED = join(ROOT, 'node_modules', '.package-lock.json');
/**
 * Packages that find their own files at run time (native addons, launcher scripts, data
 * files, child processes) stay in node_modules. ssh2 is bundled, its native crypto add-on
 * required where npm installed it (nativeAddonsInPlace): an SFTP copy starts 8–18 ms sooner
 * (docs/field-notes.md).
 */
const EXTERNAL = [
  'cpu-features',
  's3rver',
  'dynalite',
  'aws-local-stepfunctions',
  'esbuild',
  'tsx',
  'typescript',
  'cdktf',
  'cdktf-cli',
  '@cdktf/*',
  'constructs',
];

function stamp(path) {
  try {
    const stats = statSync(path);
    return `${stats.mtimeMs}:${stats.size}`;
  } catch {
    return 'missing';
  }
}

/** Thrown by a one-command bundle whose module did not register a command of its file's name. */
const NOT_THAT_COMMAND = 'FILEFLOW_NOT_THAT_COMMAND';

/** Command modules that cli/commands/index.ts imports: only those are commands of the CLI. */
function registeredModules() {
  try {
    return [...readFileSync(COMMAND_INDEX, 'utf8').matchAll(/from '\.\/([a-z0-9-]+)'/g)].map((match) => match[1]);
  } catch {
    return [];
  }
}

/** The bundle for this command line: its name, and the one command module it keeps, if any. */
function chooseBundle(argv) {
  const name = argv[2];
  if (name && /^[a-z][a-z0-9-]*$/.test(name) && registeredModules().includes(name)) {
    return { name: `command-${name}`, command: name };
  }
  return { name: 'main' };
}

/** True when the bundle was built from exactly the source files and packages now on disk. */
function bundleIsFresh(bundle) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(OUT_DIR, `${bundle.name}.json`), 'utf8'));
  } catch {
    return false;
  }
  // A change to this file (what is bundled, how) rebuilds too, and so does a checkout moved
  // elsewhere: a bundle holds absolute paths (native add-ons, the sources' own __dirname).
  if (manifest.root !== ROOT) return false;
  if (manifest.installed !== stamp(INSTALLED) || manifest.launcher !== stamp(__filename)) return false;
  return Object.entries(manifest.sources).every(([path, recorded]) => stamp(join(ROOT, path)) === recorded);
}

/**
 * A bundle moves every module to .gen/cli/, so a source file that finds a sibling through
 * `__dirname`/`__filename` (a launcher script, the repo root) is given its original ones.
 */
const keepOwnDirname = {
  name: 'keep-own-dirname',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?tsx?$/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      // On the first line so that line numbers in stack traces still match the source.
      const header = `const __dirname = ${JSON.stringify(dirname(args.path))}, __filename = ${JSON.stringify(args.path)};`;
      return { contents: header + source, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

/** Stands in for cli/commands/index.ts so that only `command`'s module is registered and loaded. */
function onlyCommand(command) {
  return {
    name: 'only-command',
    setup(build) {
      // esbuild names files by their real path: cli/ may be a symbolic link (a checkout sharing sources).
      const index = realpathSync(COMMAND_INDEX);
      build.onLoad({ filter: /[\\/]cli[\\/]commands[\\/]index\.ts$/ }, (args) => {
        if (args.path !== index) return undefined;
        return {
          resolveDir: dirname(index),
          loader: 'ts',
          contents: `
            import type { Command } from 'commander';
            import { register } from './${command}';
            export function registerCommands(program: Command): void {
              register(program);
              if (!program.commands.some((registered) => registered.name() === ${JSON.stringify(command)})) {
                throw Object.assign(new Error('not this command'), { code: ${JSON.stringify(NOT_THAT_COMMAND)} });
              }
            }`,
        };
      });
    },
  };
}

/**
 * A native add-on (`*.node`) is required by its absolute path where npm installed it: the
 * bundle lives in .gen/cli/, where a relative `require('./…/sshcrypto.node')` finds nothing,
 * and ssh2 then falls back to its pure-JS ciphers without a word.
 */
const nativeAddonsInPlace = {
  name: 'native-addons-in-place',
  setup(build) {
    build.onResolve({ filter: /\.node$/ }, (args) => ({ path: resolve(args.resolveDir, args.path), external: true }));
  },
};

/**
 * The bundle's text with every non-ASCII character as a `\uXXXX` escape. esbuild already
 * escapes them in code; what is left is in comments it keeps. One such character makes V8
 * hold the whole ~2 MB source as two bytes per character on the heap; pure ASCII read as
 * latin1 becomes an external string outside it (a 1 KiB copy, measured with the SDK's
 * CommonJS build: 77 → 68 MiB peak RSS).
 */
function asciiOnly(text) {
  return text.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

async function buildBundle(bundle) {
  const esbuild = require('esbuild');
  const installed = stamp(INSTALLED);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    outfile: join(OUT_DIR, `${bundle.name}.cjs`),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Packages' ES module builds where they have one (the AWS SDK): esbuild joins them into one
    // scope instead of wrapping and copying every CommonJS module's exports at start-up.
    mainFields: ['module', 'main'],
    external: EXTERNAL,
    keepNames: true,
    // A dynamic import() becomes a require(): a bundle runs as a vm.Script, where import() has
    // no loader; the engine loads ssh2 that way, with its first SFTP session.
    supported: { 'dynamic-import': false },
    metafile: true,
    write: false,
    logLevel: 'silent',
    // Wrapped as Module.wrap would, so that loading it takes no second copy of the source.
    banner: { js: Module.wrapper[0] },
    footer: { js: Module.wrapper[1] },
    plugins: [nativeAddonsInPlace, ...(bundle.command ? [onlyCommand(bundle.command)] : []), keepOwnDirname],
  });
  const sources = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.split('/').includes('node_modules')) continue;
    sources[input] = stamp(join(ROOT, input));
  }
  mkdirSync(OUT_DIR, { recursive: true });
  // Written under a private name, then renamed: concurrent starts never load half a file.
  const suffix = `.${process.pid}.tmp`;
  const code = join(OUT_DIR, `${bundle.name}.cjs`);
  const manifest = join(OUT_DIR, `${bundle.name}.json`);
  writeFileSync(code + suffix, asciiOnly(result.outputFiles[0].text), 'latin1');
  writeFileSync(manifest + suffix, JSON.stringify({ root: ROOT, installed, launcher: stamp(__filename), sources }));
  renameSync(code + suffix, code);
  renameSync(manifest + suffix, manifest);
  for (const path of codeCaches(join(OUT_DIR, `${bundle.name}.cjs.`))) unlinkSync(path);
}

/** Most code caches kept per bundle; writing another removes the oldest. */
const MAX_CODE_CACHES = 12;

/**
 * What a command line makes its bundle run, as far as start-up can tell: the command and a
 * subcommand, the kinds of location it names, in order (`s3`, `sftp`…: the AWS SDK or ssh2),
 * and whether it asks for help. `fileflow copy s3://a/b sftp://h/c --json` is `copy-s3-sftp`.
 */
function runShape(argv) {
  const args = argv.slice(2);
  const parts = [];
  /** Still among the command line's first words: the command and its subcommand. */
  let leading = true;
  for (const arg of args) {
    if (leading && parts.length < 2 && /^[a-z][a-z0-9-]*$/.test(arg)) {
      parts.push(arg);
      continue;
    }
    leading = false;
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(arg);
    if (scheme) parts.push(scheme[1].toLowerCase());
  }
  if (args.includes('--help') || args.includes('-h')) parts.push('help');
  return (parts.join('-').replace(/[^a-z0-9-]/g, '') || 'default').slice(0, 60);
}

/**
 * Runs a bundle as `require` would, from V8's code cache when there is one. The cache is made
 * when the process exits, after the command ran, so it also holds the functions that start-up
 * compiled lazily; v8-compile-cache makes it before the code runs, where it holds little more
 * than the top level, and measured no gain. Measured on `copy --help`: 0.19 → 0.14 CPU-seconds
 * and 6 MiB less RSS. The cache is named after the bundle's stamp, so a rebuilt bundle never
 * meets an older bundle's cache; V8 itself rejects a cache made under other flags.
 * (Node 22's module.enableCompileCache does the same.)
 *
 * Each shape of command line (runShape) has a cache of its own: a cache holds only what the
 * run that made it compiled, and one made by `copy --help` left a later S3 → S3 copy compiling
 * the SDK's request path at every start (1 KiB: 85-90 against 76-83 ms with its own, medians
 * of 15-20; one cache of every shape: 86). A shape's first run compiles the bundle (~40 ms)
 * and writes its cache (~8 ms).
 */
function loadBundle(file) {
  const prefix = `${file}.${stamp(file).replace(/[^0-9]/g, '-')}.`;
  const cacheFile = `${prefix}${runShape(process.argv)}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const temporary = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cacheFile);
        keepNewestCaches(prefix);
      } catch {
        // The cache only saves time; without it the next start compiles again.
      }
    });
  }
  const bundle = new Module(file, module);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(dirname(file));
  require.cache[file] = bundle;
  script.runInThisContext()(bundle.exports, Module.createRequire(file), bundle, file, dirname(file));
  bundle.loaded = true;
}

/** Paths of the code caches whose path starts with `prefix`. */
function codeCaches(prefix) {
  const dir = dirname(prefix);
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => path.startsWith(prefix) && path.endsWith('.v8cache'));
}

/** Removes the oldest of the code caches whose path starts with `prefix` beyond MAX_CODE_CACHES. */
function keepNewestCaches(prefix) {
  const caches = codeCaches(prefix)
    .map((path) => ({ path, written: statSync(path).mtimeMs }))
    .sort((a, b) => b.written - a.written);
  for (const { path } of caches.slice(MAX_CODE_CACHES)) unlinkSync(path);
}

/** Loads the bundle, building it first if needed; false if it cannot be built. */
async function run(bundle) {
  if (!bundleIsFresh(bundle)) {
    try {
      await buildBundle(bundle);
    } catch {
      return false;
    }
  }
  try {
    loadBundle(join(OUT_DIR, `${bundle.name}.cjs`));
  } catch (error) {
    // Its file name is not the command it registers: nothing has run yet, take the whole CLI.
    if (error && error.code === NOT_THAT_COMMAND) return run({ name: 'main' });
    throw error;
  }
  return true;
}

run(chooseBundle(process.argv)).then((ran) => {
  if (ran) return;
  // tsx reports whatever made esbuild fail (a syntax error) as it loads the sources.
  require('tsx/cjs');
  require(ENTRY);
});
