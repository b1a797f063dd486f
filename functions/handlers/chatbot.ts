/**
 * The chat bot behind a Lambda function URL (auth NONE: Slack and Teams cannot
 * sign AWS requests; every request is verified by its platform signature in
 * the core before anything is read). The same function runs the deferred half
 * of slow commands, invoked asynchronously by itself.
 *
 * Env: the six tracking table variables; `SLACK_SIGNING_SECRET_ARN`;
 * optional `TEAMS_SECURITY_TOKEN_SECRET_ARN`; `TRANSFER_STATE_MACHINE_ARN`;
 * `RETRY_ALLOWED_USER_IDS`, `RETRY_ALLOWED_CHANNEL_IDS` (comma-separated).
 * IAM: read on the tracking tables, UpdateItem on the failure queue and the
 * status table (resolving a failure releases its claim), PutItem on the audit
 * log, StartExecution on the transfer state machine, GetSecretValue on the two
 * secrets, InvokeFunction on itself.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ChatBot, isDeferredJob, type BotHttpResponse, type DeferredJob } from '../core/chatbot/bot';
import type { RetryAllowList } from '../core/chatbot/retry';
import { redriveOnAws } from '../core/pipeline/redrive';
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
  TRANSFER_STATE_MACHINE_ARN: z.string().min(1),
  RETRY_ALLOWED_USER_IDS: z.string().default(''),
  RETRY_ALLOWED_CHANNEL_IDS: z.string().default(''),
  AWS_LAMBDA_FUNCTION_NAME: z.string().min(1),
});

/** The AWS clients the handler uses; tests pass their own. */
export interface ChatBotHandlerClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly secretsManager: SecretsManagerClient;
  readonly lambda: LambdaClient;
  readonly sfn: SFNClient;
  /** @default `fetch` POST */
  readonly postResponse?: ConstructorParameters<typeof ChatBot>[0]['postResponse'];
}

/** Builds the entry point on `clients` and `env`; secrets are read once per container, on first use. */
export function createChatBotHandler(
  clients: ChatBotHandlerClients,
  env: NodeJS.ProcessEnv,
): (event: unknown) => Promise<BotHttpResponse | void> {
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
    // The same re-drive as `fileflow redrive`: a pulled file goes back to the poller.
    startRedrive: async (failure) => {
      const redrive = await redriveOnAws(repository, failure, async (input) => {
        const started = await clients.sfn.send(
          new StartExecutionCommand({
            stateMachineArn: config.TRANSFER_STATE_MACHINE_ARN,
            input: JSON.stringify(input),
          }),
        );
        return started.executionArn ?? 'unknown';
      });
      return redrive.kind === 'started'
        ? { executionId: redrive.executionArn, status: 'STARTED' }
        : { executionId: 'the pull poller\u2019s next poll', status: 'REQUEUED' };
    },
    // The answer goes back now; the rest runs in a second, asynchronous invocation of this function.
    defer: async (job: DeferredJob) => {
      await clients.lambda.send(
        new InvokeCommand({
          FunctionName: config.AWS_LAMBDA_FUNCTION_NAME,
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify(job)),
        }),
      );
    },
    postResponse: clients.postResponse,
    log: (entry) =>
      entry.event === 'error' ? logger.error(entry.event, { ...entry }) : logger.info(entry.event, { ...entry }),
  });

  return async (event) => {
    // Only this function's role may invoke it directly; a function URL request arrives wrapped in its
    // envelope (rawPath, headers, body), so no body, signed or not, can pass for a deferred job.
    if (isDeferredJob(event)) return bot.runDeferred(event);
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
      value = secretsManager.send(new GetSecretValueCommand({ SecretId: arn })).then((secret) => {
        if (secret.SecretString === undefined) throw new Error(`secret ${arn} has no string value`);
        return secret.SecretString.trim();
      });
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
function createLazyHandler(): (event: unknown) => Promise<BotHttpResponse | void> {
  let built: ((event: unknown) => Promise<BotHttpResponse | void>) | undefined;
  return (event) => {
    built ??= createChatBotHandler(
      {
        dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
          marshallOptions: { removeUndefinedValues: true },
        }),
        secretsManager: new SecretsManagerClient({}),
        lambda: new LambdaClient({}),
        sfn: new SFNClient({}),
      },
      process.env,
    );
    return built(event);
  };
}
