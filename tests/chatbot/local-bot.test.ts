import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { localChatBot, type LocalChatBotServer } from '../../cli/runtime/chatbot-server';
import { putLocalWorkflow, resolveLocalPlaceholders } from '../../cli/runtime/local-placeholders';
import {
  localS3Client,
  openRuntimeContext,
  startLocalRuntime,
  type LocalRuntime,
  type LocalRuntimeContext,
} from '../../cli/runtime/local-runtime';
import { slackSignature, teamsSignature } from '../../functions/core/chatbot/signature';
import type { WorkflowDefinitionInput } from '../../functions/core/tracking/records';
import { SAMPLE_WORKFLOWS_DIR } from '../runtime/helpers';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A Slack message as the bot answers: the header and every text of its blocks. */
interface SlackAnswer {
  readonly status: number;
  readonly title: string;
  readonly text: string;
}

/** What a Slack `response_url` receives. */
interface Posted {
  readonly text: string;
  readonly blocks: { text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[];
  readonly replace_original?: boolean;
}

function flatten(message: Posted): string {
  return message.blocks
    .flatMap((block) => [
      block.text?.text,
      ...(block.fields ?? []).map((f) => f.text),
      ...(block.elements ?? []).map((e) => e.text),
    ])
    .filter(Boolean)
    .join('\n');
}

describe('chat bot on the local runtime: signed Slack and Teams requests against the runtime data', function () {
  this.timeout(120_000);
  let scratch: string;
  let runtime: LocalRuntime;
  let context: LocalRuntimeContext;
  let bot: LocalChatBotServer;
  let s3: S3Client;
  let receiver: Server;
  let responseUrl: string;
  const posted: Posted[] = [];
  const waiters: (() => void)[] = [];

  /** The next message posted to the response_url. */
  const nextPost = async (count: number): Promise<Posted> => {
    while (posted.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return posted[count - 1]!;
  };

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'fileflow-chatbot-'));
    runtime = await startLocalRuntime({
      dir: join(scratch, 'local'),
      pollIntervalMs: 150,
      scanIntervalMs: 50,
      onError: () => undefined,
    });
    s3 = localS3Client(runtime.endpoints);
    for (const file of (await readdir(SAMPLE_WORKFLOWS_DIR)).filter((f) => f.endsWith('.json'))) {
      const definition = JSON.parse(await readFile(join(SAMPLE_WORKFLOWS_DIR, file), 'utf8')) as unknown;
      await putLocalWorkflow(runtime.repository, definition, runtime.endpoints);
    }
    context = openRuntimeContext(runtime.endpoints);
    bot = await localChatBot({
      retryAllowList: { userIds: ['U0OPS'], channelIds: ['C0OPS'] },
      log: () => undefined,
    })(context);
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        posted.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Posted);
        response.writeHead(200).end('ok');
        for (const wake of waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    responseUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/commands/T1/1/abc`;
  });

  after(async () => {
    await bot?.stop();
    await context?.close();
    s3?.destroy();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await runtime?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const land = async (key: string, bytes: Buffer) =>
    s3.send(new PutObjectCommand({ Bucket: runtime.endpoints.s3.buckets.landing, Key: key, Body: bytes }));

  // Slack gives every invocation its own trigger_id, so two requests are never the same bytes.
  let triggers = 0;
  const slashBody = (command: string, text: string, user = 'U0ALICE', channel = 'C0GENERAL') =>
    new URLSearchParams({
      trigger_id: `13345224609.738474920.${(triggers += 1)}`,
      token: 'legacy-token-not-used',
      team_id: 'T1',
      channel_id: channel,
      user_id: user,
      user_name: user.toLowerCase(),
      command,
      text,
      response_url: responseUrl,
    }).toString();

  /** Posts a raw body with the given headers to the bot's Slack endpoint. */
  const postSlack = async (body: string, headers: Record<string, string>) => {
    const response = await fetch(`${bot.endpoint.url}/slack/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    return { status: response.status, body: await response.text() };
  };

  const signed = (body: string, timestamp = String(Math.floor(Date.now() / 1000))) => ({
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': slackSignature(bot.endpoint.slackSigningSecret, timestamp, body),
  });

