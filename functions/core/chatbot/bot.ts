/**
 * The chat bot over HTTP, the same core on AWS (behind a Lambda function URL)
 * and in the local runtime (behind node:http):
 *
 * - `POST /slack/commands` — a Slack slash command;
 * - `POST /teams/messages` — a Teams outgoing-webhook message (when a Teams
 *   security token is configured).
 *
 * Every request is verified by its signature first; nothing in a body is
 * parsed before. Slack wants an answer within three seconds, so the commands
 * that may take longer — the re-drive of `/transfer-retry` and the 7-day
 * `/transfer-alert-summary` — answer at once with an acknowledgement and post
 * the full answer to the command's `response_url` later, from a deferred job
 * (on AWS an asynchronous invocation of the same function; locally a
 * background task). Teams has no `response_url`, so it is answered in full.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidKeyError, type FileRef } from '../tracking/keys';
import type { TrackingRepository } from '../tracking/repository';
import type { TrackingTableNames } from '../tracking/tables';
import {
  alertSummaryReply,
  customerNotificationsReply,
  failedNotificationsReply,
  statusReply,
  type ReadDeps,
} from './answers';
import {
  COMMAND_USAGE,
  CommandUsageError,
  parseSlackCommand,
  parseTeamsMessage,
  type ChatActor,
  type ChatCommand,
  type ChatRequest,
} from './commands';
import { slackMessage, teamsMessage, type Reply, type SlackMessage } from './replies';
import { decideRetry, redriveFile, type RetryAllowList, type StartRedrive } from './retry';
import { ReplayGuard, SignatureError, verifySlackRequest, verifyTeamsRequest, type RequestHeaders } from './signature';

/** The path Slack posts slash commands to. */
export const SLACK_COMMANDS_PATH = '/slack/commands';
/** The path a Teams outgoing webhook posts messages to. */
export const TEAMS_MESSAGES_PATH = '/teams/messages';

/** An HTTP request as both front doors hand it over: lower-case header names, the body as received. */
export interface BotHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: RequestHeaders;
  readonly rawBody: Buffer;
}

/** The HTTP answer. */
export interface BotHttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Work that continues after Slack got its acknowledgement; plain JSON, so it can travel in a Lambda event. */
export interface DeferredJob {
  readonly kind: 'fileflow.chatbot.deferred';
  readonly actor: ChatActor;
  readonly text: string;
  readonly responseUrl: string;
  readonly work:
    { readonly type: 'command'; readonly command: ChatCommand } | { readonly type: 'redrive'; readonly file: FileRef };
}

/** Whether a Lambda event is a {@link DeferredJob} (the self-invocation) rather than an HTTP request. */
export function isDeferredJob(event: unknown): event is DeferredJob {
  return (event as { kind?: unknown } | null)?.kind === 'fileflow.chatbot.deferred';
}

/** One line the bot logs per request; never a secret, never a body. */
export interface BotLogEntry {
  readonly event: 'refused' | 'answered' | 'deferred' | 'deferred-done' | 'error';
  readonly path?: string;
  readonly reason?: string;
  readonly command?: string;
  readonly userId?: string;
  readonly error?: string;
}

/** What the bot needs; the handler and the local server fill it in. */
export interface ChatBotOptions {
  readonly repository: TrackingRepository;
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableNames: Pick<TrackingTableNames, 'transferNotificationLog'>;
  /** The Slack app's signing secret (on AWS read once from Secrets Manager). */
  readonly slackSigningSecret: () => Promise<string>;
  /** The Teams outgoing webhook's security token (base64). @default Teams is not served */
  readonly teamsSecurityToken?: () => Promise<string>;
  readonly retryAllowList: RetryAllowList;
  readonly startRedrive: StartRedrive;
  /** Hands a job to run after the answer (AWS: async self-invoke; locally: background). */
  readonly defer: (job: DeferredJob) => Promise<void>;
  /** Posts a message to a Slack `response_url`. @default `fetch` POST of the JSON */
  readonly postResponse?: (url: string, message: SlackMessage) => Promise<void>;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** @default a guard of this bot */
  readonly replayGuard?: ReplayGuard;
  /** @default no logging */
  readonly log?: (entry: BotLogEntry) => void;
}

/** Whether a command's answer may take longer than the platform waits. */
export function isSlowCommand(command: ChatCommand): boolean {
  return command.kind === 'retry' || (command.kind === 'alert-summary' && command.window === '7d');
}

/** The bot: verifies, routes, answers. */
export class ChatBot {
  private readonly clock: () => Date;
  private readonly replayGuard: ReplayGuard;
  private readonly readDeps: ReadDeps;

  constructor(private readonly options: ChatBotOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.replayGuard = options.replayGuard ?? new ReplayGuard();
    this.readDeps = {
      repository: options.repository,
      dynamo: options.dynamo,
      tableNames: options.tableNames,
      clock: this.clock,
    };
  }

  /** Answers one HTTP request. Never throws: failures become HTTP answers and a log line. */
  async handle(request: BotHttpRequest): Promise<BotHttpResponse> {
    try {
      return await this.handleVerified(request);
    } catch (error) {
      this.log({ event: 'error', path: request.path, error: describe(error) });
      return text(500, 'the bot could not answer; see its log');
    }
  }

