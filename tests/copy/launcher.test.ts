import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const REPO_ROOT = resolve(__dirname, '../..');

describe('the fileflow command launcher', function () {
  this.timeout(120_000);
  let root: string;

  // A checkout of its own, sharing the sources and packages, so its bundles are built here.
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fileflow-launcher-'));
    await mkdir(join(root, 'bin'));
    await copyFile(join(REPO_ROOT, 'bin/fileflow.cjs'), join(root, 'bin/fileflow.cjs'));
    for (const shared of ['cli', 'functions', 'asl', 'modules', 'environments', 'node_modules', 'package.json']) {
      await symlink(join(REPO_ROOT, shared), join(root, shared));
    }
  });
  after(() => rm(root, { recursive: true, force: true }));

  const copyHelp = () => run(process.execPath, [join(root, 'bin/fileflow.cjs'), 'copy', '--help']);
  const bundle = () => join(root, '.gen/cli/command-copy.cjs');

  it('GIVEN a copy command WHEN it first runs THEN ssh2 is in its bundle and every native add-on is required from where npm installed it', async () => {
    const { stdout } = await copyHelp();

    expect(stdout).to.include('Usage: fileflow copy');
    const code = readFileSync(bundle(), 'utf8');
    expect(code).not.to.match(/require\("ssh2"\)/);
    const addons = [...code.matchAll(/require\("([^"]+\.node)"\)/g)].map((match) => match[1]!);
    expect(addons.some((addon) => addon.endsWith('/sshcrypto.node'))).to.equal(true);
    for (const addon of addons) {
      expect(isAbsolute(addon), addon).to.equal(true);
      expect(existsSync(addon), addon).to.equal(true);
    }
  });

  it('GIVEN a checkout whose sources are symbolic links WHEN a copy command first runs THEN its bundle holds the copy command alone', async () => {
    await copyHelp();

    const code = readFileSync(bundle(), 'utf8');
    expect(code).to.match(/^\/\/ .*cli\/commands\/copy\.ts$/m);
    expect(code).not.to.match(/^\/\/ .*cli\/commands\/(?!(?:copy|index)\.ts$)[a-z-]+\.ts$/m);
  });

  it('GIVEN a copy command WHEN it first runs THEN its bundle leaves out the full zod build (every locale, JSON Schema), ~10 ms of every start', async () => {
    await copyHelp();

    const code = readFileSync(bundle(), 'utf8');
    expect(code).to.match(/^\/\/ .*node_modules\/zod\/v4\/mini\//m);
    expect(code).not.to.match(/^\/\/ .*node_modules\/zod\/v4\/classic\//m);
  });

  it('GIVEN a copy command WHEN it first runs THEN its bundle is ASCII only and holds the AWS SDK as ES modules, so start-up copies neither the source nor module exports', async () => {
    await copyHelp();

    const bytes = readFileSync(bundle());
    expect(bytes.findIndex((byte) => byte > 0x7f)).to.equal(-1);
    const code = bytes.toString('latin1');
    expect(code).to.match(/^\/\/ .*node_modules\/@aws-sdk\/client-s3\/dist-es\//m);
    expect(code).not.to.match(/^\/\/ .*node_modules\/@aws-sdk\/client-s3\/dist-cjs\//m);
  });

  it('GIVEN a built bundle WHEN the launcher itself changes THEN the next command rebuilds the bundle instead of running the old one', async () => {
    await copyHelp();
    const built = statSync(bundle()).mtimeMs;
    const later = new Date(Date.now() + 5_000);
    await utimes(join(root, 'bin/fileflow.cjs'), later, later);

    await copyHelp();

    expect(statSync(bundle()).mtimeMs).to.be.greaterThan(built);
  });

  it('GIVEN a built bundle WHEN the checkout is moved to another folder THEN the next command rebuilds it, since a bundle holds absolute paths', async () => {
    await copyHelp();
    const built = statSync(bundle()).mtimeMs;
    const moved = `${root}-moved`;
    await rename(root, moved);
    try {
      const { stdout } = await run(process.execPath, [join(moved, 'bin/fileflow.cjs'), 'copy', '--help']);

      expect(stdout).to.include('Usage: fileflow copy');
      expect(statSync(join(moved, '.gen/cli/command-copy.cjs')).mtimeMs).to.be.greaterThan(built);
    } finally {
      await rename(moved, root);
    }
  });

  it('GIVEN the installed command WHEN it runs THEN it prints no warning of its own start-up, deprecation or other', async () => {
    const { stdout, stderr } = await run(join(root, 'bin/fileflow.cjs'), ['copy', '--help'], {
      env: { ...process.env, NODE_OPTIONS: '' },
    });

    expect(stdout).to.include('Usage: fileflow copy');
    expect(stderr).to.equal('');
  });

  it('GIVEN a Node that no longer exposes the flag binding WHEN the installed command runs THEN it sets the flags through node:v8 and runs as before', async () => {
    const probe = join(root, 'no-binding.cjs');
    await writeFile(
      probe,
      `process.binding = () => { throw new Error('No such module'); };
      const v8 = require('node:v8');
      const set = v8.setFlagsFromString;
      v8.setFlagsFromString = (flags) => { process.stderr.write('NODE_V8 ' + flags + '\\n'); set(flags); };`,
    );
    const { stdout, stderr } = await run(join(root, 'bin/fileflow.cjs'), ['copy', '--help'], {
      env: { ...process.env, NODE_OPTIONS: `--require ${probe}` },
    });

    expect(stdout).to.include('Usage: fileflow copy');
    expect(stderr.trim().split('\n')).to.deep.equal([
      'NODE_V8 --max-semi-space-size=0',
      'NODE_V8 --initial-old-space-size=0',
    ]);
  });

  it('GIVEN a copy run first for its help WHEN copies between other kinds of location run THEN each kind of command line gets a code cache of its own, and the help keeps its own', async () => {
    const caches = () => readdirSync(join(root, '.gen/cli')).filter((name) => name.endsWith('.v8cache'));
    await copyHelp();
    const [help] = caches();
    expect(help).to.match(/^command-copy\.cjs\.[0-9-]+\.copy-help\.v8cache$/);
    const helpWritten = statSync(join(root, '.gen/cli', help!)).mtimeMs;

    // Refused for want of a key, after the bundle has run: enough to make a cache.
    for (const target of ['sftp://user@127.0.0.1:1/a.bin', 's3://bucket/b.bin']) {
      await run(process.execPath, [join(root, 'bin/fileflow.cjs'), 'copy', 's3://bucket/a.bin', target]).catch(
        () => undefined,
      );
    }

    expect(caches().map((name) => name.split('.').at(-2))).to.have.members(['copy-help', 'copy-s3-sftp', 'copy-s3-s3']);
    expect(statSync(join(root, '.gen/cli', help!)).mtimeMs).to.equal(helpWritten);
  });

  it('GIVEN many kinds of command line WHEN each has run THEN only the newest twelve code caches of a bundle are kept', async () => {
    for (let kind = 1; kind <= 14; kind++) {
      await run(process.execPath, [
        join(root, 'bin/fileflow.cjs'),
        'copy',
        `kind${kind}://a/b`,
        's3://bucket/b.bin',
      ]).catch(() => undefined);
    }

    const kinds = readdirSync(join(root, '.gen/cli'))
      .filter((name) => name.startsWith('command-copy.cjs.') && name.endsWith('.v8cache'))
      .map((name) => name.split('.').at(-2));
    expect(kinds).to.have.lengthOf(12);
    expect(kinds).to.include.members(['copy-kind13-s3', 'copy-kind14-s3']);
  });

  it('GIVEN the installed command WHEN it runs THEN V8 keeps its young generation at 2 MiB semi-spaces, so a copy frees dead buffers sooner', async () => {
    // Measured at exit, after enough survivors to make V8 grow the young generation as far as it may.
    const probe = join(root, 'young-generation.cjs');
    await writeFile(
      probe,
      `process.on('exit', () => {
        const keep = [];
        for (let i = 0; i < 400000; i++) keep.push({ i });
        const space = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
        process.stderr.write('NEW_SPACE ' + space.space_size + '\\n');
      });`,
    );
    const { stderr } = await run(join(REPO_ROOT, 'bin/fileflow.cjs'), ['copy', '--help'], {
      env: { ...process.env, NODE_OPTIONS: `--require ${probe}` },
    });

    const newSpace = Number(/NEW_SPACE (\d+)/.exec(stderr)?.[1]);
    expect(newSpace)
      .to.be.greaterThan(0)
      .and.at.most(2 * 2 * 1024 * 1024);
  });

  it('GIVEN the installed command WHEN it runs THEN V8 starts with a 64 MB old-generation floor, so a streamed copy does not fall into runs of full collections', async () => {
    // V8 keeps no readable trace of the floor once the launcher resets the flag: the flags it started with are the evidence.
    const probe = join(root, 'node-flags.cjs');
    await writeFile(probe, `process.stderr.write('FLAGS ' + JSON.stringify(process.execArgv) + '\\n');`);
    const { stderr } = await run(join(REPO_ROOT, 'bin/fileflow.cjs'), ['copy', '--help'], {
      env: { ...process.env, NODE_OPTIONS: `--require ${probe}` },
    });

    const flags = JSON.parse(/FLAGS (.*)/.exec(stderr)?.[1] ?? '[]') as string[];
    expect(flags).to.include('--initial-old-space-size=64');
  });
});
