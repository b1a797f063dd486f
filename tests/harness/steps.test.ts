import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { Flow } from '../../functions/core/flows/schema';
import { listEnabledTests, loadFlowSnapshot } from '../../functions/core/harness/list';
import type { FlowRun, PollState, StagedFile, TransferStarted } from '../../functions/core/harness/model';
import { runHarnessStep } from '../../functions/core/harness/steps';
import { RunRecord, type RecordedRun } from '../../functions/core/harness/record';
import { glueColumns } from '../../functions/core/analytics/glue-types';
import { CONFIG_BUCKET, LANDING_BUCKET, PARTNER_BUCKET, flowConfig, s3, useHarnessWorld } from './support';

/** Rejection of a promise, or a failed test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => expect.fail('the step should fail'),
    (error: Error) => error,
  );
}

describe('GIVEN the harness steps on a real s3rver and sshd', function () {
  this.timeout(30_000);
  const world = useHarnessWorld();
  const text = async (bucket: string, key: string) =>
    (await world.servers.s3Client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

  before(async () => {
    await world.pushFlow(flowConfig('s3-alpha', s3(LANDING_BUCKET, 'alpha/'), s3(PARTNER_BUCKET, 'alpha/')));
    await world.pushFlow(flowConfig('s3-beta', s3(LANDING_BUCKET, 'beta/'), s3(PARTNER_BUCKET, 'beta/')));
    await world.pushFlow({
      ...flowConfig('s3-off', s3(LANDING_BUCKET, 'off/'), s3(PARTNER_BUCKET, 'off/')),
      enabled: false,
    });
    await world.pushFlow(
      flowConfig('sftp-gamma', await world.sftp('gamma/out'), await world.sftp('gamma/in'), {
        testdata: { sizes: [1000, 70_000], pattern: 'jsonl' },
      }),
    );
    await world.pushRaw(
      'config/groups/canary.json',
      JSON.stringify({ name: 'canary', flow_ids: ['s3-beta', 'sftp-gamma'] }),
    );
  });

  /** Lists the flows the way the workflow's first state does and returns the run of `flowId`. */
  async function runOf(flowId: string, seed?: string): Promise<FlowRun> {
    const listed = await listEnabledTests({ flow_ids: [flowId], seed }, world.deps());
    return listed.runs[0]!;
  }

  describe('WHEN ListEnabledTests runs', () => {
    it('THEN every enabled flow is listed with a config snapshot pointer, disabled ones are skipped', async () => {
      const listed = await listEnabledTests({}, world.deps());
      expect(listed.runs.map((run) => run.flow_id)).to.deep.equal(['s3-alpha', 's3-beta', 'sftp-gamma']);
      const snapshot = await loadFlowSnapshot(world.deps(), listed.runs[0]!.config!);
      expect(snapshot.flow_id).to.equal('s3-alpha');
      expect(listed.runs[0]!.run_id).to.match(/^s3-alpha-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    });

    it('THEN a group narrows the list to its flows', async () => {
      const listed = await listEnabledTests({ group: 'canary' }, world.deps());
      expect(listed.runs.map((run) => run.flow_id)).to.deep.equal(['s3-beta', 'sftp-gamma']);
    });

    it('THEN a flow id that has no config file becomes a CONFIG_INVALID run', async () => {
      const listed = await listEnabledTests({ flow_ids: ['s3-alpha', 'no-such-flow'] }, world.deps());
      expect(listed.runs.map((run) => [run.flow_id, run.config_error !== undefined])).to.deep.equal([
        ['s3-alpha', false],
        ['no-such-flow', true],
      ]);
    });
  });

  describe('WHEN ListEnabledTests meets a flow that names a local runtime server (local: placeholder)', () => {
    const placeholderFlow = (flowId: string, host: string) =>
      flowConfig(flowId, s3(LANDING_BUCKET, `${flowId}/`), {
        sftp: {
          host,
          port: 22,
          username: 'fileflow',
          credentials: { private_key_file: host },
          host_key: { fingerprints: ['SHA256:LocalRuntimeFillsThisInFromEndpointsJson000'] },
          directory: '/deliveries/acme',
        },
      });

    it('THEN on AWS (nothing to resolve it) the flow is CONFIG_INVALID at the host, and the others still run', async () => {
      await world.pushFlow(placeholderFlow('local-only', 'local:target'));
      const listed = await listEnabledTests({ flow_ids: ['s3-alpha', 'local-only'] }, world.deps());
      expect(listed.runs.map((run) => run.flow_id)).to.deep.equal(['s3-alpha', 'local-only']);
      expect(listed.runs[1]!.config_error).to.match(/\$\.target\.sftp\.host: a local: placeholder .* --local/);
    });

    it('THEN locally the snapshot holds the server it resolved to, and an unknown server is CONFIG_INVALID', async () => {
      await world.pushFlow(placeholderFlow('local-unknown', 'local:nowhere'));
      const resolved = { host: '127.0.0.1', port: 2200, directory: '/srv/target/deliveries/acme' };
      const deps = world.deps({
        resolveLocalPlaceholders: (flow) => {
          if (flow.flow_id === 'local-unknown') throw new Error('$.target.sftp.host: no local SFTP server "nowhere"');
          const target = structuredClone(flow.target) as { sftp: Record<string, unknown> };
          return { ...flow, target: { sftp: { ...target.sftp, ...resolved } } } as typeof flow;
        },
      });
      const listed = await listEnabledTests({ flow_ids: ['local-only', 'local-unknown'] }, deps);
      const snapshot = await loadFlowSnapshot(deps, listed.runs.find((run) => run.flow_id === 'local-only')!.config!);
      expect(snapshot.target).to.have.nested.include({ 'sftp.host': '127.0.0.1', 'sftp.port': 2200 });
      expect(listed.runs.find((run) => run.flow_id === 'local-unknown')!.config_error).to.contain('nowhere');
    });
  });

  describe('WHEN GenerateTestData runs', () => {
    it('THEN the files are staged with their true size and SHA-256, and only pointers come back', async () => {
      const run = await runOf('sftp-gamma');
      const { files } = (await runHarnessStep('GenerateTestData', { item: run }, world.deps())) as {
        files: StagedFile[];
      };
      expect(files.map((file) => file.bytes)).to.deep.equal([1000, 70_000]);
      for (const file of files) {
        const body = await text(CONFIG_BUCKET, file.staging.key);
        expect(file.staging.key).to.equal(`staging/${run.run_id}/${file.name}`);
        expect(Buffer.byteLength(body)).to.equal(file.bytes);
        expect(createHash('sha256').update(body).digest('hex')).to.equal(file.sha256);
        expect(body.split('\n')[0]).to.match(/^\{"seq":0,/);
      }
    });

    it('THEN the same seed generates the same bytes and another seed other bytes', async () => {
      const digest = async (seed: string) => {
        const out = (await runHarnessStep(
          'GenerateTestData',
          { item: await runOf('s3-alpha', seed) },
          world.deps(),
        )) as {
          files: StagedFile[];
        };
        return out.files[0]!.sha256;
      };
      expect(await digest('seed-1')).to.equal(await digest('seed-1'));
      expect(await digest('seed-1')).not.to.equal(await digest('seed-2'));
    });
  });

  describe('WHEN SeedSource seeds an S3 source', () => {
    it('THEN only the file lands at the source, tagged synthetic; its sidecars go to the config bucket', async () => {
      const run = await runOf('s3-alpha');
      const { files } = (await runHarnessStep('GenerateTestData', { item: run }, world.deps())) as {
        files: StagedFile[];
      };
      const seeded = (await runHarnessStep('SeedSource', { item: run, files }, world.deps())) as { manifests: string };
      const name = files[0]!.name;
      const listed = await world.servers.s3Client.send(
        new ListObjectsV2Command({ Bucket: LANDING_BUCKET, Prefix: 'alpha/' }),
      );
      expect(listed.Contents!.map((object) => object.Key).filter((key) => key!.includes(run.run_id))).to.deep.equal([
        `alpha/${name}`,
      ]);
      const prefix = `manifests/dt=${run.date}/flow_id=s3-alpha/run_id=${run.run_id}/`;
      expect(seeded.manifests).to.equal(`s3://${CONFIG_BUCKET}/${prefix}`);
      expect(await text(CONFIG_BUCKET, `${prefix}${name}.sha256`)).to.equal(`${files[0]!.sha256}  ${name}\n`);
      const manifest = JSON.parse(await text(CONFIG_BUCKET, `${prefix}${name}.manifest.json`));
      expect(manifest).to.include({
        flow_id: 's3-alpha',
        test_run_id: run.run_id,
        size: 4096,
        sha256: files[0]!.sha256,
      });
      const tags = await world.servers.s3Client.send(
        new GetObjectTaggingCommand({ Bucket: LANDING_BUCKET, Key: `alpha/${name}` }),
      );
      expect(tags.TagSet).to.deep.include({ Key: 'fileflow:synthetic', Value: 'true' });
    });
  });

  describe('WHEN SeedSource seeds an SFTP source', () => {
    it('THEN the bytes in the directory hash to the manifest, and nothing else is written there', async () => {
      const run = await runOf('sftp-gamma');
      const { files } = (await runHarnessStep('GenerateTestData', { item: run }, world.deps())) as {
        files: StagedFile[];
      };
      await runHarnessStep('SeedSource', { item: run, files }, world.deps());
      const directory = join(world.servers.sftpRoot, 'gamma/out');
      for (const file of files) {
        expect(
          createHash('sha256')
            .update(await readFile(join(directory, file.name)))
            .digest('hex'),
        ).to.equal(file.sha256);
        const key = `manifests/dt=${run.date}/flow_id=sftp-gamma/run_id=${run.run_id}/${file.name}.manifest.json`;
        expect(JSON.parse(await text(CONFIG_BUCKET, key)).sha256).to.equal(file.sha256);
      }
      expect((await readdir(directory)).filter((name) => name.includes(run.run_id)).sort()).to.deep.equal(
        files.map((file) => file.name).sort(),
      );
    });
  });

  describe('WHEN GenerateTestData runs with less time left than it keeps to clean up', () => {
    it('THEN it fails as a TimeoutError and stages no test file', async () => {
      const run = await runOf('s3-alpha');
      const error = await rejectionOf(
        runHarnessStep('GenerateTestData', { item: run }, world.deps(), { getRemainingTimeInMillis: () => 5_000 }),
      );
      expect(error.name).to.equal('TimeoutError');
      const staged = await world.servers.s3Client.send(
        new ListObjectsV2Command({ Bucket: CONFIG_BUCKET, Prefix: `staging/${run.run_id}/` }),
      );
      // Only the run's config snapshot, staged when the run was listed.
      expect(staged.Contents?.map((object) => object.Key)).to.deep.equal([`staging/${run.run_id}/flow.json`]);
    });
  });

  describe('WHEN SeedSource runs with less time left than it keeps to clean up', () => {
    it('THEN it fails as a TimeoutError (reason TIMEOUT) and nothing of the run is left in the source directory', async () => {
      const run = await runOf('sftp-gamma');
      const { files } = (await runHarnessStep('GenerateTestData', { item: run }, world.deps())) as {
        files: StagedFile[];
      };

      const error = await rejectionOf(
        runHarnessStep('SeedSource', { item: run, files }, world.deps(), { getRemainingTimeInMillis: () => 5_000 }),
      );

      expect(error.name).to.equal('TimeoutError');
      expect(error.message).to.equal("stopped 15 s before the function's timeout, to clean up");
      const directory = join(world.servers.sftpRoot, 'gamma/out');
      const left = existsSync(directory) ? await readdir(directory) : [];
      expect(left.filter((name) => name.includes(run.run_id))).to.deep.equal([]);
    });
  });

  /** Generates, seeds and triggers a run of `flowId`; returns what PollTarget and Validate need. */
  async function triggered(flowId: string) {
    const run = await runOf(flowId);
    const deps = world.deps();
    const { files } = (await runHarnessStep('GenerateTestData', { item: run }, deps)) as { files: StagedFile[] };
    const seeded = (await runHarnessStep('SeedSource', { item: run, files }, deps)) as { seeded_at: string };
    const transfer = (await runHarnessStep(
      'InvokeTransfer',
      { item: run, seeded_at: seeded.seeded_at },
      deps,
    )) as TransferStarted;
    return { run, files, transfer };
  }

  describe('WHEN PollTarget looks once', () => {
    it('THEN a delivered file is reported arrived, with no waiting in the step', async () => {
      const { run, files, transfer } = await triggered('s3-beta');
      const poll = (await runHarnessStep(
        'PollTarget',
        { item: run, files, transfer, poll: { attempt: 0, arrivals: [] } },
        world.deps(),
      )) as PollState;
      expect(poll).to.include({ attempt: 1, all_arrived: true });
      expect(poll.arrivals[0]!.arrived_at).to.be.a('string');
    });

    it('THEN a lost file is not arrived, the back-off doubles and is capped by the deadline', async () => {
      world.pipeline.delivery.set('s3-alpha', 'lose');
      try {
        const { run, files, transfer } = await triggered('s3-alpha');
        const deps = world.deps();
        let poll: PollState = { attempt: 0, arrivals: [] };
        const waits: number[] = [];
        for (let i = 0; i < 3; i += 1) {
          poll = (await runHarnessStep('PollTarget', { item: run, files, transfer, poll }, deps)) as PollState;
          waits.push(poll.next_wait_seconds!);
        }
        expect(poll.all_arrived).to.equal(false);
        expect(waits).to.deep.equal([2, 4, 8]);
        const late = world.deps({ now: () => new Date(new Date(transfer.deadline).getTime() - 3000) });
        poll = (await runHarnessStep('PollTarget', { item: run, files, transfer, poll }, late)) as PollState;
        expect(poll.next_wait_seconds).to.equal(3);
      } finally {
        world.pipeline.delivery.delete('s3-alpha');
      }
    });
  });

  describe('WHEN Validate reads what arrived', () => {
    async function validateWith(delivery: 'deliver' | 'corrupt' | 'truncate') {
      world.pipeline.delivery.set('sftp-gamma', delivery);
      try {
        const { run, files, transfer } = await triggered('sftp-gamma');
        const poll = (await runHarnessStep(
          'PollTarget',
          { item: run, files, transfer, poll: { attempt: 0, arrivals: [] } },
          world.deps(),
        )) as PollState;
        return runHarnessStep('Validate', { item: run, files, transfer, arrivals: poll.arrivals }, world.deps());
      } finally {
        world.pipeline.delivery.delete('sftp-gamma');
      }
    }

    it('THEN intact files pass with their digest, size and latency', async () => {
      const result = (await validateWith('deliver')) as {
        checks: { sha256: string; latency_seconds: number }[];
        bytes: number;
      };
      expect(result.bytes).to.equal(71_000);
      expect(result.checks).to.have.length(2);
      expect(result.checks[0]!.latency_seconds).to.be.within(0, 60);
    });

    it('THEN a changed byte fails as ChecksumMismatchError (CHECKSUM_MISMATCH)', async () => {
      const error = await rejectionOf(validateWith('corrupt'));
      expect(error.name).to.equal('ChecksumMismatchError');
      expect(error.code).to.equal('CHECKSUM_MISMATCH');
    });

    it('THEN a missing byte fails as SizeMismatchError (SIZE_MISMATCH)', async () => {
      const error = await rejectionOf(validateWith('truncate'));
      expect(error.name).to.equal('SizeMismatchError');
      expect(error.code).to.equal('SIZE_MISMATCH');
    });
  });

  describe('WHEN RecordResults records a failed negative-looking run', () => {
    it('THEN run.json and summary.txt land under results/dt=/flow_id=/run_id=/ and the metric says failed', async () => {
      const run = await runOf('s3-beta');
      const recorded = (await runHarnessStep(
        'RecordResults',
        {
          item: run,
          preflight: { checked: [], timing: { started_at: run.started_at, finished_at: run.started_at } },
          failure: { step: 'Validate', Error: 'ChecksumMismatchError', Cause: 'SHA-256 differs' },
        },
        world.deps(),
      )) as RecordedRun;
      const prefix = `results/dt=${run.date}/flow_id=s3-beta/run_id=${run.run_id}/`;
      expect(recorded).to.include({ outcome: 'FAILURE', reason: 'CHECKSUM_MISMATCH', result_key: `${prefix}run.json` });
      const body = await text(CONFIG_BUCKET, `${prefix}run.json`);
      expect(body.trimEnd().split('\n'), 'one JSON record per line, as Athena reads it').to.have.length(1);
      const record = JSON.parse(body) as RunRecord;
      expect(record).to.include({
        flow_id: 's3-beta',
        failed_step: 'Validate',
        reason_detail: 'SHA-256 differs',
        outcome_matches_expectation: false,
      });
      expect(record.steps.map((step) => [step.step, step.status])).to.deep.equal([
        ['Preflight', 'OK'],
        ['Validate', 'FAILED'],
      ]);
      // Every field is a column of the Athena table over the results, and every column a field.
      const columns = glueColumns(RunRecord, { omit: ['flow_id'] }).map((column) => column.name);
      expect(Object.keys(record).filter((field) => field !== 'flow_id')).to.deep.equal(columns);
      expect(await text(CONFIG_BUCKET, `${prefix}summary.txt`)).to.match(/^FAIL {2}s3-beta/);
      expect(world.metrics.runs.at(-1)).to.deep.equal({ flowId: 's3-beta', runSuccess: 0, latencySeconds: undefined });
    });
  });

  describe('WHEN a step event does not match its schema', () => {
    it('THEN the step fails before touching anything', async () => {
      const error = await rejectionOf(runHarnessStep('SeedSource', { item: { flow_id: 'x' } }, world.deps()));
      expect(error.name).to.equal('UnclassifiedError');
    });
  });

  it('keeps Flow parsing idempotent, which the config snapshot relies on', () => {
    const flow = Flow.parse(flowConfig('s3-alpha', s3(LANDING_BUCKET, 'a/'), s3(PARTNER_BUCKET, 'a/')));
    expect(Flow.parse(JSON.parse(JSON.stringify(flow)))).to.deep.equal(flow);
  });
});