  private async handleVerified(request: BotHttpRequest): Promise<BotHttpResponse> {
    const platform =
      request.path === SLACK_COMMANDS_PATH ? 'slack' : request.path === TEAMS_MESSAGES_PATH ? 'teams' : undefined;
    if (platform === undefined || (platform === 'teams' && this.options.teamsSecurityToken === undefined)) {
      return text(404, 'not found');
    }
    if (request.method !== 'POST') return text(405, 'use POST');
    try {
      if (platform === 'slack') {
        verifySlackRequest({
          headers: request.headers,
          rawBody: request.rawBody,
          signingSecret: await this.options.slackSigningSecret(),
          now: this.clock(),
          replayGuard: this.replayGuard,
        });
      } else {
        verifyTeamsRequest({
          headers: request.headers,
          rawBody: request.rawBody,
          securityToken: await this.options.teamsSecurityToken!(),
          now: this.clock(),
          replayGuard: this.replayGuard,
        });
      }
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      this.log({ event: 'refused', path: request.path, reason: error.reason });
      return text(401, 'request signature verification failed');
    }

    const render = platform === 'slack' ? slackMessage : teamsMessage;
    let chat: ChatRequest;
    try {
      chat = platform === 'slack' ? parseSlackCommand(request.rawBody) : parseTeamsMessage(request.rawBody);
    } catch (error) {
      if (!(error instanceof CommandUsageError)) throw error;
      return json(render(usageReply(error.message)));
    }
    return json(render(await this.answer(chat)));
  }

  /** Runs a deferred job and posts its answer to the Slack `response_url`. */
  async runDeferred(job: DeferredJob): Promise<void> {
    let reply: Reply;
    try {
      reply =
        job.work.type === 'redrive'
          ? await redriveFile(this.retryDeps(), job.actor, job.work.file, job.text)
          : await this.read(job.work.command);
    } catch (error) {
      this.log({ event: 'error', command: job.text, userId: job.actor.userId, error: describe(error) });
      reply = errorReply(error);
    }
    await (this.options.postResponse ?? postJson)(job.responseUrl, { ...slackMessage(reply), replace_original: false });
    this.log({ event: 'deferred-done', command: job.text, userId: job.actor.userId });
  }

  private async answer(chat: ChatRequest): Promise<Reply> {
    const { command, actor } = chat;
    const logged = { command: chat.text, userId: actor.userId };
    try {
      if (command.kind === 'retry') {
        const decision = await decideRetry(this.retryDeps(), actor, command.fileName, chat.text);
        if (decision.outcome === 'answered') {
          this.log({ event: 'answered', ...logged });
          return decision.reply;
        }
        if (chat.responseUrl === undefined) return await redriveFile(this.retryDeps(), actor, decision.file, chat.text);
        await this.defer(chat, { type: 'redrive', file: decision.file });
        return decision.reply;
      }
      if (isSlowCommand(command) && chat.responseUrl !== undefined) {
        await this.defer(chat, { type: 'command', command });
        return { title: 'Working on it', sections: [{ text: `${chat.text}: the answer follows here shortly.` }] };
      }
      const reply = await this.read(command);
      this.log({ event: 'answered', ...logged });
      return reply;
    } catch (error) {
      if (error instanceof InvalidKeyError) return usageReply(error.message);
      this.log({ event: 'error', ...logged, error: describe(error) });
      return errorReply(error);
    }
  }

  private async defer(chat: ChatRequest, work: DeferredJob['work']): Promise<void> {
    await this.options.defer({
      kind: 'fileflow.chatbot.deferred',
      actor: chat.actor,
      text: chat.text,
      responseUrl: chat.responseUrl!,
      work,
    });
    this.log({ event: 'deferred', command: chat.text, userId: chat.actor.userId });
  }

  private read(command: ChatCommand): Promise<Reply> {
    switch (command.kind) {
      case 'status':
        return statusReply(this.readDeps, command.fileName);
      case 'notifications':
        return customerNotificationsReply(this.readDeps, command.customerId);
      case 'failed-notifications':
        return failedNotificationsReply(this.readDeps);
      case 'alert-summary':
        return alertSummaryReply(this.readDeps, command.window);
      case 'retry':
        throw new Error('a retry is never a read');
    }
  }

  private retryDeps() {
    return {
      repository: this.options.repository,
      allowList: this.options.retryAllowList,
      startRedrive: this.options.startRedrive,
    };
  }

  private log(entry: BotLogEntry): void {
    this.options.log?.(entry);
  }
}

function usageReply(message: string): Reply {
  return { title: 'How to ask', sections: [{ text: message }], note: COMMAND_USAGE.join('  ·  ') };
}

function errorReply(error: unknown): Reply {
  return {
    title: 'Something went wrong',
    sections: [{ text: `The bot could not answer (${(error as Error)?.name ?? 'Error'}); the bot's log has details.` }],
  };
}

function json(body: unknown): BotHttpResponse {
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function text(statusCode: number, body: string): BotHttpResponse {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

async function postJson(url: string, message: SlackMessage): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`response_url answered HTTP ${response.status}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