  /** A slash command signed with the runtime's signing secret. */
  const slack = async (command: string, text = '', user?: string, channel?: string): Promise<SlackAnswer> => {
    const body = slashBody(command, text, user, channel);
    const response = await postSlack(body, signed(body));
    if (response.status !== 200) return { status: response.status, title: '', text: response.body };
    const message = JSON.parse(response.body) as Posted;
    return { status: response.status, title: message.text, text: flatten(message) };
  };

  describe('GIVEN requests whose signature does not hold', () => {
    it('WHEN a request is signed with the runtime secret THEN it is answered', async () => {
      const answer = await slack('/transfer-status', 'never-seen.csv');
      expect(answer.status).to.equal(200);
      expect(answer.title).to.equal('No transfer of never-seen.csv');
    });

    it('WHEN a request is signed with another secret THEN it is refused with 401 and nothing is answered', async () => {
      const body = slashBody('/transfer-status', 'never-seen.csv');
      const timestamp = String(Math.floor(Date.now() / 1000));
      const response = await postSlack(body, {
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature('not-the-signing-secret', timestamp, body),
      });
      expect(response).to.deep.equal({ status: 401, body: 'request signature verification failed' });
    });

    it('WHEN a valid request is sent a second time THEN the replay is refused', async () => {
      const body = slashBody('/transfer-failed-notifications', '');
      const headers = signed(body);
      expect((await postSlack(body, headers)).status).to.equal(200);
      expect((await postSlack(body, headers)).status).to.equal(401);
    });

    it('WHEN a correctly signed request is ten minutes old THEN it is refused as stale', async () => {
      const body = slashBody('/transfer-status', 'never-seen.csv');
      const response = await postSlack(body, signed(body, String(Math.floor(Date.now() / 1000) - 600)));
      expect(response.status).to.equal(401);
    });

    it('WHEN the signature headers are missing THEN it is refused', async () => {
      const response = await postSlack(slashBody('/transfer-status', 'x.csv'), {});
      expect(response.status).to.equal(401);
    });

    it('WHEN a signed request names an unknown command THEN the answer is the usage, not an error', async () => {
      const answer = await slack('/transfer-delete', 'x.csv');
      expect(answer.title).to.equal('How to ask');
      expect(answer.text).to.contain('unknown command "/transfer-delete"');
    });
  });

