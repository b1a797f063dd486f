import { GetObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { runLocally, type JsonValue } from '../../asl';
import { buildHarnessDefinition, createLocalHarnessHandlers, localHarnessResources } from '../../asl/workflows/harness';
import type { RecordedRun, RunRecord } from '../../functions/core/harness/record';
import { CONFIG_BUCKET, LANDING_BUCKET, PARTNER_BUCKET, flowConfig, s3, useHarnessWorld } from './support';

interface Summary {
  batch_id: string;
  date: string;
  results: RecordedRun[];
  alert: { failures: number; alerted: boolean };
}

describe('GIVEN flows in all four directions, a negative flow and a broken config in the config bucket', function () {
  this.timeout(60_000);
  const world = useHarnessWorld();

  before(async () => {
    await world.pushFlow(
      flowConfig('s3-to-s3', s3(LANDING_BUCKET, 'inbound/acme/'), s3(PARTNER_BUCKET, 'acme/inbox/'), {
        transfer: { mode: 'event' },
        testdata: { sizes: [4096, 300_000], pattern: 'csv' },
      }),
    );
    await world.pushFlow(
      flowConfig('s3-to-sftp', s3(LANDING_BUCKET, 'outbound/globex/'), await world.sftp('globex/inbox'), {
        testdata: { size_bytes: 262_144, pattern: 'random' },
        validation: { expect_within_seconds: 60, post_arrival_wait_seconds: 1 },
      }),
    );
    await world.pushFlow(
      flowConfig('sftp-to-s3', await world.sftp('acme/outbox'), s3(PARTNER_BUCKET, 'acme-sftp/'), {
        transfer: { mode: 'pull', workflow_id: 'acme-sftp-pull' },
        testdata: { size_bytes: 100_000, pattern: 'jsonl' },
      }),
    );
    await world.pushFlow(
      flowConfig('sftp-to-sftp', await world.sftp('acme/relay'), await world.sftp('globex/from-acme'), {
        transfer: { mode: 'pull', workflow_id: 'acme-to-globex' },
        testdata: { size_bytes: 50_000, pattern: 'fixedwidth' },
      }),
    );
    await world.pushFlow(
      flowConfig('sftp-wrong-key', await world.sftp('acme/outbox', world.unauthorizedKey), s3(PARTNER_BUCKET, 'neg/'), {
        transfer: { mode: 'pull', workflow_id: 'nobody' },
        expect: { outcome: 'FAILURE', reason: 'AUTH_FAILED' },
      }),
    );
    await world.pushRaw(
      'config/flows/broken-flow.json',
      JSON.stringify({ flow_id: 'broken-flow', source: { s3: {} } }),
    );
  });

  async function runHarness(input: JsonValue): Promise<Summary> {
    const handlers = createLocalHarnessHandlers(world.deps());
    // The stand-in pipeline reacts to seeding of `event` flows, as the S3 event would.
    const seed = handlers.SeedSource;
    handlers.SeedSource = async (event) => {
      const seeded = await seed(event);
      await world.pipeline.seeded((event as { item: { flow_id: string } }).item.flow_id);
      return seeded;
    };
    const definition = buildHarnessDefinition(localHarnessResources(CONFIG_BUCKET)).toAsl();
    return (await runLocally(definition, input, { handlers })) as unknown as Summary;
  }

  async function runJson(key: string): Promise<RunRecord> {
    const object = await world.servers.s3Client.send(new GetObjectCommand({ Bucket: CONFIG_BUCKET, Key: key }));
    return JSON.parse(await object.Body!.transformToString()) as RunRecord;
  }

  describe('WHEN the harness workflow runs every flow locally', () => {
    let summary: Summary;
    before(async () => {
      summary = await runHarness({});
    });

    it('THEN every direction passes with its files arrived intact', async () => {
      const byFlow = Object.fromEntries(summary.results.map((result) => [result.flow_id, result]));
      for (const flowId of ['s3-to-s3', 's3-to-sftp', 'sftp-to-s3', 'sftp-to-sftp']) {
        expect(byFlow[flowId], flowId).to.include({
          outcome: 'SUCCESS',
          reason: null,
          outcome_matches_expectation: true,
        });
        const record = await runJson(byFlow[flowId]!.result_key);
        expect(record.arrived.map((a) => a.sha256)).to.deep.equal(record.files.map((f) => f.sha256));
      }
    });

    it('THEN the wrong-key flow fails at Preflight with AUTH_FAILED, which it expects, so it passes', () => {
      const negative = summary.results.find((result) => result.flow_id === 'sftp-wrong-key');
      expect(negative).to.include({
        outcome: 'FAILURE',
        reason: 'AUTH_FAILED',
        failed_step: 'Preflight',
        outcome_matches_expectation: true,
      });
    });

    it('THEN the broken config is recorded as CONFIG_INVALID and the other flows still ran', () => {
      const broken = summary.results.find((result) => result.flow_id === 'broken-flow');
      expect(broken).to.include({ outcome: 'FAILURE', reason: 'CONFIG_INVALID', outcome_matches_expectation: false });
      expect(summary.results).to.have.length(6);
    });

    it('THEN exactly one alert names the one failing flow', () => {
      expect(world.alerts).to.have.length(1);
      expect(world.alerts[0]!.subject).to.contain('1 of 6');
      expect(world.alerts[0]!.message).to.contain('broken-flow').and.not.contain('s3-to-s3');
      expect(summary.alert).to.deep.equal({ failures: 1, alerted: true });
    });

    it('THEN RunSuccess and TransferLatencySeconds are recorded per flow', () => {
      const s3ToS3 = world.metrics.runs.find((run) => run.flowId === 's3-to-s3');
      expect(s3ToS3?.runSuccess).to.equal(1);
      expect(s3ToS3?.latencySeconds).to.be.a('number');
      expect(world.metrics.runs.find((run) => run.flowId === 'broken-flow')?.runSuccess).to.equal(0);
    });
  });
});
