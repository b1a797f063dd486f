import { expect } from 'chai';
import { createTables, localDynamoClient, startDynamo, type LocalDynamo } from '../../cli/local/dynamodb';
import { NOTIFICATION_FILE_FIELD, NOTIFICATION_METRIC_FAMILY } from '../../functions/core/metrics/catalogue';
import { physicalTableNames, trackingTableSpecs } from '../../functions/core/tracking/tables';
import { emittedEmfAsync, type EmfDocument } from '../helpers/emf';

type HandlerModule = typeof import('../../functions/handlers/log-notification');

const PREFIX = 'ff-notify';
const NAMESPACE = 'ff-notify-transfers';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ff-notify-transfer-notifications';

/** The state Log Notification receives after Send Notification published, or failed to. */
function payload(executionId: string, published: boolean) {
  return {
    topicArn: TOPIC,
    state: {
      status: 'ACCEPTED',
      executionId,
      file: { customerId: 'acme', fileName: 'orders.csv', workflowId: 'acme-orders', fingerprint: 'v1' },
      notice: {
        event: published ? 'SUCCESS' : 'FAILURE',
        notify: true,
        reasonCode: published ? 'COPIED' : 'COPY_FAILED',
        subject: 'orders.csv',
        message: 'done',
        ...(published
          ? { sns: { messageId: 'm-1' } }
          : { snsError: { Error: 'SNS.KMSAccessDeniedException', Cause: 'denied' } }),
      },
    },
  };
}

describe('Notification metrics', () => {
  let dynamo: LocalDynamo;
  const saved: Record<string, string | undefined> = {};
  const setEnv = (name: string, value: string) => {
    if (!(name in saved)) saved[name] = process.env[name];
    process.env[name] = value;
  };

  before(async function () {
    this.timeout(20_000);
    dynamo = await startDynamo();
    await createTables(localDynamoClient(dynamo.endpoint), trackingTableSpecs(), PREFIX);
    const names = physicalTableNames(PREFIX);
    for (const spec of trackingTableSpecs()) setEnv(spec.environmentVariable, names[spec.logicalName]);
    setEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
    setEnv('AWS_REGION', 'eu-west-1');
    setEnv('AWS_ACCESS_KEY_ID', 'local');
    setEnv('AWS_SECRET_ACCESS_KEY', 'local');
    setEnv('POWERTOOLS_METRICS_NAMESPACE', NAMESPACE);
    setEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
  });

  after(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await dynamo?.stop();
  });

  describe('GIVEN the Log Notification handler with the notification log in a local DynamoDB', () => {
    let documents: EmfDocument[];

    before(async function () {
      this.timeout(20_000);
      documents = await emittedEmfAsync(async () => {
        // Loaded here so its module-level clients and Metrics are created with this environment and capture.
        const { handler } = require('../../functions/handlers/log-notification') as HandlerModule;
        await handler(payload('exec-sent', true));
        await handler(payload('exec-failed', false));
      });
    });

    it('WHEN a publish succeeds and one fails THEN each file gets one EMF record in the pipeline namespace', () => {
      expect(documents).to.have.length(2);
      for (const document of documents) {
        const [directive] = document._aws.CloudWatchMetrics;
        expect(directive.Namespace).to.equal(NAMESPACE);
        expect(directive.Dimensions).to.have.length(1);
        expect(directive.Dimensions[0]).to.have.members([...NOTIFICATION_METRIC_FAMILY.dimensions]);
        expect(document.Customer).to.equal('acme');
        expect(document.WorkflowId).to.equal('acme-orders');
        expect(document[NOTIFICATION_FILE_FIELD]).to.equal('orders.csv');
        expect(document.service).to.equal(NOTIFICATION_METRIC_FAMILY.service);
      }
    });

    it('THEN the records name exactly the catalogue metrics with their units', () => {
      const emitted = documents[0]._aws.CloudWatchMetrics[0].Metrics;
      const catalogue = Object.values(NOTIFICATION_METRIC_FAMILY.metrics).map((m) => ({ Name: m.name, Unit: m.unit }));
      expect(emitted).to.have.deep.members(catalogue);
    });

    it('THEN the sent file counts one channel reached and the failed file one channel not reached', () => {
      const { sent, failed, latency } = NOTIFICATION_METRIC_FAMILY.metrics;
      expect([documents[0][sent.name], documents[0][failed.name]]).to.deep.equal([1, 0]);
      expect([documents[1][sent.name], documents[1][failed.name]]).to.deep.equal([0, 1]);
      for (const document of documents) expect(document[latency.name]).to.be.a('number').and.at.least(0);
    });
  });
});
