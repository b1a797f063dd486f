import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { WorkflowDefinitionInput } from '../../functions/core/tracking/records';
import { startCuttingProxy } from '../fixtures/cutting-proxy';
import { sha256OfFile, sha256OfObject } from '../fixtures/files';
import { ARCHIVE_BUCKET, LANDING_BUCKET, WEBHOOK_SECRET_ARN, useLocalPipeline } from './fixtures';

const KiB = 1024;
const MiB = 1024 * KiB;
const DAILY_CSV = '^[a-z]+_transactions_\\d{4}-\\d{2}-\\d{2}\\.csv$';
const WRONG_FINGERPRINT = `SHA256:${createHash('sha256').update('not the server').digest('base64').replace(/=+$/, '')}`;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('Transfer workflow end to end (runLocally + s3rver + sshd + dynalite)', function () {
  this.timeout(60_000);
  const pipeline = useLocalPipeline();
  const { servers } = pipeline;

  /** A workflow reading `inbound/<customer>/` of the landing bucket. */
  function workflow(customer: string, overrides: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinitionInput {
    return {
      id: `${customer}-daily`,
      source: { type: 's3', bucket: LANDING_BUCKET },
      sourcePrefix: `inbound/${customer}/`,
      targets: [{ id: 'archive', type: 's3', bucket: ARCHIVE_BUCKET, prefix: `${customer}/` }],
      validationRegex: DAILY_CSV,
      maxRetries: 3,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
      maxConcurrency: 2,
      ...overrides,
    };
  }

  /** A partner directory (it exists, as on a real server: targets write into it, never create it). */
  function sftpTarget(directory: string, overrides: Record<string, unknown> = {}) {
    mkdirSync(join(servers.sftpRoot, directory), { recursive: true });
    return {
      id: 'partner-sftp',
      type: 'sftp' as const,
      host: servers.sshd.host,
      port: servers.sshd.port,
      username: servers.user,
      credentials: { privateKeyFile: servers.sshd.clientKeys[servers.user]! },
      hostKeyFingerprints: [servers.sshd.hostKeyFingerprint],
      directory: join(servers.sftpRoot, directory),
      ...overrides,
    };
  }

  const archived = (key: string): Promise<string> => sha256OfObject(servers.s3Client, ARCHIVE_BUCKET, key);

  describe('GIVEN a workflow that archives a customer’s daily file to S3', () => {
    it('WHEN the file lands THEN the archive holds the same bytes, the status is SUCCESS and every state payload stays small', async () => {
      await pipeline.putWorkflow(workflow('bankpacific'));
      const body = randomBytes(3 * MiB);
      const event = await pipeline.land('inbound/bankpacific/bankpacific_transactions_2025-06-28.csv', body);

      const run = await pipeline.run(event);

      expect(run.failure, run.failure?.cause?.message).to.equal(undefined);
      expect(await archived('bankpacific/bankpacific_transactions_2025-06-28.csv')).to.equal(sha256(body));
      const file = { customerId: 'bankpacific', fileName: 'bankpacific_transactions_2025-06-28.csv' };
      const status = await pipeline.repository.statusForFile(file);
      expect(status.latest).to.include({ status: 'SUCCESS', workflowId: 'bankpacific-daily', retryCount: 0 });
      expect(status.latest?.targetSummary).to.deep.equal({
        archive: `s3://${ARCHIVE_BUCKET}/bankpacific/bankpacific_transactions_2025-06-28.csv`,
      });
      const index = await pipeline.repository.filesForCustomer('bankpacific');
      expect(index.map((entry) => entry.status)).to.deep.equal(['SUCCESS']);
      const audit = (await pipeline.repository.auditTrail(file)).map((entry) => entry.eventType);
      expect(audit).to.have.members(['VALIDATED', 'COPIED']);
      expect(pipeline.metrics.find((m) => m.customerId === 'bankpacific')).to.include({
        outcome: 'SUCCESS',
        bytes: 3 * MiB,
        targetsCopied: 1,
      });
      expect(run.calls['Send Notification'], 'onSuccess is off by default').to.equal(undefined);
      expect(run.largestPayloadBytes).to.be.below(16 * KiB);
    });
  });

  describe('GIVEN the event as the EventBridge Pipe delivers it (a batch of one)', () => {
    it('WHEN the execution starts THEN the file is routed and archived like a single event', async () => {
      await pipeline.putWorkflow(workflow('bankpacific'));
      const body = randomBytes(64 * KiB);
      const event = await pipeline.land('inbound/bankpacific/bankpacific_transactions_2025-06-29.csv', body);

      const run = await pipeline.run([event]);

      expect(run.failure, run.failure?.cause?.message).to.equal(undefined);
      expect(await archived('bankpacific/bankpacific_transactions_2025-06-29.csv')).to.equal(sha256(body));
    });
  });

  describe('GIVEN a workflow that delivers to a partner SFTP server with a pinned host key', () => {
    it('WHEN the file lands THEN the partner directory holds the same bytes and no temporary file', async () => {
      await pipeline.putWorkflow(workflow('northwind', { targets: [sftpTarget('northwind-in')] }));
      const body = randomBytes(2 * MiB + 17);
      const run = await pipeline.run(
        await pipeline.land('inbound/northwind/northwind_transactions_2025-06-28.csv', body),
      );

      expect(run.failure, run.failure?.cause?.message).to.equal(undefined);
      const delivered = join(servers.sftpRoot, 'northwind-in', 'northwind_transactions_2025-06-28.csv');
      expect(await sha256OfFile(delivered)).to.equal(sha256(body));
      expect(await readdir(join(servers.sftpRoot, 'northwind-in'))).to.deep.equal([
        'northwind_transactions_2025-06-28.csv',
      ]);
    });
  });

  describe('GIVEN a workflow that fans out to S3 and SFTP and notifies on success by SNS and webhook', () => {
    it('WHEN the file lands THEN both targets hold the same SHA-256 and both notifications are logged as SENT', async () => {
      await pipeline.putWorkflow(
        workflow('contoso', {
          targets: [{ id: 'archive', type: 's3', bucket: ARCHIVE_BUCKET, prefix: 'contoso' }, sftpTarget('contoso-in')],
          notifications: { webhookSecretArn: WEBHOOK_SECRET_ARN, onSuccess: true },
        }),
      );
      const body = randomBytes(MiB + 5);
      const run = await pipeline.run(await pipeline.land('inbound/contoso/contoso_transactions_2025-06-28.csv', body));

      expect(run.failure, run.failure?.cause?.message).to.equal(undefined);
      expect(await archived('contoso/contoso_transactions_2025-06-28.csv')).to.equal(sha256(body));
      expect(await sha256OfFile(join(servers.sftpRoot, 'contoso-in', 'contoso_transactions_2025-06-28.csv'))).to.equal(
        sha256(body),
      );
      expect(run.calls['Copy To S3']).to.equal(1);
      expect(run.calls['Copy To SFTP']).to.equal(1);

      const file = { customerId: 'contoso', fileName: 'contoso_transactions_2025-06-28.csv' };
      const notifications = await pipeline.repository.notificationsForFile(file);
      expect(notifications.map((n) => [n.channel, n.status, n.event])).to.have.deep.members([
        ['SNS', 'SENT', 'SUCCESS'],
        ['WEBHOOK', 'SENT', 'SUCCESS'],
      ]);
      expect(notifications.find((n) => n.channel === 'WEBHOOK')?.target, 'no token in the log').to.equal(
        'https://hooks.example.com/fileflow',
      );
      expect(pipeline.webhookCalls.at(-1)?.headers).to.deep.equal({ authorization: 'Bearer x' });
      expect(pipeline.published.at(-1)).to.deep.include({
        MessageAttributes: {
          event: { DataType: 'String', StringValue: 'SUCCESS' },
          customerId: { DataType: 'String', StringValue: 'contoso' },
          workflowId: { DataType: 'String', StringValue: 'contoso-daily' },
        },
      });
      expect(run.largestPayloadBytes).to.be.below(16 * KiB);
    });
  });

  describe('GIVEN an SFTP target whose first connection is cut mid-upload', () => {
    it('WHEN the file lands THEN the copy is retried after the back-off, succeeds, and the retry is counted in DynamoDB', async () => {
      const proxy = await startCuttingProxy({
        targetPort: servers.sshd.port,
        cutAfterBytes: 256 * KiB,
        direction: 'upstream',
      });
      try {
        await pipeline.putWorkflow(
          workflow('fabrikam', { targets: [sftpTarget('fabrikam-in', { port: proxy.port })] }),
        );
        const body = randomBytes(2 * MiB);
        const run = await pipeline.run(
          await pipeline.land('inbound/fabrikam/fabrikam_transactions_2025-06-28.csv', body),
        );

        expect(run.failure, run.failure?.cause?.message).to.equal(undefined);
        expect(proxy.cuts()).to.equal(1);
        expect(run.calls['Copy To SFTP']).to.equal(2);
        expect(run.calls['Update Retry Count']).to.equal(1);
        expect(
          await sha256OfFile(join(servers.sftpRoot, 'fabrikam-in', 'fabrikam_transactions_2025-06-28.csv')),
        ).to.equal(sha256(body));
        const status = await pipeline.repository.statusForFile({
          customerId: 'fabrikam',
          fileName: 'fabrikam_transactions_2025-06-28.csv',
        });
        expect(status.claims.map((claim) => claim.retryCount)).to.deep.equal([1]);
        expect(status.latest).to.include({ status: 'SUCCESS', retryCount: 1 });
      } finally {
        await proxy.stop();
      }
    });
  });

  describe('GIVEN an SFTP target pinned to a host key the server does not have', () => {
    it('WHEN the file lands THEN nothing is written, the file waits in the failure queue and the failure notification is logged', async () => {
      await pipeline.putWorkflow(
        workflow('tailspin', { targets: [sftpTarget('tailspin-in', { hostKeyFingerprints: [WRONG_FINGERPRINT] })] }),
      );
      const run = await pipeline.run(
        await pipeline.land('inbound/tailspin/tailspin_transactions_2025-06-28.csv', randomBytes(64 * KiB)),
      );

      expect(run.failure?.cause).to.include({ name: 'HOST_KEY_MISMATCH' });
      expect(run.calls['Copy To SFTP'], 'a permanent error is not retried').to.equal(1);
      expect(run.calls['Update Retry Count']).to.equal(undefined);
      expect(await readdir(join(servers.sftpRoot, 'tailspin-in'))).to.deep.equal([]);
      const file = { customerId: 'tailspin', fileName: 'tailspin_transactions_2025-06-28.csv' };
      const failure = await pipeline.repository.getFailure(file);
      expect(failure).to.include({ reasonCode: 'HOST_KEY_MISMATCH', workflowId: 'tailspin-daily', retryCount: 0 });
      expect(failure?.sourceUri).to.equal(
        `s3://${LANDING_BUCKET}/inbound/tailspin/tailspin_transactions_2025-06-28.csv`,
      );
      expect((await pipeline.repository.statusForFile(file)).latest).to.include({ status: 'FAILED' });
      const notifications = await pipeline.repository.notificationsForFile(file);
      expect(notifications.map((n) => [n.channel, n.status, n.event])).to.deep.equal([['SNS', 'SENT', 'FAILURE']]);
    });
  });

  describe('GIVEN a file whose event is delivered twice', () => {
    it('WHEN both executions run THEN the second finds the claim and the file is delivered once', async () => {
      await pipeline.putWorkflow(workflow('adatum'));
      const event = await pipeline.land('inbound/adatum/adatum_transactions_2025-06-28.csv', randomBytes(128 * KiB));

      const first = await pipeline.run(event);
      const second = await pipeline.run(event);

      expect(first.failure, first.failure?.cause?.message).to.equal(undefined);
      expect(second.failure).to.equal(undefined);
      expect(first.calls['Copy To S3']).to.equal(1);
      expect(second.calls['Copy To S3']).to.equal(undefined);
      const file = { customerId: 'adatum', fileName: 'adatum_transactions_2025-06-28.csv' };
      const history = (await pipeline.repository.statusForFile(file)).history.map((h) => h.status);
      expect(history.filter((s) => s === 'SUCCESS')).to.have.length(1);
      expect((await pipeline.repository.auditTrail(file)).map((a) => a.eventType)).to.include('DUPLICATE_EVENT');
    });
  });

  describe('GIVEN a file whose name does not match the workflow’s validation regex', () => {
    it('WHEN it lands THEN it is not copied, the execution fails with FILENAME_REJECTED and the failure queue holds it', async () => {
      await pipeline.putWorkflow(workflow('litware'));
      const run = await pipeline.run(await pipeline.land('inbound/litware/notes.txt', Buffer.from('hello')));

      expect(run.failure?.cause).to.include({ name: 'FILENAME_REJECTED' });
      expect(run.calls['Copy To S3']).to.equal(undefined);
      const failure = await pipeline.repository.getFailure({ customerId: 'litware', fileName: 'notes.txt' });
      expect(failure).to.include({ reasonCode: 'FILENAME_REJECTED', workflowId: 'litware-daily' });
      expect(failure?.lastError).to.match(/notes\.txt does not match/);
    });
  });

  describe('GIVEN a message that is not an S3 event', () => {
    it('WHEN it runs THEN the execution fails with MALFORMED_EVENT and the failure queue keeps the problem for review', async () => {
      const run = await pipeline.run({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: {} } });

      expect(run.failure?.cause).to.include({ name: 'MALFORMED_EVENT' });
      const failures = await pipeline.repository.listFailures();
      const malformed = failures.find((f) => f.reasonCode === 'MALFORMED_EVENT');
      expect(malformed).to.include({ customerId: 'fileflow.unidentified', workflowId: 'fileflow.unrouted' });
      expect(malformed?.lastError).to.include('detail.bucket.name');
    });
  });
});
