import { expect } from 'chai';
import { readTransfers } from '../../functions/core/report/transfers';
import { useLocalDynamo } from '../tracking/helpers';

describe('Transfers of a date range (customer file index on a local DynamoDB)', () => {
  const dynamo = useLocalDynamo();

  it('GIVEN files of several customers on several days WHEN a range is read THEN every customer’s files of those days come back, and no others', async () => {
    const { repository, documents, tableNames } = await dynamo.fresh();
    const index = (customerId: string, fileName: string, date: string) =>
      repository.indexCustomerFile({
        customerId,
        fileName,
        workflowId: 'wf',
        status: 'SUCCESS',
        retryCount: 0,
        date,
        timestamp: `${date}T12:00:00.000Z`,
      });
    await index('acme', 'before.csv', '2025-06-25');
    await index('acme', 'first.csv', '2025-06-26');
    await index('globex', 'last.csv', '2025-06-28');
    await index('initech', 'after.csv', '2025-06-29');

    const entries = await readTransfers(
      { client: documents, tableNames, repository },
      { from: '2025-06-26', to: '2025-06-28' },
    );
    expect(entries.map((entry) => `${entry.customerId}/${entry.fileName}@${entry.date}`).sort()).to.deep.equal([
      'acme/first.csv@2025-06-26',
      'globex/last.csv@2025-06-28',
    ]);
    expect(entries[0]).to.not.have.any.keys('PK', 'SK');
  });

  it('GIVEN failed files WHEN a range is read THEN each carries the failure queue’s reason code, or else the code its message starts with', async () => {
    const { repository, documents, tableNames } = await dynamo.fresh();
    const failed = (fileName: string, errorMessage: string) =>
      repository.indexCustomerFile({
        customerId: 'acme',
        fileName,
        workflowId: 'wf',
        status: 'FAILED',
        retryCount: 3,
        errorMessage,
        date: '2025-06-27',
        timestamp: '2025-06-27T12:00:00.000Z',
      });
    await failed('queued.csv', 'something went wrong');
    await repository.enqueueFailure({
      customerId: 'acme',
      fileName: 'queued.csv',
      workflowId: 'wf',
      fingerprint: 'etag-1',
      executionId: 'exec-1',
      reasonCode: 'RETRIES_EXHAUSTED',
      lastError: 'connection reset, 3 times',
      retryCount: 3,
    });
    await failed('rejected.csv', 'VALIDATION_FAILED: name does not match ^orders-');
    await failed('unexplained.csv', 'lost');

    const entries = await readTransfers(
      { client: documents, tableNames, repository },
      { from: '2025-06-27', to: '2025-06-27' },
    );
    const reasons = Object.fromEntries(entries.map((entry) => [entry.fileName, entry.reasonCode]));
    expect(reasons).to.deep.equal({
      'queued.csv': 'RETRIES_EXHAUSTED',
      'rejected.csv': 'VALIDATION_FAILED',
      'unexplained.csv': undefined,
    });
  });
});
