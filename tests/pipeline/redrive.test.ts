import { expect } from 'chai';
import { redriveOnAws, type RedriveExecutionInput } from '../../functions/core/pipeline/redrive';
import { pollFingerprint } from '../../functions/core/tracking/keys';
import type { FailureInput } from '../../functions/core/tracking/repository';
import { useLocalDynamo } from '../tracking/helpers';

const failedAt = '2025-06-28T22:15:03.000Z';
const fromS3: FailureInput = {
  customerId: 'acme',
  fileName: 'orders.csv',
  workflowId: 'acme-orders',
  fingerprint: '"9b2cf535f27731c974343645a3985328"',
  executionId: 'exec-1',
  reasonCode: 'PERMISSION_DENIED',
  lastError: 'Permission denied at the target',
  retryCount: 0,
  failedAt,
  sourceUri: 's3://landing/inbound/acme/orders.csv',
};
const pulled: FailureInput = {
  ...fromS3,
  customerId: 'initech',
  fileName: 'tps.csv',
  workflowId: 'initech-pull',
  fingerprint: pollFingerprint(42, '2025-06-28T22:00:00.000Z'),
  sourceUri: 'sftp://initech@partner:22/outbound/tps.csv',
};

describe('Re-drive on AWS (fileflow redrive and /transfer-retry)', () => {
  const dynamo = useLocalDynamo();

  describe('GIVEN a failed file read from S3, resolved as REDRIVEN', () => {
    it('THEN a new execution starts with the file id and the failure it re-drives', async () => {
      const { repository } = await dynamo.fresh();
      await repository.enqueueFailure(fromS3);
      const { failure } = await repository.resolveFailure(fromS3, { outcome: 'REDRIVEN', resolvedBy: 'ops' });
      const inputs: RedriveExecutionInput[] = [];
      const redrive = await redriveOnAws(repository, failure, async (input) => {
        inputs.push(input);
        return 'arn:aws:states:us-west-2:111111111111:execution:ff-dev-transfer:redrive-1';
      });
      expect(redrive).to.deep.equal({
        kind: 'started',
        executionArn: 'arn:aws:states:us-west-2:111111111111:execution:ff-dev-transfer:redrive-1',
      });
      expect(inputs).to.deep.equal([{ redrive: { fileId: 'acme/orders.csv', failedAt } }]);
    });
  });

  describe('GIVEN a failed file the pull poller fetched, resolved as REDRIVEN', () => {
    it('THEN no execution starts here: the file goes back to the poller, which holds the partner credentials', async () => {
      const { repository } = await dynamo.fresh();
      await repository.enqueueFailure(pulled);
      const { failure } = await repository.resolveFailure(pulled, { outcome: 'REDRIVEN', resolvedBy: 'ops' });
      let started = 0;
      const redrive = await redriveOnAws(repository, failure, async () => {
        started += 1;
        return 'never';
      });
      expect(redrive.kind).to.equal('requeued');
      expect(started).to.equal(0);
    });
  });

  describe('GIVEN a failure still open', () => {
    it('THEN nothing starts, and the error says to resolve it first', async () => {
      const { repository } = await dynamo.fresh();
      const failure = await repository.enqueueFailure(fromS3);
      let started = 0;
      const attempt = redriveOnAws(repository, failure, async () => {
        started += 1;
        return 'never';
      });
      await attempt.then(
        () => expect.fail('an open failure was re-driven'),
        (error: Error) => expect(error.message).to.match(/resolve the failure of acme\/orders.csv as REDRIVEN first/),
      );
      expect(started).to.equal(0);
    });
  });
});
