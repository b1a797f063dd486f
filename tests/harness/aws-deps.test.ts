import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { expect } from 'chai';
import sinon from 'sinon';
import { emfMetrics, HARNESS_ENVIRONMENT, harnessDepsFromEnvironment } from '../../functions/core/harness/aws-deps';
import { HARNESS_METRIC_FAMILY } from '../../functions/core/metrics/catalogue';
import { emittedEmf } from '../helpers/emf';

const POLLERS = [
  'arn:aws:lambda:us-west-2:111111111111:function:ff-dev-poll-pull-sources',
  'arn:aws:lambda:us-west-2:111111111111:function:ff-dev-b-poll-pull-sources',
];

describe('Harness on AWS', () => {
  afterEach(() => sinon.restore());

  describe('GIVEN a pull flow and the pipelines\u2019 pull pollers', () => {
    it('THEN asking for a pull invokes every poller asynchronously, naming the workflow', async () => {
      const send = sinon.stub(LambdaClient.prototype, 'send').resolves({});
      const deps = harnessDepsFromEnvironment({
        [HARNESS_ENVIRONMENT.configBucket]: 'acme-harness',
        [HARNESS_ENVIRONMENT.pullPollerFunctions]: POLLERS.join(','),
      });
      await deps.requestPull?.('initech-pull');
      const calls = send.getCalls().map((call) => (call.args[0] as InvokeCommand).input);
      expect(calls.map((c) => c.FunctionName)).to.have.members(POLLERS);
      for (const call of calls) {
        expect(call.InvocationType).to.equal('Event');
        expect(JSON.parse(Buffer.from(call.Payload as Uint8Array).toString())).to.deep.equal({
          workflowId: 'initech-pull',
        });
      }
    });

    it('THEN without a poller a pull flow has no way to ask, and says so instead of waiting out its SLO', () => {
      const deps = harnessDepsFromEnvironment({ [HARNESS_ENVIRONMENT.configBucket]: 'acme-harness' });
      expect(deps.requestPull).to.equal(undefined);
    });
  });

  describe('GIVEN the instance metrics namespace the harness construct sets', () => {
    it('THEN RunSuccess and the latency are written into it, with the FlowId dimension', () => {
      const previous = process.env.POWERTOOLS_METRICS_NAMESPACE;
      process.env.POWERTOOLS_METRICS_NAMESPACE = 'ff-dev-harness';
      try {
        const documents = emittedEmf(() => emfMetrics().recordRun('s3-to-s3', 1, 2.5));
        expect(documents).to.have.length(1);
        const [document] = documents;
        const [directive] = document._aws.CloudWatchMetrics;
        expect(directive.Namespace).to.equal('ff-dev-harness');
        expect(directive.Dimensions).to.have.length(1);
        expect(directive.Dimensions[0]).to.have.members(['FlowId', 'service']);
        expect(document.FlowId).to.equal('s3-to-s3');
        expect(directive.Metrics.map((m) => m.Name)).to.have.members(
          Object.values(HARNESS_METRIC_FAMILY.metrics).map((m) => m.name),
        );
      } finally {
        if (previous === undefined) delete process.env.POWERTOOLS_METRICS_NAMESPACE;
        else process.env.POWERTOOLS_METRICS_NAMESPACE = previous;
      }
    });
  });
});
