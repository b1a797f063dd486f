/**
 * The chat bot as an HTTP endpoint of the local runtime: the same core as the
 * Lambda behind its function URL (`functions/core/chatbot/bot.ts`), on the
 * runtime's DynamoDB, behind node:http on 127.0.0.1.
 *
 * The runtime makes up its own Slack signing secret and Teams token at start
 * and writes them, with the URL, into `endpoints.json` (mode 0600): a local
 * client signs its requests with them. Re-drives run through the runtime's
 * own re-drive (`fileflow redrive --local`). The bot's worker runs in the same
 * process: deferred answers are worked out in the background and posted to the
 * request's `response_url`; a job that posts nothing (the audit record of a
 * refused retry) is short and is awaited, so the trail holds it by the time
 * the answer is back.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatBot, type BotLogEntry } from '../../functions/core/chatbot/bot';
import type { RetryAllowList } from '../../functions/core/chatbot/retry';
import { ChatBotWorker, type DeferredJob } from '../../functions/core/chatbot/worker';
import type { LocalChatBotEndpoint } from './endpoints-file';
import { redriveLocally } from './local-redrive';
import type { LocalRuntimeContext } from './local-runtime';

/** Ids allowed to `/transfer-retry` locally, comma-separated (Slack user or channel ids). */
const RETRY_ALLOW_VARIABLE = 'FILEFLOW_CHATBOT_RETRY_ALLOW';

/** Bodies larger than this are refused: a slash command is a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/** Options of {@link localChatBot}. */
export interface LocalChatBotOptions {
  /**
   * Who may retry. Ids go in both lists: a Slack id names a user (`U…`) or a channel (`C…`).
   * @default the ids in `$FILEFLOW_CHATBOT_RETRY_ALLOW`
   */
  readonly retryAllowList?: RetryAllowList;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Where the bot's log lines go. @default stderr, errors only */
  readonly log?: (entry: BotLogEntry) => void;
}

/** A running local chat bot. */
export interface LocalChatBotServer {
  readonly endpoint: LocalChatBotEndpoint;
  /** Stops accepting requests, then waits for deferred work. */
  stop(): Promise<void>;
}

/** The `chatBot` option of `startLocalRuntime`: serves the bot on the runtime's clients. */
export function localChatBot(
  options: LocalChatBotOptions = {},
): (context: LocalRuntimeContext) => Promise<LocalChatBotServer> {
  return (context) => startChatBotServer(context, options);
}

async function startChatBotServer(
  context: LocalRuntimeContext,
  options: LocalChatBotOptions,
): Promise<LocalChatBotServer> {
  const slackSigningSecret = randomBytes(32).toString('hex');
  const teamsSecurityToken = randomBytes(32).toString('base64');
  const pending = new Set<Promise<void>>();
  const log = options.log ?? logErrors;
  const tableNames = { transferNotificationLog: context.endpoints.dynamodb.tables.transferNotificationLog! };
  const worker = new ChatBotWorker({
    repository: context.repository,
    dynamo: context.dynamo,
    tableNames,
    startRedrive: async (failure) => {
      const result = await redriveLocally(context.endpoints, failure);
      return { executionId: 'local execution', status: result.status, error: result.error };
    },
    log,
  });
  const bot = new ChatBot({
    repository: context.repository,
    dynamo: context.dynamo,
    tableNames,
    slackSigningSecret: () => Promise.resolve(slackSigningSecret),
    teamsSecurityToken: () => Promise.resolve(teamsSecurityToken),
    retryAllowList: options.retryAllowList ?? allowListFromEnvironment(),
    // Locally the work continues in this process after the answer, as the worker's async invocation does on AWS.
    defer: async (job: DeferredJob) => {
      if (job.responseUrl === undefined) {
        await worker.run(job);
        return;
      }
      const work = worker
        .run(job)
        .then(() => undefined)
        .catch((error: unknown) => log({ event: 'error', error: String(error) }));
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
    runNow: (job) => worker.run(job),
    log,
  });

  const server = createServer((request, response) => void serve(bot, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: { url: `http://127.0.0.1:${port}`, slackSigningSecret, teamsSecurityToken },
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(pending);
    },
  };
}

async function serve(bot: ChatBot, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      response.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large');
      request.destroy();
      return;
    }
    chunks.push(chunk);
  }
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]),
  );
  const answer = await bot.handle({
    method: request.method ?? 'GET',
    path: new URL(request.url ?? '/', 'http://localhost').pathname,
    headers,
    rawBody: Buffer.concat(chunks),
  });
  response.writeHead(answer.statusCode, answer.headers).end(answer.body);
}

function allowListFromEnvironment(): RetryAllowList {
  const ids = (process.env[RETRY_ALLOW_VARIABLE] ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  return { userIds: ids, channelIds: ids };
}

function logErrors(entry: BotLogEntry): void {
  if (entry.event === 'error') process.stderr.write(`chat bot: ${entry.error ?? 'error'}\n`);
}
