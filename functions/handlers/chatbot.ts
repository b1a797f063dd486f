/**
 * The public half of the chat bot, behind a Lambda function URL (auth NONE:
 * Slack and Teams cannot sign AWS requests; every request is verified by its
 * platform signature in the core before anything is read). It only reads and
 * decides; every write and every slow answer is a job for the worker function
 * (`chatbot-worker.ts`), invoked asynchronously (or, for a Teams re-drive,
 * waited for).
 *
 * Env: the six tracking table variables; `SLACK_SIGNING_SECRET_ARN`;
 * optional `TEAMS_SECURITY_TOKEN_SECRET_ARN`; `CHATBOT_WORKER_FUNCTION_NAME`;
 * `RETRY_ALLOWED_USER_IDS`, `RETRY_ALLOWED_CHANNEL_IDS` (comma-separated).
 * IAM: read on the tracking tables, GetSecretValue on the two secrets,
 * InvokeFunction on the worker — no write, no StartExecution.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvocationType, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ChatBot, type BotHttpResponse } from '../core/chatbot/bot';
import type { RetryAllowList } from '../core/chatbot/retry';
import type { DeferredJob } from '../core/chatbot/worker';
import { resolveSecret } from '../core/secrets';
import { TrackingRepository } from '../core/tracking/repository';
import { tableNamesFromEnvironment } from '../core/tracking/tables';

/** The parts of a function URL request (payload format 2.0) the bot reads. */
const FunctionUrlRequest = z.looseObject({
  rawPath: z.string(),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.looseObject({ http: z.looseObject({ method: z.string() }) }),
});

const Environment = z.object({
  SLACK_SIGNING_SECRET_ARN: z.string().min(1),
  TEAMS_SECURITY_TOKEN_SECRET_ARN: z.string().min(1).optional(),
  CHATBOT_WORKER_FUNCTION_NAME: z.string().min(1),
  RETRY_ALLOWED_USER_IDS: z.string().default(''),
  RETRY_ALLOWED_CHANNEL_IDS: z.string().default(''),
});

/** The worker's answer to a job it was waited for on. */
const WorkerReply = z.object({
  title: z.string(),
  sections: z.array(
    z.object({
      text: z.string().optional(),
      fields: z.array(z.object({ label: z.string(), value: z.string() })).optional(),
    }),
  ),
  note: z.string().optional(),
});

/** The AWS clients the handler uses; tests pass their own. */
export interface ChatBotHandlerClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly secretsManager: SecretsManagerClient;
  readonly lambda: LambdaClient;
}

/** Builds the entry point on `clients` and `env`; secrets are read once per container, on first use. */
export function createChatBotHandler(
  clients: ChatBotHandlerClients,
  env: NodeJS.ProcessEnv,
): (event: unknown) => Promise<BotHttpResponse> {
  const config = Environment.parse(env);
  const logger = new Logger({ serviceName: 'fileflow-chatbot' });
  const tableNames = tableNamesFromEnvironment(env);
  const secret = cachedSecret(clients.secretsManager);
  const teamsArn = config.TEAMS_SECURITY_TOKEN_SECRET_ARN;
  const repository = new TrackingRepository({ client: clients.dynamo, tableNames });
  const bot = new ChatBot({
    repository,
    dynamo: clients.dynamo,
    tableNames,
    slackSigningSecret: () => secret(config.SLACK_SIGNING_SECRET_ARN),
    teamsSecurityToken: teamsArn === undefined ? undefined : () => secret(teamsArn),
    retryAllowList: allowList(config.RETRY_ALLOWED_USER_IDS, config.RETRY_ALLOWED_CHANNEL_IDS),
    // The answer goes back now; the rest runs in an asynchronous invocation of the worker.
    defer: async (job) => {
      await invokeWorker(job, 'Event');
    },
    runNow: async (job) =>
      WorkerReply.nullable().parse(JSON.parse(await invokeWorker(job, 'RequestResponse'))) ?? undefined,
    log: (entry) =>
      entry.event === 'error' ? logger.error(entry.event, { ...entry }) : logger.info(entry.event, { ...entry }),
  });

  /** Invokes the worker with `job`; returns the worker's result payload (JSON), empty for `Event`. */
  async function invokeWorker(job: DeferredJob, invocationType: InvocationType): Promise<string> {
    const result = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: config.CHATBOT_WORKER_FUNCTION_NAME,
        InvocationType: invocationType,
        Payload: Buffer.from(JSON.stringify(job)),
      }),
    );
    const payload = Buffer.from(result.Payload ?? new Uint8Array()).toString('utf8');
    if (result.FunctionError !== undefined) throw new Error(`the chat bot worker failed: ${payload}`);
    return payload;
  }

  return async (event) => {
    const request = FunctionUrlRequest.parse(event);
    const body = request.body ?? '';
    return bot.handle({
      method: request.requestContext.http.method,
      path: request.rawPath,
      headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
      rawBody: Buffer.from(body, request.isBase64Encoded ? 'base64' : 'utf8'),
    });
  };
}

/** Reads each secret once per container; a failed read is tried again on the next request. */
function cachedSecret(secretsManager: SecretsManagerClient): (arn: string) => Promise<string> {
  const cache = new Map<string, Promise<string>>();
  return (arn) => {
    let value = cache.get(arn);
    if (value === undefined) {
      value = resolveSecret({ secretArn: arn }, { secretsManager }).then((secret) => secret.trim());
      value.catch(() => cache.delete(arn));
      cache.set(arn, value);
    }
    return value;
  };
}

function allowList(userIds: string, channelIds: string): RetryAllowList {
  const ids = (list: string) =>
    list
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
  return { userIds: ids(userIds), channelIds: ids(channelIds) };
}

/** Lambda entry point. */
export const handler = createLazyHandler();

/** Builds the AWS clients and the bot on the first invocation, so importing this module has no side effects. */
function createLazyHandler(): (event: unknown) => Promise<BotHttpResponse> {
  let built: ((event: unknown) => Promise<BotHttpResponse>) | undefined;
  return (event) => {
    built ??= createChatBotHandler(
      {
        dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
          marshallOptions: { removeUndefinedValues: true },
        }),
        secretsManager: new SecretsManagerClient({}),
        lambda: new LambdaClient({}),
      },
      process.env,
    );
    return built(event);
  };
}
