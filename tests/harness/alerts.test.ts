import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { expect } from 'chai';
import sinon from 'sinon';
import type { AlertChannel } from '../../functions/core/flows/schema';
import type { ChannelDelivery } from '../../functions/core/harness/alerts';
import type { HarnessDeps } from '../../functions/core/harness/deps';
import type { RecordedRun } from '../../functions/core/harness/record';
import { runHarnessStep } from '../../functions/core/harness/steps';

const secretArn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}`;
const FLOW_TOPIC = 'arn:aws:sns:us-east-1:123456789012:acme-flow-alerts';

/** A finished flow as RecordResults hands it on. */
function recorded(flowId: string, passed: boolean, channels: AlertChannel[], loud = true): RecordedRun {
  return {
    flow_id: flowId,
    run_id: `${flowId}-run`,
    outcome: passed ? 'SUCCESS' : 'FAILURE',
    reason: passed ? null : 'TIMEOUT',
    failed_step: passed ? null : 'PollTarget',
    outcome_matches_expectation: passed,
    result_key: `results/dt=2025-06-28/flow_id=${flowId}/run_id=${flowId}-run/run.json`,
    delete_after: true,
    alert_on_failure: loud,
    alert_channels: channels,
  };
}

describe('GIVEN failing flows that name SNS and webhook channels, and a loopback webhook server', () => {
  let server: Server;
  let base: string;
  const received: { path: string; headers: Record<string, unknown>; body: unknown }[] = [];
  const published: { subject: string; message: string; topicArn?: string }[] = [];
  let secretsManager: SecretsManagerClient;
  let output: { failures: number; alerted: boolean; channels: ChannelDelivery[] };

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '';
        received.push({ path, headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        response.statusCode = path.startsWith('/broken') ? 500 : 200;
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const secrets: Record<string, string> = {
      [secretArn('slack')]: `${base}/slack/T000/B000?token=hush`,
      [secretArn('teams')]: JSON.stringify({ url: `${base}/teams` }),
      [secretArn('jira')]: JSON.stringify({
        url: `${base}/jira/rest/api/2/issue`,
        headers: { authorization: 'Basic amlyYTp0b2tlbg==' },
        project_key: 'OPS',
      }),
      [secretArn('servicenow')]: JSON.stringify({ url: `${base}/servicenow/api/now/table/incident` }),
      [secretArn('jira-without-project')]: JSON.stringify({ url: `${base}/jira-2` }),
      [secretArn('broken')]: `${base}/broken`,
    };
    secretsManager = new SecretsManagerClient({ region: 'us-east-1' });
    sinon.stub(secretsManager, 'send').callsFake(async (command: unknown) => {
      const id = (command as GetSecretValueCommand).input.SecretId!;
      if (!(id in secrets)) throw Object.assign(new Error(`${id} not found`), { name: 'ResourceNotFoundException' });
      return { SecretString: secrets[id] };
    });
    const deps: HarnessDeps = {
      s3: new S3Client({ region: 'us-east-1' }),
      configBucket: 'fileflow-harness-config',
      secretsManager,
      metrics: { recordRun: () => undefined },
      publishAlert: async (subject, message, topicArn) => {
        published.push({ subject, message, topicArn });
      },
    };
    const webhook = (name: string, format: 'slack' | 'teams' | 'jira' | 'servicenow'): AlertChannel => ({
      webhook_secret_arn: secretArn(name),
      format,
    });
    const results = [
      recorded('acme-daily', false, [
        { sns_topic_arn: FLOW_TOPIC },
        webhook('slack', 'slack'),
        webhook('teams', 'teams'),
        webhook('jira', 'jira'),
        webhook('servicenow', 'servicenow'),
      ]),
      recorded('globex-daily', false, [webhook('slack', 'slack'), webhook('jira-without-project', 'jira')]),
      recorded('initech-daily', false, [webhook('broken', 'slack'), webhook('missing', 'teams')]),
      recorded('umbrella-daily', true, [webhook('slack', 'slack')]),
      recorded('hooli-quiet', false, [webhook('slack', 'slack')], false),
    ];
    output = (await runHarnessStep(
      'AlertOnFailures',
      { batch_id: '20250628T060000Z-abcd1234', date: '2025-06-28', results },
      deps,
    )) as typeof output;
  });

  after(async () => {
    sinon.restore();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const bodyAt = (prefix: string) => received.find((request) => request.path.startsWith(prefix))?.body;

  describe('WHEN AlertOnFailures runs after the Map', () => {
    it("THEN the harness's own topic gets ONE alert naming every loud failing flow, and no other", () => {
      const own = published.filter((alert) => alert.topicArn === undefined);
      expect(own).to.have.length(1);
      expect(own[0]!.subject).to.equal('fileflow: 3 of 5 flow test(s) failed (2025-06-28)');
      expect(own[0]!.message).to.contain('acme-daily').and.contain('globex-daily').and.contain('initech-daily');
      expect(own[0]!.message).not.to.contain('umbrella-daily').and.not.contain('hooli-quiet');
    });

    it("THEN a flow's SNS topic gets one alert with only the flows that named it", () => {
      const flowTopic = published.filter((alert) => alert.topicArn === FLOW_TOPIC);
      expect(flowTopic).to.have.length(1);
      expect(flowTopic[0]!.subject).to.contain('1 of 5');
      expect(flowTopic[0]!.message).to.contain('acme-daily').and.not.contain('globex-daily');
    });

    it('THEN Slack gets one message for the two flows that share its webhook', () => {
      const slack = received.filter((request) => request.path.startsWith('/slack'));
      expect(slack).to.have.length(1);
      expect(slack[0]!.path).to.equal('/slack/T000/B000?token=hush');
      const { text } = slack[0]!.body as { text: string };
      expect(text).to.match(/^\*fileflow: 2 of 5 flow test\(s\) failed/);
      expect(text).to.contain('acme-daily: FAILURE TIMEOUT at PollTarget').and.contain('globex-daily');
    });

    it('THEN Teams gets an Adaptive Card, Jira an issue in its project, ServiceNow an incident with the batch id', () => {
      const teams = bodyAt('/teams') as { type: string; attachments: { contentType: string; content: unknown }[] };
      expect(teams.type).to.equal('message');
      expect(teams.attachments[0]!.contentType).to.equal('application/vnd.microsoft.card.adaptive');
      expect(JSON.stringify(teams.attachments[0]!.content)).to.contain('acme-daily');

      const jira = received.find((request) => request.path === '/jira/rest/api/2/issue')!;
      expect(jira.headers.authorization).to.equal('Basic amlyYTp0b2tlbg==');
      expect(jira.body).to.deep.include({
        fields: {
          project: { key: 'OPS' },
          issuetype: { name: 'Bug' },
          summary: 'fileflow: 1 of 5 flow test(s) failed (2025-06-28)',
          description: (jira.body as { fields: { description: string } }).fields.description,
          labels: ['fileflow-flow-test'],
        },
      });
      expect(bodyAt('/servicenow')).to.include({
        short_description: 'fileflow: 1 of 5 flow test(s) failed (2025-06-28)',
        correlation_id: '20250628T060000Z-abcd1234',
      });
    });

    it('THEN a channel that cannot be reached is reported FAILED with why, and the others still heard', () => {
      const byChannel = Object.fromEntries(output.channels.map((delivery) => [delivery.channel, delivery]));
      expect(output).to.include({ failures: 4, alerted: true });
      expect(byChannel[`webhook slack ${base}/slack/T000/B000`]).to.deep.equal({
        channel: `webhook slack ${base}/slack/T000/B000`,
        flows: 2,
        status: 'SENT',
      });
      expect(byChannel[`webhook slack ${base}/broken`]).to.include({ status: 'FAILED', detail: 'HTTP 500' });
      expect(byChannel[`webhook jira ${base}/jira-2`]?.detail).to.contain('project_key');
      expect(byChannel[`webhook teams ${secretArn('missing')}`]?.detail).to.contain('not found');
      expect(output.channels.filter((delivery) => delivery.status === 'SENT')).to.have.length(5);
      expect(JSON.stringify(output)).not.to.contain('hush');
    });
  });
});
