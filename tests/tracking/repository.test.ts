import { expect } from 'chai';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTables, localDynamoClient } from '../../cli/local/dynamodb';
import { auditSortKey, claimSortKey, fileKey, pollSortKey } from '../../functions/core/tracking/keys';
import { SchemaValidationError, type WorkflowDefinitionInput } from '../../functions/core/tracking/records';
import {
  ClaimNotFoundError,
  FailureNotFoundError,
  type FailureInput,
  type PollInput,
} from '../../functions/core/tracking/repository';
import { trackingTableSpecs } from '../../functions/core/tracking/tables';
import { TestClock, useLocalDynamo } from './helpers';

const DAY = 86_400;
const file = { customerId: 'bankpacific', fileName: 'bankpacific_transactions_2025-06-28.csv' };
const version = { ...file, fingerprint: '0055AED6DCD90281E5' };
const workflowId = 'copy-sftp-to-s3-and-sftp';

describe('TrackingRepository on a local DynamoDB', () => {
  const dynamo = useLocalDynamo();

  describe('GIVEN an S3 event for a file version nobody has claimed', () => {
    it('WHEN the event is delivered twice THEN the first execution claims it and the second is a duplicate', async () => {
      const { repository } = await dynamo.fresh();
      const first = await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-1' });
      const second = await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-2' });
      expect(first.outcome).to.equal('claimed');
      expect(second.outcome).to.equal('duplicate');
      expect(second.claim.executionId).to.equal('exec-1');
    });

    it('WHEN the claiming execution retries its claim call THEN it still owns the file', async () => {
      const { repository } = await dynamo.fresh();
      await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-1' });
      const again = await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-1' });
      expect(again.outcome).to.equal('claimed');
    });

    it('WHEN eight executions race for it THEN exactly one claims it', async () => {
      const { repository } = await dynamo.fresh();
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => repository.claimTransfer({ ...version, workflowId, executionId: `e${i}` })),
      );
      expect(outcomes.filter((o) => o.outcome === 'claimed')).to.have.length(1);
    });

    it('WHEN a new version of the same file arrives THEN it is claimed separately', async () => {
      const { repository } = await dynamo.fresh();
      await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-1' });
      const next = await repository.claimTransfer({
        ...version,
        fingerprint: 'later-upload',
        workflowId,
        executionId: 'exec-2',
      });
      expect(next.outcome).to.equal('claimed');
    });
  });

  describe('GIVEN a claimed transfer that fails and is retried', () => {
    it('WHEN retries are counted, also concurrently, THEN the durable counter returns every new value once', async () => {
      const { repository } = await dynamo.fresh();
      await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-1' });
      expect(await repository.incrementRetry(version)).to.equal(1);
      const counts = await Promise.all(Array.from({ length: 5 }, () => repository.incrementRetry(version)));
      expect([...counts].sort()).to.deep.equal([2, 3, 4, 5, 6]);
      const report = await repository.statusForFile(file);
      expect(report.claims[0].retryCount).to.equal(6);
    });

    it('WHEN a retry is counted for a version nobody claimed THEN it is refused', async () => {
      const { repository } = await dynamo.fresh();
      try {
        await repository.incrementRetry(version);
        expect.fail('expected ClaimNotFoundError');
      } catch (error) {
        expect(error).to.be.instanceOf(ClaimNotFoundError);
      }
    });
  });

  describe('GIVEN a file moving through PENDING → IN_PROGRESS → SUCCESS', () => {
    it('THEN `status --file` sees the history newest first, with the claim, and TTLs are written', async () => {
      const clock = new TestClock();
      const { repository, documents, tableNames } = await dynamo.fresh({ clock: clock.now });
      await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-1' });
      for (const status of ['PENDING', 'IN_PROGRESS', 'SUCCESS'] as const) {
        await repository.recordStatus({
          ...file,
          workflowId,
          status,
          executionId: 'exec-1',
          fingerprint: version.fingerprint,
        });
        clock.advance(1);
      }
      const report = await repository.statusForFile(file);
      expect(report.history.map((h) => h.status)).to.deep.equal(['SUCCESS', 'IN_PROGRESS', 'PENDING']);
      expect(report.latest?.timestamp).to.equal('2025-06-28T22:00:02.000Z');
      expect(report.claims).to.have.length(1);

      const { Item } = await documents.send(
        new GetCommand({
          TableName: tableNames.fileTransferStatus,
          Key: { PK: fileKey(file), SK: claimSortKey(version.fingerprint) },
        }),
      );
      expect(Item?.expiresAt).to.equal(Date.parse('2025-06-28T22:00:00Z') / 1000 + 90 * DAY);
    });

    it('THEN a file can be found by name alone, and by workflow + status, and by customer', async () => {
      const { repository } = await dynamo.fresh();
      await repository.recordStatus({ ...file, workflowId, status: 'FAILED', errorMessage: 'AccessDenied' });
      await repository.recordStatus({ customerId: 'clientX', fileName: file.fileName, workflowId, status: 'SUCCESS' });
      await repository.recordStatus({ customerId: 'clientX', fileName: 'other.csv', workflowId, status: 'FAILED' });

      expect(await repository.findFilesByName(file.fileName)).to.deep.equal([
        file,
        { customerId: 'clientX', fileName: file.fileName },
      ]);
      const failed = await repository.statusesForWorkflow(workflowId, 'FAILED');
      expect(failed.map((f) => f.fileName).sort()).to.deep.equal([file.fileName, 'other.csv'].sort());
      expect(failed.find((f) => f.customerId === 'bankpacific')?.errorMessage).to.equal('AccessDenied');
      expect((await repository.recentStatusForCustomer('clientX')).map((s) => s.fileName).sort()).to.deep.equal(
        [file.fileName, 'other.csv'].sort(),
      );
    });
  });

  describe('GIVEN files indexed per customer and day', () => {
    it('WHEN `status --customer` asks with and without a date THEN it gets that day, or every day newest first', async () => {
      const { repository } = await dynamo.fresh();
      const entry = { workflowId, status: 'SUCCESS' as const, retryCount: 0 };
      await repository.indexCustomerFile({
        ...entry,
        customerId: 'bankpacific',
        fileName: 'a.csv',
        timestamp: '2025-06-27T23:59:59Z',
      });
      await repository.indexCustomerFile({
        ...entry,
        customerId: 'bankpacific',
        fileName: 'b.csv',
        timestamp: '2025-06-28T00:00:01Z',
      });
      await repository.indexCustomerFile({
        ...entry,
        customerId: 'bankpacific',
        fileName: 'c.csv',
        timestamp: '2025-06-28T10:00:00Z',
      });
      await repository.indexCustomerFile({
        ...entry,
        customerId: 'clientX',
        fileName: 'x.csv',
        timestamp: '2025-06-28T10:00:00Z',
      });

      const onDay = await repository.filesForCustomer('bankpacific', '2025-06-28');
      expect(onDay.map((f) => f.fileName).sort()).to.deep.equal(['b.csv', 'c.csv']);
      const all = await repository.filesForCustomer('bankpacific');
      expect(all.map((f) => f.date)).to.deep.equal(['2025-06-28', '2025-06-28', '2025-06-27']);
    });

    it('WHEN a file is retried and succeeds THEN its entry for the day is replaced, not duplicated', async () => {
      const { repository } = await dynamo.fresh();
      const base = { ...file, workflowId, timestamp: '2025-06-28T22:00:00Z' };
      await repository.indexCustomerFile({ ...base, status: 'FAILED', retryCount: 1, errorMessage: 'timeout' });
      await repository.indexCustomerFile({
        ...base,
        status: 'SUCCESS',
        retryCount: 2,
        targetSummary: { archive: 's3://bank-archive-bucket/x' },
      });
      const entries = await repository.filesForCustomer('bankpacific', '2025-06-28');
      expect(entries).to.deep.equal([
        {
          ...base,
          timestamp: '2025-06-28T22:00:00.000Z',
          date: '2025-06-28',
          status: 'SUCCESS',
          retryCount: 2,
          targetSummary: { archive: 's3://bank-archive-bucket/x' },
        },
      ]);
    });
  });

  describe('GIVEN the append-only audit log', () => {
    it('WHEN the same event is written twice THEN the first version stays and the second is reported as a duplicate', async () => {
      const clock = new TestClock();
      const { repository } = await dynamo.fresh({ clock: clock.now });
      const event = { ...file, eventId: 'exec-1.Copy', eventType: 'COPIED', workflowId };
      const first = await repository.appendAudit({ ...event, message: 'copied to archive' });
      const second = await repository.appendAudit({
        ...event,
        timestamp: first.entry.timestamp,
        message: 'rewritten history',
      });
      expect(first.outcome).to.equal('appended');
      expect(second.outcome).to.equal('duplicate');
      expect(second.entry.message).to.equal('copied to archive');

      const trail = await repository.auditTrail(file);
      expect(trail.map((e) => e.message)).to.deep.equal(['copied to archive']);
    });

    it('WHEN events follow each other THEN the trail reads oldest first and expires after a year', async () => {
      const clock = new TestClock();
      const { repository, documents, tableNames } = await dynamo.fresh({ clock: clock.now });
      for (const eventType of ['RECEIVED', 'VALIDATED', 'COPIED', 'SUCCEEDED']) {
        await repository.appendAudit({ ...file, eventType, eventId: eventType.toLowerCase() });
        clock.advance(1);
      }
      expect((await repository.auditTrail(file)).map((e) => e.eventType)).to.deep.equal([
        'RECEIVED',
        'VALIDATED',
        'COPIED',
        'SUCCEEDED',
      ]);
      const { Item } = await documents.send(
        new GetCommand({
          TableName: tableNames.fileTransferAuditLog,
          Key: { PK: fileKey(file), SK: auditSortKey('2025-06-28T22:00:00Z', 'received') },
        }),
      );
      expect(Item?.expiresAt).to.equal(Date.parse('2025-06-28T22:00:00Z') / 1000 + 365 * DAY);
    });
  });

  describe('GIVEN a transfer that exhausted its retries', () => {
    const failure = (failedAt: string, fileName = file.fileName): FailureInput => ({
      customerId: file.customerId,
      fileName,
      workflowId,
      fingerprint: version.fingerprint,
      executionId: 'exec-1',
      reasonCode: 'PERMISSION_DENIED',
      lastError: 'AccessDenied: S3 bucket not found or IAM role misconfigured.',
      retryCount: 3,
      failedAt,
      sourceUri: `s3://sftp-landing-zone/from-sftp/${fileName}`,
    });

    it('WHEN failures are enqueued THEN `status --failed` lists them newest first', async () => {
      const { repository } = await dynamo.fresh();
      await repository.enqueueFailure(failure('2025-06-28T22:15:03Z'));
      await repository.enqueueFailure(failure('2025-06-28T23:00:00Z', 'later.csv'));
      const open = await repository.listFailures();
      expect(open.map((f) => f.fileName)).to.deep.equal(['later.csv', file.fileName]);
      expect(open[1]).to.include({ reasonCode: 'PERMISSION_DENIED', executionId: 'exec-1', failureCount: 1 });
    });

    it('WHEN an operator re-drives it THEN it leaves the open list, expires in 30 days and the file can be claimed again', async () => {
      const clock = new TestClock();
      const { repository, documents, tableNames } = await dynamo.fresh({ clock: clock.now });
      await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-1' });
      await repository.enqueueFailure(failure('2025-06-28T22:15:03Z'));
      expect((await repository.claimTransfer({ ...version, workflowId, executionId: 'redrive-1' })).outcome).to.equal(
        'duplicate',
      );

      const resolved = await repository.resolveFailure(file, {
        outcome: 'REDRIVEN',
        resolvedBy: 'ops@bank',
        note: 'bucket fixed',
      });
      expect(resolved.outcome).to.equal('resolved');
      expect(resolved.failure.resolution).to.deep.equal({
        outcome: 'REDRIVEN',
        resolvedAt: '2025-06-28T22:00:00.000Z',
        resolvedBy: 'ops@bank',
        note: 'bucket fixed',
      });
      expect(await repository.listFailures()).to.deep.equal([]);
      const { Item } = await documents.send(
        new GetCommand({
          TableName: tableNames.transferFailureQueue,
          Key: { PK: `FAILURE#${file.customerId}#${file.fileName}` },
        }),
      );
      expect(Item?.expiresAt).to.equal(Date.parse('2025-06-28T22:00:00Z') / 1000 + 30 * DAY);

      const reclaimed = await repository.claimTransfer({ ...version, workflowId, executionId: 'redrive-1' });
      expect(reclaimed.outcome).to.equal('claimed');
      expect(reclaimed.claim.retryCount).to.equal(0);
      expect((await repository.resolveFailure(file, { outcome: 'REDRIVEN', resolvedBy: 'ops@bank' })).outcome).to.equal(
        'already-resolved',
      );
    });

    it('WHEN it is dismissed THEN the claim stays, so a late duplicate event still does not copy', async () => {
      const { repository } = await dynamo.fresh();
      await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-1' });
      await repository.enqueueFailure(failure('2025-06-28T22:15:03Z'));
      await repository.resolveFailure(file, { outcome: 'DISMISSED', resolvedBy: 'ops@bank' });
      expect((await repository.claimTransfer({ ...version, workflowId, executionId: 'late' })).outcome).to.equal(
        'duplicate',
      );
    });

    it('WHEN a re-driven file fails again THEN it is open again, counted twice, with no expiry', async () => {
      const { repository, documents, tableNames } = await dynamo.fresh();
      await repository.enqueueFailure(failure('2025-06-28T22:15:03Z'));
      await repository.resolveFailure(file, { outcome: 'REDRIVEN', resolvedBy: 'ops' });
      const again = await repository.enqueueFailure({ ...failure('2025-06-29T08:00:00Z'), sourceUri: undefined });
      expect(again.failureCount).to.equal(2);
      expect(again.resolution).to.equal(undefined);
      expect(again.sourceUri).to.equal(undefined);
      expect((await repository.listFailures()).map((f) => f.failedAt)).to.deep.equal(['2025-06-29T08:00:00.000Z']);
      const { Item } = await documents.send(
        new GetCommand({
          TableName: tableNames.transferFailureQueue,
          Key: { PK: `FAILURE#${file.customerId}#${file.fileName}` },
        }),
      );
      expect(Item).not.to.have.property('expiresAt');
    });

    it('WHEN an operator resolves a file that never failed THEN it is refused', async () => {
      const { repository } = await dynamo.fresh();
      try {
        await repository.resolveFailure(file, { outcome: 'DISMISSED', resolvedBy: 'ops' });
        expect.fail('expected FailureNotFoundError');
      } catch (error) {
        expect(error).to.be.instanceOf(FailureNotFoundError);
      }
    });
  });

  describe('GIVEN notifications about a file', () => {
    it('WHEN the same notification is logged twice THEN it is stored once', async () => {
      const { repository } = await dynamo.fresh();
      const sent = {
        ...file,
        workflowId,
        notificationId: 'exec-1.success.sns',
        timestamp: '2025-06-28T22:01:35Z',
        event: 'SUCCESS' as const,
        channel: 'SNS' as const,
        target: 'arn:aws:sns:us-west-2:123456789012:file-transfer-notify',
        status: 'SENT' as const,
        messageId: 'b7f57d33',
      };
      expect((await repository.logNotification(sent)).outcome).to.equal('appended');
      expect((await repository.logNotification(sent)).outcome).to.equal('duplicate');
      expect(await repository.notificationsForFile(file)).to.deep.equal([
        { ...sent, timestamp: '2025-06-28T22:01:35.000Z' },
      ]);
    });
  });

  describe('GIVEN workflow definitions', () => {
    const definition: WorkflowDefinitionInput = {
      id: workflowId,
      source: { type: 's3', bucket: 'sftp-landing-zone' },
      targets: [{ id: 'archive', type: 's3', bucket: 'bank-archive-bucket' }],
      validationRegex: '\\.csv$',
    };

    it('WHEN one is stored and later changed THEN it reads back validated, keeping its creation time', async () => {
      const clock = new TestClock();
      const { repository } = await dynamo.fresh({ clock: clock.now });
      await repository.putWorkflow(definition);
      clock.advance(60);
      await repository.putWorkflow({ ...definition, enabled: false });
      await repository.putWorkflow({ ...definition, id: 'another' });
      const stored = await repository.getWorkflow(workflowId);
      expect(stored?.definition.enabled).to.equal(false);
      expect(stored?.definition.maxRetries).to.equal(3);
      expect(stored?.createdAt).to.equal('2025-06-28T22:00:00.000Z');
      expect(stored?.updatedAt).to.equal('2025-06-28T22:01:00.000Z');
      expect((await repository.listWorkflows()).map((w) => w.definition.id)).to.deep.equal(['another', workflowId]);
      expect(await repository.getWorkflow('missing')).to.equal(undefined);
    });

    it('WHEN an invalid one is stored THEN it is refused before anything is written', async () => {
      const { repository } = await dynamo.fresh();
      try {
        await repository.putWorkflow({ ...definition, targets: [] });
        expect.fail('expected SchemaValidationError');
      } catch (error) {
        expect(error).to.be.instanceOf(SchemaValidationError);
        expect((error as SchemaValidationError).issues).to.deep.equal(['targets: list at least one target']);
      }
      expect(await repository.listWorkflows()).to.deep.equal([]);
    });
  });

  describe('GIVEN the pull poller looking at a remote file', () => {
    const look = (size: number, mtime = '2025-06-28T21:59:00Z'): PollInput => ({ ...file, workflowId, size, mtime });

    it('WHEN size and mtime are unchanged across two looks THEN the second look starts one transfer, later looks do not', async () => {
      const { repository } = await dynamo.fresh();
      const verdicts = [];
      for (const size of [100, 200, 200, 200]) verdicts.push(await repository.markPolledFile(look(size)));
      expect(verdicts.map((v) => v.outcome)).to.deep.equal(['first-look', 'changed', 'start', 'already-started']);
      expect(verdicts.map((v) => v.startTransfer)).to.deep.equal([false, false, true, false]);
      expect(verdicts[2].fingerprint).to.equal('size=200,mtime=2025-06-28T21:59:00.000Z');
    });

    it('WHEN the file changes after its transfer started THEN the new version waits for two looks and starts once', async () => {
      const { repository } = await dynamo.fresh();
      await repository.markPolledFile(look(200));
      await repository.markPolledFile(look(200));
      const touched = '2025-06-29T06:00:00Z';
      expect((await repository.markPolledFile(look(200, touched))).outcome).to.equal('changed');
      expect((await repository.markPolledFile(look(200, touched))).outcome).to.equal('start');
    });

    it('WHEN two pollers look at the same stable file at once THEN exactly one starts it', async () => {
      const { repository, documents, tableNames } = await dynamo.fresh();
      await repository.markPolledFile(look(200));
      const verdicts = await Promise.all([1, 2, 3, 4].map(() => repository.markPolledFile(look(200))));
      expect(verdicts.filter((v) => v.startTransfer)).to.have.length(1);
      const { Item } = await documents.send(
        new GetCommand({
          TableName: tableNames.fileTransferStatus,
          Key: { PK: fileKey(file), SK: pollSortKey(workflowId) },
        }),
      );
      expect(Item).to.include({ looks: 5, size: 200 });
      expect((await repository.statusForFile(file)).polls).to.have.length(1);
    });
    it('WHEN a started version is re-armed THEN the next look starts it again, counted as its second start; a version that changed cannot be re-armed', async () => {
      const { repository } = await dynamo.fresh();
      await repository.markPolledFile(look(200));
      const started = await repository.markPolledFile(look(200));
      const version = { ...file, workflowId, fingerprint: started.fingerprint };

      expect(await repository.rearmPolledFile(version)).to.equal(true);
      const again = await repository.markPolledFile(look(200));

      expect([started.record.starts, again.outcome, again.record.starts]).to.deep.equal([1, 'start', 2]);
      await repository.markPolledFile(look(300));
      expect(await repository.rearmPolledFile(version)).to.equal(false);
    });

    it('WHEN a started version is settled THEN later looks carry settledAt; an unstarted one cannot be settled', async () => {
      const { repository } = await dynamo.fresh();
      const first = await repository.markPolledFile(look(200));
      const version = { ...file, workflowId, fingerprint: first.fingerprint };
      expect(await repository.settlePolledFile(version)).to.equal(false);
      await repository.markPolledFile(look(200));

      expect(await repository.settlePolledFile(version)).to.equal(true);
      const later = await repository.markPolledFile(look(200));

      expect(later.outcome).to.equal('already-started');
      expect(later.record.settledAt).to.be.a('string');
    });
  });

  describe('GIVEN the local runtime starting twice', () => {
    it('WHEN the tables are created again THEN nothing fails and the data is still there', async () => {
      const { repository, endpoint, prefix } = await dynamo.fresh();
      await repository.recordStatus({ ...file, workflowId, status: 'PENDING' });
      const client = localDynamoClient(endpoint);
      try {
        await createTables(client, trackingTableSpecs(), prefix);
      } finally {
        client.destroy();
      }
      expect((await repository.statusForFile(file)).history).to.have.length(1);
    });
  });
});
