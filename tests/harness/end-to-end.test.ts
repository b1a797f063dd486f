import { expect } from 'chai';
import type { RunRecord } from '../../functions/core/harness/record';
import { fileflow, useLocalRuntime } from './runtime-support';

const POSITIVE_FLOWS = ['s3-fan-out', 's3-to-s3', 's3-to-sftp', 'sftp-to-s3', 'sftp-to-sftp'];

describe('GIVEN the local runtime, the shipped sample flows and workflows, and a broken flow config among them', function () {
  this.timeout(240_000);
  const world = useLocalRuntime();
  let run: Awaited<ReturnType<typeof fileflow>>;
  let records: RunRecord[];

  before(async () => {
    await world.addConfig('flows/broken-flow.json', JSON.stringify({ flow_id: 'broken-flow', source: { s3: {} } }));
    const local = ['--local', '--local-dir', world.localDir];
    run = await fileflow('flows', 'run', ...local, '--config-dir', world.configDir);
    await world.runtime.idle();
    const today = new Date().toISOString().slice(0, 10);
    const results = await fileflow('results', ...local, '--date', today, '--json');
    records = JSON.parse(results.stdout) as RunRecord[];
  });

  const recordOf = (flowId: string) => records.find((record) => record.flow_id === flowId)!;
  /** The executions of the runtime's transfer workflow that moved `name`. */
  const transfersOf = (name: string) =>
    world.runtime.executions.filter((execution) => JSON.stringify(execution.input).includes(name));

  describe('WHEN `fileflow flows run --local` runs every enabled flow through the real pipeline', () => {
    it('THEN S3→S3, S3→SFTP, SFTP→S3 (pull), SFTP→SFTP (event) and the fan-out pass, every arrival hashing to its manifest', () => {
      for (const flowId of POSITIVE_FLOWS) {
        const record = recordOf(flowId);
        expect(record, flowId).to.include({ outcome: 'SUCCESS', reason: null, outcome_matches_expectation: true });
        const targets = flowId === 's3-fan-out' ? 2 : 1;
        expect(record.arrived, flowId).to.have.length(record.files.length * targets);
        for (const arrived of record.arrived) {
          expect(
            record.files.map((file) => file.sha256),
            `${flowId} ${arrived.target}`,
          ).to.include(arrived.sha256);
        }
      }
      expect(recordOf('s3-fan-out').arrived.map((arrived) => arrived.target.split(':')[0])).to.have.members([
        's3',
        'sftp',
      ]);
    });

    it('THEN each seeded file started exactly one transfer, which delivered it; no sidecar travelled', () => {
      const seeded = POSITIVE_FLOWS.flatMap((flowId) => recordOf(flowId).files.map((file) => file.name));
      expect(seeded).to.have.length(6); // s3-to-s3 seeds two sizes
      for (const name of seeded) {
        const transfers = transfersOf(name);
        expect(transfers, name).to.have.length(1);
        expect(transfers[0]!.status, transfers[0]!.error).to.equal('SUCCEEDED');
      }
      expect(world.runtime.executions).to.have.length(seeded.length);
      const sidecars = world.runtime.executions.filter((e) =>
        /\.sha256|\.manifest\.json/.test(JSON.stringify(e.input)),
      );
      expect(sidecars).to.have.length(0);
      expect(world.runtime.deadLetters).to.have.length(0);
    });

    it('THEN the wrong-key flow is refused at Preflight with AUTH_FAILED, which it expects, so it passes', () => {
      expect(recordOf('sftp-wrong-key')).to.include({
        outcome: 'FAILURE',
        reason: 'AUTH_FAILED',
        failed_step: 'Preflight',
        outcome_matches_expectation: true,
      });
    });

    it('THEN the broken config is recorded as CONFIG_INVALID while every other flow ran', () => {
      expect(recordOf('broken-flow')).to.include({ outcome: 'FAILURE', reason: 'CONFIG_INVALID' });
      expect(recordOf('broken-flow').reason_detail).to.contain('$.source.s3');
      expect(records.map((record) => record.flow_id)).to.have.members([
        ...POSITIVE_FLOWS,
        'sftp-wrong-key',
        'broken-flow',
      ]);
    });

    it('THEN the table shows one verdict per flow, one aggregated alert names the broken flow, and the exit code is 1', () => {
      const rows = run.stdout.split('\n').filter((line) => /^(s3-|sftp-|broken-)/.test(line));
      expect(rows).to.have.length(7);
      expect(rows.filter((row) => /^\S+\s+PASS\s/.test(row))).to.have.length(6);
      expect(run.stderr).to.match(/synced .* 8 flow\(s\), 2 group\(s\), 5 workflow\(s\)/);
      expect(run.stderr.match(/^ALERT /gm)).to.have.length(1);
      expect(run.stderr).to.match(/ALERT fileflow: 1 of 7 flow test\(s\) failed/);
      expect(run.stderr).to.contain('broken-flow');
      expect(run.exitCode).to.equal(1);
    });
  });
});
