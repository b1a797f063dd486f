import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { expect } from 'chai';
import sinon from 'sinon';
import { slackSignature } from '../../functions/core/chatbot/signature';
import { createChatBotHandler } from '../../functions/handlers/chatbot';
import { createChatBotWorkerHandler } from '../../functions/handlers/chatbot-worker';
import { TRACKING_TABLES } from '../../functions/core/tracking/tables';
import { useLocalDynamo } from '../tracking/helpers';

const SIGNING_SECRET_ARN = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/slack-signing-AbCdEf';
const SIGNING_SECRET = 'e3b0c44298fc1c149afbf4c8996fb924';
const STATE_MACHINE = 'arn:aws:states:us-west-2:111111111111:stateMachine:ff-dev-transfer';
const EXECUTION = 'arn:aws:states:us-west-2:111111111111:execution:ff-dev-transfer:redrive-1';
/** What a read-only bot may send to DynamoDB. */
const READS = /^(Get|BatchGet|Query|Scan)Command$/;

type Job = Record<string, unknown> & { responseUrl?: string };

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
    const sfn = new SFNClient({ region: 'us-west-2' });
    const getSecret = sinon.stub(secretsManager, 'send').resolves({ SecretString: `${SIGNING_SECRET}\n` } as never);
    const invoke = sinon.stub(lambda, 'send').resolves({ StatusCode: 202 } as never);
    const startExecution = sinon.stub(sfn, 'send').resolves({ executionArn: EXECUTION } as never);
    const tableVariables = Object.fromEntries(
      Object.values(TRACKING_TABLES).map((spec) => [spec.environmentVariable, tableNames[spec.logicalName]]),
    );
    // The bot's own document client, watched: whatever it sends, it sends to dynalite.
    const botDynamo = Object.create(documents) as typeof documents;
    const botCommands = sinon.spy(botDynamo, 'send');
    const handler = createChatBotHandler(
      { dynamo: botDynamo, secretsManager, lambda },
      {
        SLACK_SIGNING_SECRET_ARN: SIGNING_SECRET_ARN,
        CHATBOT_WORKER_FUNCTION_NAME: 'ff-dev-chatbot-worker',
        RETRY_ALLOWED_USER_IDS: 'U0OPS',
        ...tableVariables,
      },
    );
    const worker = createChatBotWorkerHandler(
      { dynamo: documents, sfn },
      { TRANSFER_STATE_MACHINE_ARN: STATE_MACHINE, ...tableVariables },
    );
    /** The job of the `n`-th invocation of the worker, with how it was invoked. */
    const invocation = (n: number) => {
      const request = (invoke.getCall(n).args[0] as unknown as InvokeCommand).input;
      return { request, job: JSON.parse(Buffer.from(request.Payload as Uint8Array).toString('utf8')) as Job };
    };
    const botCommandNames = () => botCommands.getCalls().map((call) => (call.args[0] as object).constructor.name);
    return { handler, worker, getSecret, invoke, invocation, startExecution, botCommandNames, repository };
  }

  /** A failed file in the failure queue, its claim held by the failed execution. */
  async function failedFile(repository: Awaited<ReturnType<typeof setUp>>['repository']) {
    const version = { customerId: 'wayne', fileName: 'payroll.csv', fingerprint: '0055AED6DCD90281E5' };
    const workflowId = 'wayne-s3-to-sftp';
    await repository.recordStatus({ ...version, workflowId, status: 'FAILED' });
    await repository.claimTransfer({ ...version, workflowId, executionId: 'exec-1' });
    await repository.enqueueFailure({
      ...version,
      workflowId,
      executionId: 'exec-1',
      reasonCode: 'HOST_KEY_MISMATCH',
      lastError: 'Host denied (verification failed)',
      retryCount: 0,
      failedAt: '2025-06-28T22:15:03Z',
      sourceUri: 's3://fileflow-landing/inbound/wayne/payroll.csv',
    });
    return { customerId: 'wayne', fileName: 'payroll.csv' };
  }

  /** A function URL event (payload 2.0) carrying a signed slash command, base64-encoded as function URLs send forms. */
  let triggers = 0;
  function functionUrlEvent(command: string, text: string, secret = SIGNING_SECRET, user = 'U0ALICE') {
    const body = new URLSearchParams({
      trigger_id: `13345224609.738474920.${(triggers += 1)}`,
      command,
      text,
      user_id: user,
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

  it('GIVEN the 7-day summary WHEN it is asked THEN the bot acknowledges and invokes its worker asynchronously with the job, and the worker posts the answer to the response_url', async () => {
    const { handler, worker, invoke, invocation } = await setUp();

    const response = await handler(functionUrlEvent('/transfer-alert-summary', '7d'));

    expect(JSON.parse(response.body)).to.include({ text: 'Working on it' });
    expect(invoke.callCount).to.equal(1);
    const { request, job } = invocation(0);
    expect(request).to.include({ FunctionName: 'ff-dev-chatbot-worker', InvocationType: 'Event' });
    expect(job).to.deep.include({ kind: 'fileflow.chatbot.deferred', responseUrl, text: '/transfer-alert-summary 7d' });

    const before = posted.length;
    await worker(job);
    expect(posted).to.have.length(before + 1);
    expect(posted.at(-1)).to.deep.include({ text: 'Alert summary, last 7d', replace_original: false });
  });

  it('GIVEN someone off the allow-list WHEN they ask /transfer-retry THEN the bot refuses having only read, and the worker writes the refusal to the audit trail and posts nothing', async () => {
    const { handler, worker, invocation, botCommandNames, repository } = await setUp();
    const file = await failedFile(repository);

    const response = await handler(functionUrlEvent('/transfer-retry', 'payroll.csv', SIGNING_SECRET, 'U0MALLORY'));

    expect(JSON.parse(response.body)).to.include({ text: 'Retry refused' });
    expect(botCommandNames()).to.satisfy((names: string[]) => names.every((name) => READS.test(name)));
    expect(await repository.auditTrail(file)).to.deep.equal([]);
    const { request, job } = invocation(0);
    expect(request).to.include({ FunctionName: 'ff-dev-chatbot-worker', InvocationType: 'Event' });
    expect(job).to.not.have.property('responseUrl');

    const before = posted.length;
    expect(await worker(job)).to.equal(null);
    const trail = await repository.auditTrail(file);
    expect(trail.map((entry) => entry.eventType)).to.deep.equal(['RETRY_REFUSED']);
    expect(trail[0]!.metadata).to.include({ userId: 'U0MALLORY', command: '/transfer-retry payroll.csv' });
    expect((await repository.getFailure(file))?.resolution).to.equal(undefined);
    expect(posted).to.have.length(before);
  });

  it('GIVEN an allow-listed operator WHEN they ask /transfer-retry THEN the bot acknowledges having only read, and the worker audits, resolves the failure, starts the re-drive execution and posts the outcome', async () => {
    const { handler, worker, invocation, startExecution, botCommandNames, repository } = await setUp();
    const file = await failedFile(repository);

    const response = await handler(functionUrlEvent('/transfer-retry', 'payroll.csv', SIGNING_SECRET, 'U0OPS'));

    expect(JSON.parse(response.body)).to.include({ text: 'Re-driving wayne/payroll.csv' });
    expect(botCommandNames()).to.satisfy((names: string[]) => names.every((name) => READS.test(name)));
    expect((await repository.getFailure(file))?.resolution).to.equal(undefined);
    expect(startExecution.callCount).to.equal(0);
    const { request, job } = invocation(0);
    expect(request).to.include({ FunctionName: 'ff-dev-chatbot-worker', InvocationType: 'Event' });

    const before = posted.length;
    await worker(job);
    expect((await repository.getFailure(file))?.resolution).to.include({ outcome: 'REDRIVEN' });
    const start = (startExecution.firstCall.args[0] as unknown as StartExecutionCommand).input;
    expect(start.stateMachineArn).to.equal(STATE_MACHINE);
    expect(JSON.parse(start.input!)).to.deep.equal({
      redrive: { fileId: 'wayne/payroll.csv', failedAt: '2025-06-28T22:15:03.000Z' },
    });
    expect((await repository.auditTrail(file)).map((entry) => entry.eventType)).to.have.members([
      'RETRY_REQUESTED',
      'REDRIVE_STARTED',
    ]);
    expect(posted).to.have.length(before + 1);
    expect(posted.at(-1)).to.deep.include({ text: 'Re-driving wayne/payroll.csv', replace_original: false });
  });

  it('GIVEN an event that is not a job of the bot WHEN the worker is invoked with it THEN it refuses to run it', async () => {
    const { worker } = await setUp();
    let refused: unknown;
    await worker(functionUrlEvent('/transfer-retry', 'payroll.csv')).catch((error: unknown) => (refused = error));
    expect(refused)
      .to.be.instanceOf(Error)
      .with.property('message', 'the chat bot worker runs only jobs of the chat bot');
  });
});
