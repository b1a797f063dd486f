import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { localS3Client, startLocalRuntime, type LocalRuntime } from '../../cli/runtime/local-runtime';
import { putLocalWorkflow, resolveLocalPlaceholders } from '../../cli/runtime/local-placeholders';
import type { WorkflowDefinitionInput } from '../../functions/core/tracking/records';
import { sha256OfObject } from '../fixtures/files';
import { fileflow, SAMPLE_WORKFLOWS_DIR } from './helpers';

/** ARN prefix of the local transfer state machine's executions; the name follows. */
const LOCAL_EXECUTION_ARN_PREFIX = 'arn:aws:states:local-1:000000000000:execution:fileflow-local-transfer:';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('local runtime: landing events, queue, pull poller, status and re-drive', function () {
  this.timeout(120_000);
  let scratch: string;
  let runtime: LocalRuntime;
  let s3: S3Client;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'fileflow-event-loop-'));
    runtime = await startLocalRuntime({
      dir: join(scratch, 'local'),
      pollIntervalMs: 150,
      scanIntervalMs: 50,
      maxReceiveCount: 3,
      redeliveryDelayMs: 20,
      onError: () => undefined,
    });
    s3 = localS3Client(runtime.endpoints);
    for (const file of (await readdir(SAMPLE_WORKFLOWS_DIR)).filter((f) => f.endsWith('.json'))) {
      const definition = JSON.parse(await readFile(join(SAMPLE_WORKFLOWS_DIR, file), 'utf8')) as unknown;
      await putLocally(definition);
    }
  });

  after(async () => {
    s3?.destroy();
    await runtime?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  /** What `fileflow workflows put --local` does with a definition. */
  const putLocally = (definition: unknown) => putLocalWorkflow(runtime.repository, definition, runtime.endpoints);
  const land = async (key: string, bytes: Buffer) =>
    s3.send(new PutObjectCommand({ Bucket: runtime.endpoints.s3.buckets.landing, Key: key, Body: bytes }));
  const targetSha256 = (key: string) => sha256OfObject(s3, runtime.endpoints.s3.buckets.targets, key);
  const executionsFor = (fileName: string) =>
    runtime.executions.filter((e) => JSON.stringify(e.input).includes(fileName));
  const outputStatus = (output: unknown) => (output as { status?: string } | undefined)?.status;

  it('GIVEN the fan-out workflow WHEN a file lands under from-sftp/hooli/ THEN the event loop delivers it to the S3 and the SFTP target, bytes verified by SHA-256 read back', async () => {
    const bytes = randomBytes(300_000);
    await land('from-sftp/hooli/ledger-1.csv', bytes);

    await runtime.idle();

    const [execution] = executionsFor('ledger-1.csv');
    expect(execution?.status, execution?.error).to.equal('SUCCEEDED');
    expect(execution?.trigger).to.equal('object-created');
    expect(await targetSha256('hooli/ledger-1.csv')).to.equal(sha256(bytes));
    const delivered = await readFile(join(runtime.endpoints.sftp.target.root, 'deliveries/hooli/ledger-1.csv'));
    expect(sha256(delivered)).to.equal(sha256(bytes));
  });

  it('GIVEN a delivered file WHEN the same Object Created event is delivered again THEN the second execution is a duplicate and the target got one copy', async () => {
    const bytes = randomBytes(10_000);
    await land('inbound/acme/orders-7.csv', bytes);
    await runtime.idle();
    const event = runtime.events.find((e) => e.detail.object.key === 'inbound/acme/orders-7.csv')!;

    runtime.publish(event);
    runtime.publish(event);
    await runtime.idle();

    const executions = executionsFor('orders-7.csv');
    expect(executions.map((e) => outputStatus(e.output))).to.deep.equal(['ACCEPTED', 'DUPLICATE', 'DUPLICATE']);
    const copied = await runtime.repository.auditTrail({ customerId: 'acme', fileName: 'orders-7.csv' });
    expect(copied.filter((entry) => entry.eventType === 'COPIED')).to.have.length(1);
    // The two deliveries started in the same tick, each with an execution ARN of its own.
    const arns = executions.map((e) => (e.output as { executionId: string }).executionId);
    expect(new Set(arns).size).to.equal(3);
    arns.forEach((arn, i) => expect(arn).to.equal(`${LOCAL_EXECUTION_ARN_PREFIX}${executions[i]!.executionName}`));
    const { latest, claims } = await runtime.repository.statusForFile({ customerId: 'acme', fileName: 'orders-7.csv' });
    expect(latest?.executionId).to.equal(arns[0]);
    expect(claims.map((c) => c.executionId)).to.deep.equal([arns[0]]);
    const duplicates = copied.filter((entry) => entry.eventType === 'DUPLICATE_EVENT').map((e) => e.executionId);
    expect(duplicates.sort()).to.deep.equal(arns.slice(1).sort());
    expect(await targetSha256('acme/orders-7.csv')).to.equal(sha256(bytes));
  });

  it('GIVEN a message that is not an event WHEN the local pipe cannot start it THEN it is delivered maxReceiveCount times and ends in the dead-letter queue', async () => {
    const before = runtime.executions.length;
    runtime.queue.send('{"not": "an event"');

    await runtime.idle();

    expect(runtime.deadLetters).to.have.length(1);
    expect(runtime.deadLetters[0]).to.include({ body: '{"not": "an event"', receiveCount: 3 });
    expect(runtime.deadLetters[0]!.lastError).to.match(/JSON/);
    expect(runtime.executions.length).to.equal(before);
    expect(runtime.queue.depth).to.equal(0);
  });

  it('GIVEN the SFTP→S3 pull workflow WHEN a file appears on the source server THEN after two identical looks it is pulled to S3 and moved to the archive', async () => {
    const bytes = randomBytes(50_000);
    const path = join(runtime.endpoints.sftp.source.root, 'outbox/initech/invoice-3.csv');
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);

    await runtime.idle();

    const [execution] = executionsFor('invoice-3.csv');
    expect(execution?.trigger).to.equal('pull');
    expect(execution?.status, execution?.error).to.equal('SUCCEEDED');
    expect(await targetSha256('initech/invoice-3.csv')).to.equal(sha256(bytes));
    expect(existsSync(path)).to.equal(false);
    const archived = await readFile(join(runtime.endpoints.sftp.source.root, 'archive/initech/invoice-3.csv'));
    expect(sha256(archived)).to.equal(sha256(bytes));
  });

  it('GIVEN a file still being written WHEN its size changes between looks THEN it is not pulled until it is stable', async () => {
    const path = join(runtime.endpoints.sftp.source.root, 'outbox/umbrella/growing.dat');
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, randomBytes(1000));
    const stamp = new Date(Date.now() - 60_000);
    await utimes(path, stamp, stamp);
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      await writeFile(path, randomBytes(1000 * (i + 2)));
      expect(executionsFor('growing.dat'), `look ${i}`).to.have.length(0);
    }

    await runtime.idle();

    expect(executionsFor('growing.dat').map((e) => e.status)).to.deep.equal(['SUCCEEDED']);
    // umbrella's post-action is delete, and its target is the target server.
    expect(existsSync(path)).to.equal(false);
    expect(existsSync(join(runtime.endpoints.sftp.target.root, 'deliveries/umbrella/growing.dat'))).to.equal(true);
  });

  describe('status and re-drive (command line, --local)', () => {
    const dir = () => runtime.endpoints.dir;
    const brokenWorkflow = (): WorkflowDefinitionInput => ({
      id: 'wayne-s3-to-sftp',
      source: { type: 's3', bucket: 'fileflow-local-landing' },
      sourcePrefix: 'inbound/wayne/',
      targets: [
        {
          id: 'wayne-partner',
          type: 'sftp',
          host: '127.0.0.1',
          username: 'fileflow',
          credentials: { privateKeyFile: 'local:target' },
          hostKeyFingerprints: ['SHA256:LocalRuntimeFillsThisInFromEndpointsJson000'],
          directory: 'deliveries/wayne',
        },
      ],
      validationRegex: '.*',
      maxRetries: 0,
    });

    it('GIVEN a target whose pinned host key is wrong WHEN a file lands THEN `status --failed` and `status --file` show it FAILED', async () => {
      // Pinned to the source server's key while it connects to the target: a host key mismatch, not retried.
      const resolved = resolveLocalPlaceholders(brokenWorkflow(), runtime.endpoints);
      (resolved.targets[0] as { hostKeyFingerprints: string[] }).hostKeyFingerprints = [
        runtime.endpoints.sftp.source.hostKeyFingerprint,
      ];
      await putLocally(resolved);
      await land('inbound/wayne/payroll.csv', randomBytes(2048));
      await runtime.idle();

      const failed = await fileflow('status', '--failed', '--local', '--local-dir', dir(), '--json');
      expect(failed.code, failed.stderr).to.equal(0);
      const failures = JSON.parse(failed.stdout) as {
        customerId: string;
        fileName: string;
        workflowId: string;
        lastError: string;
      }[];
      const failure = failures.find((f) => f.fileName === 'payroll.csv');
      expect(failure).to.include({ customerId: 'wayne', workflowId: 'wayne-s3-to-sftp' });
      expect(failure!.lastError).to.match(/host key|HOST_KEY/i);

      const byFile = await fileflow('status', '--file', 'payroll.csv', '--local', '--local-dir', dir());
      expect(byFile.code, byFile.stderr).to.equal(0);
      expect(byFile.stdout).to.match(/wayne\/payroll\.csv\s+wayne-s3-to-sftp\s+FAILED/);

      const byCustomer = await fileflow('status', '--customer', 'wayne', '--local', '--local-dir', dir(), '--json');
      expect(JSON.parse(byCustomer.stdout)).to.have.length(1);
    });

    it('GIVEN the failed file and a corrected workflow WHEN `fileflow redrive wayne/payroll.csv --local` runs THEN it is delivered and no longer listed as failed', async () => {
      await putLocally(brokenWorkflow());
      const expected = await sha256OfObject(s3, runtime.endpoints.s3.buckets.landing, 'inbound/wayne/payroll.csv');

      const redrive = await fileflow('redrive', 'wayne/payroll.csv', '--local', '--local-dir', dir(), '--json');

      expect(redrive.code, redrive.stderr + redrive.stdout).to.equal(0);
      expect(JSON.parse(redrive.stdout)).to.include({ status: 'SUCCEEDED' });
      const delivered = await readFile(join(runtime.endpoints.sftp.target.root, 'deliveries/wayne/payroll.csv'));
      expect(sha256(delivered)).to.equal(expected);
      const failed = await fileflow('status', '--failed', '--local', '--local-dir', dir(), '--json');
      expect((JSON.parse(failed.stdout) as { fileName: string }[]).map((f) => f.fileName)).to.not.include(
        'payroll.csv',
      );
      const byFile = await fileflow('status', '--file', 'payroll.csv', '--local', '--local-dir', dir(), '--json');
      expect((JSON.parse(byFile.stdout) as { latest: { status: string } }[])[0]!.latest.status).to.equal('SUCCESS');
    });

    it('GIVEN a pulled file whose target refused it WHEN `fileflow redrive --local` runs after the fix THEN the poller pulls it again, delivers it and only then deletes it from the source', async () => {
      const pullWorkflow = (hostKey?: string): WorkflowDefinitionInput => {
        const [target] = brokenWorkflow().targets;
        const definition: WorkflowDefinitionInput = {
          id: 'stark-sftp-to-sftp',
          source: { type: 'sftp', endpointRef: 'source' },
          sourcePrefix: 'outbox/stark/',
          targets: [
            {
              ...(target as Extract<typeof target, { type: 'sftp' }>),
              id: 'stark-partner',
              directory: 'deliveries/stark',
            },
          ],
          validationRegex: '.*',
          maxRetries: 0,
          postAction: { action: 'delete' },
        };
        const resolved = resolveLocalPlaceholders(definition, runtime.endpoints);
        if (hostKey) (resolved.targets[0] as { hostKeyFingerprints: string[] }).hostKeyFingerprints = [hostKey];
        return resolved;
      };
      await putLocally(pullWorkflow(runtime.endpoints.sftp.source.hostKeyFingerprint));
      const bytes = randomBytes(4096);
      const path = join(runtime.endpoints.sftp.source.root, 'outbox/stark/suits.csv');
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
      await runtime.idle();
      expect(executionsFor('suits.csv').map((e) => e.status)).to.deep.equal(['FAILED']);
      expect(existsSync(path), 'a failed pull leaves the file at the source').to.equal(true);

      await putLocally(pullWorkflow());
      const redrive = await fileflow('redrive', 'stark/suits.csv', '--local', '--local-dir', dir(), '--json');

      expect(redrive.code, redrive.stderr + redrive.stdout).to.equal(0);
      const row = JSON.parse(redrive.stdout) as { status: string; execution: string };
      expect(row.status).to.equal('SUCCEEDED');
      const [failed, redriven] = executionsFor('suits.csv');
      expect(redriven?.status, redriven?.error).to.equal('SUCCEEDED');
      expect(row.execution).to.equal(`${LOCAL_EXECUTION_ARN_PREFIX}${redriven!.executionName}`);
      expect(redriven!.executionName).to.not.equal(failed!.executionName);
      const delivered = await readFile(join(runtime.endpoints.sftp.target.root, 'deliveries/stark/suits.csv'));
      expect(sha256(delivered)).to.equal(sha256(bytes));
      expect(existsSync(path)).to.equal(false);
    });

    it('GIVEN a file id with no failure WHEN it is re-driven THEN the command fails with one line', async () => {
      const redrive = await fileflow('redrive', 'acme/never-failed.csv', '--local', '--local-dir', dir());
      expect(redrive.code).to.equal(1);
      expect(redrive.stderr.trim().split('\n')).to.have.length(1);
      expect(redrive.stderr).to.match(/^FailureNotFoundError: no failure recorded for acme\/never-failed\.csv/);
    });
  });

  it('GIVEN objects outside the customer prefixes WHEN they land THEN the local rule does not forward them', async () => {
    const before = runtime.events.length;
    await land('scratch/notes.txt', Buffer.from('x'));
    await runtime.idle();
    expect(runtime.events.length).to.equal(before);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: runtime.endpoints.s3.buckets.targets, Prefix: 'scratch' }),
    );
    expect(listed.KeyCount ?? 0).to.equal(0);
  });
});
