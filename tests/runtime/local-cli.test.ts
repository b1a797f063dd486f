import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { localEndpointsSchema, type LocalEndpoints } from '../../cli/runtime/endpoints-file';
import { serverProcesses } from '../../cli/runtime/local-runtime';
import { isRunning } from '../../cli/runtime/processes';
import { fileflow, SAMPLE_WORKFLOWS_DIR } from './helpers';

describe('fileflow local up|down and workflows put|list (command line)', function () {
  this.timeout(120_000);
  let scratch: string;
  let dir: string;
  let endpoints: LocalEndpoints;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'fileflow-local-cli-'));
    dir = join(scratch, 'local');
    const up = await fileflow('local', 'up', '--detach', '--json', '--dir', dir);
    expect(up.code, up.stderr).to.equal(0);
    endpoints = localEndpointsSchema.parse(JSON.parse(up.stdout));
  });

  after(async () => {
    // Whatever a failed spec left running, stop exactly this runtime.
    if (existsSync(join(dir, 'runtime.pid'))) await fileflow('local', 'down', '--dir', dir);
    await rm(scratch, { recursive: true, force: true });
  });

  it('GIVEN `local up --detach --json` WHEN it returns THEN endpoints.json holds what it printed: servers on loopback, users, keys, host-key fingerprints, buckets, tables', async () => {
    const written = localEndpointsSchema.parse(JSON.parse(await readFile(join(dir, 'endpoints.json'), 'utf8')));
    expect(written).to.deep.equal(endpoints);
    expect(endpoints.dir).to.equal(dir);
    expect(endpoints.s3.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.s3.buckets).to.deep.equal({
      landing: 'fileflow-local-landing',
      targets: 'fileflow-local-targets',
    });
    expect(endpoints.dynamodb.tables.fileTransferStatus).to.equal('fileflow-local-file-transfer-status');
    expect(Object.keys(endpoints.dynamodb.tables)).to.have.length(6);
    for (const name of ['source', 'target'] as const) {
      const server = endpoints.sftp[name];
      expect(server.host).to.equal('127.0.0.1');
      expect(server.hostKeyFingerprint).to.match(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(server.knownHostsLine).to.match(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${server.port} ssh-ed25519 `));
      expect(existsSync(server.privateKeyFile), server.privateKeyFile).to.equal(true);
      expect(existsSync(server.root), server.root).to.equal(true);
    }
    expect(endpoints.sftp.source.port).to.not.equal(endpoints.sftp.target.port);
    expect(endpoints.sftp.source.hostKeyFingerprint).to.not.equal(endpoints.sftp.target.hostKeyFingerprint);
    expect(isRunning(endpoints.runtimePid, 'node')).to.equal(true);
    for (const server of serverProcesses(endpoints))
      expect(isRunning(server.pid, server.marker), server.name).to.equal(true);
  });

  it('GIVEN a running runtime WHEN `local status --json` asks THEN every component is reported running', async () => {
    const status = await fileflow('local', 'status', '--json', '--dir', dir);
    expect(status.code, status.stderr).to.equal(0);
    const components = (JSON.parse(status.stdout) as { components: { component: string; running: boolean }[] })
      .components;
    expect(components.map((c) => c.component)).to.deep.equal([
      'runtime',
      's3',
      'dynamodb',
      'sftp source',
      'sftp target',
    ]);
    expect(components.every((c) => c.running)).to.equal(true);
  });

  it('GIVEN a workflow file with mistakes WHEN `workflows put --local` reads it THEN it is refused with the JSON path of each mistake and nothing is stored', async () => {
    const bad = join(scratch, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        id: 'bad workflow',
        source: { type: 's3', bucket: 'fileflow-local-landing' },
        targets: [
          {
            id: 'x',
            type: 'sftp',
            host: '127.0.0.1',
            username: 'u',
            credentials: {},
            hostKeyFingerprints: [],
            directory: 'd',
          },
        ],
        validationRegex: '(',
        maxRetries: 99,
        retries: 1,
      }),
    );
    const good = join(SAMPLE_WORKFLOWS_DIR, 's3-to-s3.json');

    const put = await fileflow('workflows', 'put', '--local', '--local-dir', dir, good, bad);

    expect(put.code).to.equal(1);
    const lines = put.stderr.trim().split('\n');
    for (const path of [
      '$.id',
      '$.targets[0].credentials',
      '$.targets[0].hostKeyFingerprints',
      '$.validationRegex',
      '$.maxRetries',
      '$.retries',
    ]) {
      expect(
        lines.some((line) => line.startsWith(`${bad}: ${path}: `)),
        `${path} in\n${put.stderr}`,
      ).to.equal(true);
    }
    expect(
      lines.some((line) => line.startsWith(good)),
      'the good file has no problem',
    ).to.equal(false);
    const list = await fileflow('workflows', 'list', '--local', '--local-dir', dir, '--json');
    expect(JSON.parse(list.stdout)).to.deep.equal([]);
  });

  it('GIVEN the sample workflows WHEN `workflows put --local` stores them THEN `workflows list` shows all five with local: placeholders resolved from endpoints.json', async () => {
    const files = (await readdir(SAMPLE_WORKFLOWS_DIR))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(SAMPLE_WORKFLOWS_DIR, f));

    const put = await fileflow('workflows', 'put', '--local', '--local-dir', dir, ...files);
    expect(put.code, put.stderr).to.equal(0);
    expect(put.stdout).to.contain('hooli-fan-out');

    const list = await fileflow('workflows', 'list', '--local', '--local-dir', dir, '--json');
    expect(list.code, list.stderr).to.equal(0);
    const stored = JSON.parse(list.stdout) as { definition: { id: string; targets: Record<string, unknown>[] } }[];
    expect(stored.map((w) => w.definition.id)).to.deep.equal([
      'acme-s3-to-s3',
      'globex-s3-to-sftp',
      'hooli-fan-out',
      'initech-sftp-to-s3',
      'umbrella-sftp-to-sftp',
    ]);
    const partner = stored.find((w) => w.definition.id === 'hooli-fan-out')!.definition.targets[1]!;
    const target = endpoints.sftp.target;
    expect(partner).to.include({ host: target.host, port: target.port, username: target.username });
    expect(partner.credentials).to.deep.equal({ privateKeyFile: target.privateKeyFile });
    expect(partner.hostKeyFingerprints).to.deep.equal([target.hostKeyFingerprint]);
    expect(partner.directory).to.equal(join(target.root, 'deliveries/hooli'));
  });

  it('GIVEN a sample with a local: placeholder WHEN it is put against AWS THEN it is refused before any AWS call, naming the placeholder by its JSON path', async () => {
    const put = await fileflow(
      'workflows',
      'put',
      '--prefix',
      'fileflow-dev',
      join(SAMPLE_WORKFLOWS_DIR, 's3-to-sftp.json'),
    );
    expect(put.code).to.equal(1);
    expect(put.stderr).to.contain('s3-to-sftp.json: $.targets[0].credentials.privateKeyFile: a local: placeholder');
  });

  it('GIVEN no --prefix and no $FILEFLOW_NAME_PREFIX WHEN `workflows list` targets AWS THEN it fails with one line naming both', async () => {
    const env = process.env.FILEFLOW_NAME_PREFIX;
    delete process.env.FILEFLOW_NAME_PREFIX;
    try {
      const list = await fileflow('workflows', 'list');
      expect(list.code).to.equal(1);
      expect(list.stderr.trim().split('\n')).to.have.length(1);
      expect(list.stderr).to.match(/^UsageError: .*--prefix.*FILEFLOW_NAME_PREFIX/);
    } finally {
      if (env !== undefined) process.env.FILEFLOW_NAME_PREFIX = env;
    }
  });

  it('GIVEN the running runtime WHEN `local down` stops it THEN no process it started is left and only its pid file and endpoints.json are removed', async () => {
    const pids = [
      { name: 'runtime', pid: endpoints.runtimePid, marker: 'node' },
      ...serverProcesses(endpoints).map(({ name, pid, marker }) => ({ name, pid, marker })),
    ];
    const before = (await readdir(dir)).sort();

    const down = await fileflow('local', 'down', '--dir', dir, '--json');

    expect(down.code, down.stderr).to.equal(0);
    for (const { name, pid, marker } of pids) expect(isRunning(pid, marker), `${name} (${pid})`).to.equal(false);
    const after = (await readdir(dir)).sort();
    expect(after).to.deep.equal(before.filter((f) => f !== 'endpoints.json' && f !== 'runtime.pid'));
    const again = await fileflow('local', 'down', '--dir', dir);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.contain('no local runtime');
  });
});

describe('fileflow local down after the runtime died (command line)', function () {
  this.timeout(120_000);

  it('GIVEN a detached runtime killed with SIGKILL WHEN `local down` runs THEN it stops each server recorded in endpoints.json, and nothing else', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'fileflow-local-kill-'));
    const dir = join(scratch, 'local');
    try {
      const up = await fileflow('local', 'up', '--detach', '--json', '--dir', dir);
      expect(up.code, up.stderr).to.equal(0);
      const endpoints = localEndpointsSchema.parse(JSON.parse(up.stdout));
      process.kill(endpoints.runtimePid, 'SIGKILL');
      const servers = serverProcesses(endpoints);
      for (const server of servers)
        expect(isRunning(server.pid, server.marker), `${server.name} outlives the runtime`).to.equal(true);

      const down = await fileflow('local', 'down', '--dir', dir, '--json');

      expect(down.code, down.stderr).to.equal(0);
      const stopped = (JSON.parse(down.stdout) as { stopped: { name: string }[] }).stopped.map((s) => s.name);
      expect(stopped).to.have.members(['s3', 'sftp source', 'sftp target']);
      for (const server of servers) expect(isRunning(server.pid, server.marker), server.name).to.equal(false);
      expect(existsSync(join(dir, 'endpoints.json'))).to.equal(false);
    } finally {
      if (existsSync(join(dir, 'endpoints.json'))) await fileflow('local', 'down', '--dir', dir);
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
