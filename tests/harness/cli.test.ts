import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { Command } from 'commander';
import sinon from 'sinon';
import { S3RVER_CREDENTIALS } from '../../cli/local/s3-server';
import { register as registerFlows } from '../../cli/commands/flows';
import { register as registerHarness } from '../../cli/commands/harness';
import type { RunRecord } from '../../functions/core/harness/record';
import { LANDING_BUCKET, flowConfig, s3, useHarnessWorld } from './support';

/** Runs `fileflow <args>` in-process; returns stdout, stderr and the exit code. */
async function fileflow(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const program = new Command('fileflow').exitOverride();
  registerFlows(program);
  registerHarness(program);
  const out: string[] = [];
  const err: string[] = [];
  const stdout = sinon.stub(process.stdout, 'write').callsFake((chunk) => (out.push(String(chunk)), true));
  const stderr = sinon.stub(process.stderr, 'write').callsFake((chunk) => (err.push(String(chunk)), true));
  try {
    process.exitCode = 0;
    await program.parseAsync(['node', 'fileflow', ...args]);
    return { stdout: out.join(''), stderr: err.join(''), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    stdout.restore();
    stderr.restore();
    process.exitCode = 0;
  }
}

describe('GIVEN a local runtime directory whose endpoints.json names the S3 server', function () {
  this.timeout(30_000);
  const world = useHarnessWorld();
  let localDir: string;
  const today = new Date().toISOString().slice(0, 10);

  before(async () => {
    localDir = join(world.servers.dir, 'runtime');
    await mkdir(localDir, { recursive: true });
    await writeFile(
      join(localDir, 'endpoints.json'),
      JSON.stringify({ s3: { endpoint: world.servers.s3.endpoint, ...S3RVER_CREDENTIALS } }),
    );
    // Flows whose verdict needs no pipeline: two expected failures, and an invoke flow with no Lambda locally.
    await world.pushFlow(
      flowConfig('neg-wrong-key', await world.sftp('cli/outbox', world.unauthorizedKey), s3(LANDING_BUCKET, 'x/'), {
        expect: { outcome: 'FAILURE', reason: 'AUTH_FAILED' },
      }),
    );
    const missing = await world.sftp('cli/exists');
    missing.sftp!.directory = join(world.servers.sftpRoot, 'cli/missing');
    await world.pushFlow(
      flowConfig('neg-missing-dir', missing, s3(LANDING_BUCKET, 'y/'), {
        expect: { outcome: 'FAILURE', reason: 'NOT_FOUND' },
      }),
    );
    await world.pushFlow(flowConfig('needs-lambda', s3(LANDING_BUCKET, 'z/'), s3(LANDING_BUCKET, 'z-out/')));
  });

  describe('WHEN `fileflow flows run --local` runs every flow', () => {
    let run: Awaited<ReturnType<typeof fileflow>>;
    before(async () => {
      run = await fileflow('flows', 'run', '--local', '--local-dir', localDir, '--bucket', 'fileflow-harness-config');
    });

    it('THEN it prints one verdict row per flow: expected failures PASS, the untriggerable flow FAILs', () => {
      const rows = run.stdout.split('\n').filter((line) => /^(neg|needs)/.test(line));
      expect(rows).to.have.length(3);
      expect(rows.find((row) => row.startsWith('neg-wrong-key'))).to.match(
        /PASS\s+FAILURE AUTH_FAILED\s+FAILURE AUTH_FAILED\s+Preflight/,
      );
      expect(rows.find((row) => row.startsWith('neg-missing-dir'))).to.match(/PASS\s+FAILURE NOT_FOUND/);
      expect(rows.find((row) => row.startsWith('needs-lambda'))).to.match(
        /FAIL\s+FAILURE UNKNOWN\s+SUCCESS\s+InvokeTransfer/,
      );
    });

    it('THEN it shows progress per step and the aggregated alert on stderr', () => {
      expect(run.stderr).to.contain('needs-lambda: Preflight ok');
      expect(run.stderr).to.contain('needs-lambda: InvokeTransfer FAILED TriggerUnavailableError');
      expect(run.stderr).to.match(/ALERT fileflow: 1 of 3 flow test\(s\) failed/);
    });

    it('THEN it exits non-zero because a flow missed its expectation', () => {
      expect(run.exitCode).to.equal(1);
    });
  });

  describe('WHEN `fileflow results --local --json` reads the day', () => {
    it('THEN it returns the run.json of every flow that ran', async () => {
      const { stdout, exitCode } = await fileflow(
        'results',
        '--local',
        '--local-dir',
        localDir,
        '--bucket',
        'fileflow-harness-config',
        '--date',
        today,
        '--json',
      );
      expect(exitCode).to.equal(0);
      const records = JSON.parse(stdout) as RunRecord[];
      expect(records.map((record) => record.flow_id)).to.include.members([
        'neg-wrong-key',
        'neg-missing-dir',
        'needs-lambda',
      ]);
    });

    it('THEN --flow narrows the table to that flow', async () => {
      const { stdout } = await fileflow(
        'results',
        '--local',
        '--local-dir',
        localDir,
        '--bucket',
        'fileflow-harness-config',
        '--date',
        today,
        '--flow',
        'neg-wrong-key',
      );
      const rows = stdout.split('\n').filter((line) => /^neg|^needs/.test(line));
      expect(rows).to.have.length(1);
      expect(rows[0]).to.match(/^neg-wrong-key\s+PASS/);
    });
  });

  describe('WHEN no local runtime is up', () => {
    it('THEN `flows run --local` says how to start one and exits 2', async () => {
      const { stderr, exitCode } = await fileflow('flows', 'run', '--local', '--local-dir', join(localDir, 'nowhere'));
      expect(stderr).to.contain('fileflow local up');
      expect(exitCode).to.equal(2);
    });
  });
});
