import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { expect } from 'chai';
import sinon from 'sinon';
import { slackSignature } from '../../functions/core/chatbot/signature';
import { createChatBotHandler } from '../../functions/handlers/chatbot';
import { TRACKING_TABLES } from '../../functions/core/tracking/tables';
import { useLocalDynamo } from '../tracking/helpers';

const SIGNING_SECRET_ARN = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/slack-signing-AbCdEf';
const SIGNING_SECRET = 'e3b0c44298fc1c149afbf4c8996fb924';

describe('chat bot Lambda behind its function URL', function () {
  this.timeout(30_000);
  const dynamo = useLocalDynamo();
  let receiver: Server;
  let responseUrl: string;
  const posted: unknown[] = [];

  before(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        posted.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    responseUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  async function setUp() {
    const { documents, tableNames, repository } = await dynamo.fresh();
    const secretsManager = new SecretsManagerClient({ region: 'us-west-2' });
    const lambda = new LambdaClient({ region: 'us-west-2' });
    const getSecret = sinon.stub(secretsManager, 'send').resolves({ SecretString: `${SIGNING_SECRET}\n` } as never);
    const invoke = sinon.stub(lambda, 'send').resolves({ StatusCode: 202 } as never);
    const env: NodeJS.ProcessEnv = {
      SLACK_SIGNING_SECRET_ARN: SIGNING_SECRET_ARN,
      TRANSFER_STATE_MACHINE_ARN: 'arn:aws:states:us-west-2:111111111111:stateMachine:ff-dev-transfer',
      RETRY_ALLOWED_USER_IDS: 'U0OPS',
      AWS_LAMBDA_FUNCTION_NAME: 'ff-dev-chatbot',
      ...Object.fromEntries(
        Object.values(TRACKING_TABLES).map((spec) => [spec.environmentVariable, tableNames[spec.logicalName]]),
      ),
    };
    const handler = createChatBotHandler(
      { dynamo: documents, secretsManager, lambda, sfn: new SFNClient({ region: 'us-west-2' }) },
      env,
    );
    return { handler, getSecret, invoke, repository };
  }

  /** A function URL event (payload 2.0) carrying a signed slash command, base64-encoded as function URLs send forms. */
  function functionUrlEvent(command: string, text: string, secret = SIGNING_SECRET) {
    const body = new URLSearchParams({
      command,
      text,
      user_id: 'U0ALICE',
      channel_id: 'C0X',
      response_url: responseUrl,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      version: '2.0',
      rawPath: '/slack/commands',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature(secret, timestamp, body.toString()),
      },
      body: Buffer.from(body.toString()).toString('base64'),
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST', path: '/slack/commands' } },
    };
  }

  it('GIVEN a signed slash command WHEN the function URL delivers it base64-encoded THEN it is verified with the secret from Secrets Manager and answered in Block Kit', async () => {
    const { handler, getSecret, repository } = await setUp();
    await repository.recordStatus({
      customerId: 'acme',
      fileName: 'orders.csv',
      workflowId: 'acme-s3-to-s3',
      status: 'SUCCESS',
    });

    const response = await handler(functionUrlEvent('/transfer-status', 'orders.csv'));

    expect(response).to.include({ statusCode: 200 });
    const message = JSON.parse(response!.body) as { text: string; blocks: { type: string }[] };
    expect(message.text).to.equal('Transfer status: orders.csv');
    expect(message.blocks[0]).to.deep.include({ type: 'header' });
    const secretRequest = getSecret.firstCall.args[0] as unknown as GetSecretValueCommand;
    expect(secretRequest.input).to.deep.equal({ SecretId: SIGNING_SECRET_ARN });
  });

  it('GIVEN a warm function WHEN several requests arrive THEN the signing secret is read from Secrets Manager once', async () => {
    const { handler, getSecret } = await setUp();
    await handler(functionUrlEvent('/transfer-status', 'a.csv'));
    await handler(functionUrlEvent('/transfer-status', 'b.csv'));
    await handler(functionUrlEvent('/transfer-failed-notifications', ''));
    expect(getSecret.callCount).to.equal(1);
  });

  it('GIVEN a request signed with another secret WHEN it arrives THEN the function answers 401', async () => {
    const { handler } = await setUp();
    const response = await handler(functionUrlEvent('/transfer-status', 'orders.csv', 'a-guessed-secret'));
    expect(response).to.include({ statusCode: 401 });
  });

  it('GIVEN the 7-day summary WHEN it is asked THEN the function acknowledges, invokes itself asynchronously with the job, and that invocation posts the answer to the response_url', async () => {
    const { handler, invoke } = await setUp();

    const response = await handler(functionUrlEvent('/transfer-alert-summary', '7d'));

    expect(JSON.parse(response!.body)).to.include({ text: 'Working on it' });
    expect(invoke.callCount).to.equal(1);
    const request = (invoke.firstCall.args[0] as unknown as InvokeCommand).input;
    expect(request).to.include({ FunctionName: 'ff-dev-chatbot', InvocationType: 'Event' });
    const job = JSON.parse(Buffer.from(request.Payload as Uint8Array).toString('utf8')) as unknown;
    expect(job).to.deep.include({ kind: 'fileflow.chatbot.deferred', responseUrl, text: '/transfer-alert-summary 7d' });

    const before = posted.length;
    expect(await handler(job)).to.equal(undefined);
    expect(posted).to.have.length(before + 1);
    expect(posted.at(-1)).to.deep.include({ text: 'Alert summary, last 7d', replace_original: false });
  });
});