  describe('GIVEN a file the runtime delivered and notifications logged about it', () => {
    const bytes = randomBytes(4096);
    before(async () => {
      await land('inbound/acme/orders-2025-06-28.csv', bytes);
      await runtime.idle();
      const file = { customerId: 'acme', fileName: 'orders-2025-06-28.csv', workflowId: 'acme-s3-to-s3' };
      const latest = await runtime.repository.statusForFile(file);
      expect(latest.latest?.status).to.equal('SUCCESS');
      // The local runtime has no SNS: the log entries the notification step writes on AWS.
      await runtime.repository.logNotification({
        ...file,
        event: 'SUCCESS',
        channel: 'SNS',
        target: 'arn:aws:sns:us-west-2:111111111111:acme-transfers',
        status: 'SENT',
        messageId: 'b7f57d33-4fbf-490c-832c-52d157b92c31',
        timestamp: new Date(Date.now() - 60_000).toISOString(),
      });
      await runtime.repository.logNotification({
        ...file,
        event: 'SUCCESS',
        channel: 'WEBHOOK',
        target: 'https://hooks.acme.example/transfers',
        status: 'FAILED',
        response: 'HTTP 503',
        timestamp: new Date(Date.now() - 30_000).toISOString(),
      });
      await runtime.repository.logNotification({
        ...file,
        fileName: 'orders-2025-06-20.csv',
        event: 'FAILURE',
        channel: 'SNS',
        target: 'arn:aws:sns:us-west-2:111111111111:acme-transfers',
        status: 'SENT',
        timestamp: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      });
    });

    it('WHEN /transfer-status names it THEN the answer shows customer, workflow, SUCCESS and the latest notification', async () => {
      const answer = await slack('/transfer-status', 'orders-2025-06-28.csv');
      expect(answer.title).to.equal('Transfer status: orders-2025-06-28.csv');
      expect(answer.text).to.contain('acme/orders-2025-06-28.csv');
      expect(answer.text).to.contain('*Workflow*\nacme-s3-to-s3');
      expect(answer.text).to.contain('✅ SUCCESS');
      expect(answer.text).to.contain('*Sent to*\nhttps://hooks.acme.example/transfers');
      expect(answer.text).to.contain('❌ FAILED');
    });

    it('WHEN /transfer-notifications names the customer THEN its notifications are listed newest first', async () => {
      const answer = await slack('/transfer-notifications', 'acme');
      expect(answer.title).to.equal('Notifications for acme');
      const webhook = answer.text.indexOf('https://hooks.acme.example/transfers');
      const sns = answer.text.indexOf('b7f57d33-4fbf-490c-832c-52d157b92c31');
      expect(webhook).to.be.greaterThan(-1);
      expect(sns).to.be.greaterThan(webhook);
    });

    it('WHEN /transfer-notifications names a malformed customer id THEN the answer explains the id rule', async () => {
      const answer = await slack('/transfer-notifications', 'acme#1');
      expect(answer.title).to.equal('How to ask');
      expect(answer.text).to.contain('customer id "acme#1" must be');
    });

    it('WHEN /transfer-failed-notifications is asked THEN the undelivered webhook is listed with its response', async () => {
      const answer = await slack('/transfer-failed-notifications');
      expect(answer.title).to.equal('Failed notifications');
      expect(answer.text).to.contain('acme/orders-2025-06-28.csv');
      expect(answer.text).to.contain('HTTP 503');
      expect(answer.text).to.not.contain('b7f57d33');
    });

    it('WHEN /transfer-alert-summary is asked for 24h THEN it answers at once with the counts of the last day', async () => {
      const answer = await slack('/transfer-alert-summary');
      expect(answer.title).to.equal('Alert summary, last 24h');
      expect(answer.text).to.contain('*Notifications*\n2');
      expect(answer.text).to.contain('*Not delivered*\n1');
      expect(answer.text).to.contain('*acme*\n1');
    });

    it('WHEN /transfer-alert-summary is asked for 7d THEN it acknowledges at once and posts the summary to the response_url', async () => {
      const before = posted.length;
      const answer = await slack('/transfer-alert-summary', '7d');
      expect(answer.title).to.equal('Working on it');

      const message = await nextPost(before + 1);
      expect(message.text).to.equal('Alert summary, last 7d');
      expect(message.replace_original).to.equal(false);
      expect(flatten(message)).to.contain('*Notifications*\n3');
      expect(flatten(message)).to.contain('*Failure alerts*\n1');
    });

    it('WHEN a Teams outgoing webhook asks for the status THEN it gets an Adaptive Card with the same facts', async () => {
      const body = JSON.stringify({
        type: 'message',
        text: '<at>Fileflow</at>&nbsp;transfer-status orders-2025-06-28.csv',
        from: { id: '29:1abc', name: 'Alice', aadObjectId: 'aad-alice' },
        conversation: { id: '19:ops@thread.skype' },
        channelData: { channel: { id: '19:ops@thread.skype' } },
      });
      const response = await fetch(`${bot.endpoint.url}/teams/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: teamsSignature(bot.endpoint.teamsSecurityToken, body),
        },
        body,
      });
      expect(response.status).to.equal(200);
      const message = (await response.json()) as {
        type: string;
        attachments: {
          contentType: string;
          content: { body: { text?: string; facts?: { title: string; value: string }[] }[] };
        }[];
      };
      expect(message.type).to.equal('message');
      const card = message.attachments[0]!;
      expect(card.contentType).to.equal('application/vnd.microsoft.card.adaptive');
      expect(card.content.body[0]!.text).to.equal('Transfer status: orders-2025-06-28.csv');
      const facts = card.content.body.flatMap((element) => element.facts ?? []);
      expect(facts).to.deep.include({ title: 'Status', value: '✅ SUCCESS' });

      const forged = await fetch(`${bot.endpoint.url}/teams/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: teamsSignature('Zm9yZ2Vk', body) },
        body,
      });
      expect(forged.status).to.equal(401);
    });
  });

  describe('GIVEN a file that failed and sits in the failure queue', () => {
    const file = { customerId: 'wayne', fileName: 'payroll.csv' };
    const bytes = randomBytes(2048);
    const workflow = (): WorkflowDefinitionInput => ({
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
    const auditTypes = async () => (await runtime.repository.auditTrail(file)).map((entry) => entry.eventType);

    before(async () => {
      // Pinned to the source server's key while it delivers to the target: a host key mismatch, not retried.
      const broken = resolveLocalPlaceholders(workflow(), runtime.endpoints);
      (broken.targets[0] as { hostKeyFingerprints: string[] }).hostKeyFingerprints = [
        runtime.endpoints.sftp.source.hostKeyFingerprint,
      ];
      await putLocalWorkflow(runtime.repository, broken, runtime.endpoints);
      await land('inbound/wayne/payroll.csv', bytes);
      await runtime.idle();
      expect((await runtime.repository.getFailure(file))?.resolution).to.equal(undefined);
    });

    it('WHEN someone off the allow-list asks /transfer-retry THEN it is refused, audited, and the failure stays open', async () => {
      const answer = await slack('/transfer-retry', 'payroll.csv', 'U0MALLORY', 'C0GENERAL');

      expect(answer.title).to.equal('Retry refused');
      const failure = await runtime.repository.getFailure(file);
      expect(failure?.resolution).to.equal(undefined);
      const refused = (await runtime.repository.auditTrail(file)).filter((e) => e.eventType === 'RETRY_REFUSED');
      expect(refused).to.have.length(1);
      expect(refused[0]!.metadata).to.include({
        platform: 'slack',
        userId: 'U0MALLORY',
        channelId: 'C0GENERAL',
        command: '/transfer-retry payroll.csv',
      });
    });

    it('WHEN an allow-listed channel asks /transfer-retry after the workflow was fixed THEN it acknowledges, re-drives and posts the outcome; the file is delivered', async () => {
      await putLocalWorkflow(runtime.repository, workflow(), runtime.endpoints);
      const before = posted.length;

      const answer = await slack('/transfer-retry', 'payroll.csv', 'U0BOB', 'C0OPS');

      expect(answer.title).to.equal('Re-driving wayne/payroll.csv');
      const message = await nextPost(before + 1);
      expect(message.text).to.equal('Re-drove wayne/payroll.csv');
      expect(flatten(message)).to.contain('*Outcome*\nSUCCEEDED');
      const delivered = await readFile(join(runtime.endpoints.sftp.target.root, 'deliveries/wayne/payroll.csv'));
      expect(sha256(delivered)).to.equal(sha256(bytes));
      const failure = await runtime.repository.getFailure(file);
      expect(failure?.resolution).to.include({ outcome: 'REDRIVEN', resolvedBy: 'slack:U0BOB (u0bob) via chat bot' });
      expect(await auditTypes()).to.include.members(['RETRY_REFUSED', 'RETRY_REQUESTED', 'REDRIVE_STARTED']);
    });

    it('WHEN the same retry is asked again THEN nothing is re-driven a second time and the request is audited', async () => {
      const requestsBefore = (await auditTypes()).filter((type) => type === 'RETRY_REQUESTED').length;
      const startsBefore = (await auditTypes()).filter((type) => type === 'REDRIVE_STARTED').length;

      const answer = await slack('/transfer-retry', 'wayne/payroll.csv', 'U0OPS');

      expect(answer.title).to.equal('Nothing retried');
      expect(answer.text).to.contain('wayne/payroll.csv was already re-driven by slack:U0BOB');
      const types = await auditTypes();
      expect(types.filter((type) => type === 'RETRY_REQUESTED')).to.have.length(requestsBefore + 1);
      expect(types.filter((type) => type === 'REDRIVE_STARTED')).to.have.length(startsBefore);
    });
  });
});
