import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RunRecord } from '../../functions/core/harness/record';
import { fileflow, useLocalRuntime } from './runtime-support';

const KEY_PLACEHOLDER_FP = 'SHA256:LocalRuntimeFillsThisInFromEndpointsJson000';

/** An SFTP endpoint on the runtime's `source` server, by placeholder. */
function localSource(directory: string, key = 'local:source'): Record<string, unknown> {
  return {
    sftp: {
      host: 'local:source',
      username: 'fileflow',
      credentials: { private_key_file: key },
      host_key: { fingerprints: [KEY_PLACEHOLDER_FP] },
      directory,
    },
  };
}

/** A flow config whose verdict needs no transfer; override any part. */
function cliFlow(flowId: string, source: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    flow_id: flowId,
    source,
    target: { s3: { bucket: 'fileflow-local-targets', prefix: `cli/${flowId}/` } },
    transfer: { mode: 'invoke', function_name: 'fileflow-transfer', payload: {} },
    validation: { expect_within_seconds: 30 },
    testdata: { size_bytes: 4096 },
    ...overrides,
  };
}

describe('GIVEN a running local runtime and a config directory of flows that need no transfer', function () {
  this.timeout(120_000);
  const world = useLocalRuntime();
  let localDir: string;
  let configDir: string;
  const today = new Date().toISOString().slice(0, 10);

  before(async () => {
    localDir = world.localDir;
    // Two expected failures, and an invoke flow, which has no Lambda locally.
    configDir = join(world.localDir, '..', 'cli-config');
    await mkdir(join(configDir, 'flows'), { recursive: true });
    const flows = [
      cliFlow('neg-wrong-key', localSource('/outbox/initech', 'local:target'), {
        expect: { outcome: 'FAILURE', reason: 'AUTH_FAILED' },
      }),
      cliFlow('neg-missing-dir', localSource('/cli/missing'), { expect: { outcome: 'FAILURE', reason: 'NOT_FOUND' } }),
      cliFlow('needs-lambda', { s3: { bucket: 'fileflow-local-targets', prefix: 'cli/z/' } }),
    ];
    for (const flow of flows) {
      await writeFile(join(configDir, 'flows', `${String(flow.flow_id)}.json`), JSON.stringify(flow));
    }
  });

  describe('WHEN `fileflow flows run --local` runs every flow', () => {
    let run: Awaited<ReturnType<typeof fileflow>>;
    before(async () => {
      run = await fileflow('flows', 'run', '--local', '--local-dir', localDir, '--config-dir', configDir);
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
