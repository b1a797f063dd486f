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
 * run by the bot's worker (`./worker.ts`; on AWS an asynchronous invocation of
 * a second function; locally a background task). Teams has no `response_url`,
 * so it is answered in full, the re-drive by waiting for the worker.
 *
 * The bot itself only reads: it may run with read-only rights. Every write —
 * the audit record of a retry request, refused ones included, and the
 * re-drive — is a job for the worker.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidKeyError } from '../tracking/keys';
import type { TrackingRepository } from '../tracking/repository';
import type { TrackingTableNames } from '../tracking/tables';
import { readReply, type ReadDeps } from './answers';
import {
  COMMAND_USAGE,
  CommandUsageError,
  parseSlackCommand,
  parseTeamsMessage,
  type ChatCommand,
  type ChatRequest,
} from './commands';
import { errorReply, slackMessage, teamsMessage, type Reply } from './replies';
import { decideRetry, type RetryAllowList } from './retry';
import { ReplayGuard, SignatureError, verifySlackRequest, verifyTeamsRequest, type RequestHeaders } from './signature';
import { describeError, type DeferredJob } from './worker';

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
  /** Hands a job to the worker without waiting for it (AWS: asynchronous invocation; locally: background). */
  readonly defer: (job: DeferredJob) => Promise<void>;
  /** Runs a job on the worker and waits for its answer (Teams, which has no `response_url`). */
  readonly runNow: (job: DeferredJob) => Promise<Reply | undefined>;
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
      this.log({ event: 'error', path: request.path, error: describeError(error) });
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

  private async answer(chat: ChatRequest): Promise<Reply> {
    const { command, actor } = chat;
    const logged = { command: chat.text, userId: actor.userId };
    try {
      if (command.kind === 'retry') {
        const decision = await decideRetry(
          { repository: this.options.repository, allowList: this.options.retryAllowList },
          actor,
          command.fileName,
        );
        if (decision.outcome === 'answered') {
          // Refused or nothing to re-drive: the worker writes the audit record; nothing is posted later.
          if (decision.audit !== undefined) {
            await this.defer(chat, { type: 'retry', audit: decision.audit, redrive: false }, { answerLater: false });
          }
          this.log({ event: 'answered', ...logged });
          return decision.reply;
        }
        const work = { type: 'retry', audit: decision.audit, redrive: true } as const;
        if (chat.responseUrl === undefined) {
          const reply = await this.options.runNow(this.job(chat, work, { answerLater: false }));
          if (reply === undefined) throw new Error('the worker gave no answer to a re-drive');
          this.log({ event: 'answered', ...logged });
          return reply;
        }
        await this.defer(chat, work, { answerLater: true });
        return decision.reply;
      }
      if (isSlowCommand(command) && chat.responseUrl !== undefined) {
        await this.defer(chat, { type: 'command', command }, { answerLater: true });
        return { title: 'Working on it', sections: [{ text: `${chat.text}: the answer follows here shortly.` }] };
      }
      const reply = await readReply(this.readDeps, command);
      this.log({ event: 'answered', ...logged });
      return reply;
    } catch (error) {
      if (error instanceof InvalidKeyError) return usageReply(error.message);
      this.log({ event: 'error', ...logged, error: describeError(error) });
      return errorReply(error);
    }
  }

  private async defer(chat: ChatRequest, work: DeferredJob['work'], how: { answerLater: boolean }): Promise<void> {
    await this.options.defer(this.job(chat, work, how));
    this.log({ event: 'deferred', command: chat.text, userId: chat.actor.userId });
  }

  /** The job for the worker; with the `response_url` only when the worker is to post the answer there. */
  private job(chat: ChatRequest, work: DeferredJob['work'], how: { answerLater: boolean }): DeferredJob {
    return {
      kind: 'fileflow.chatbot.deferred',
      actor: chat.actor,
      text: chat.text,
      ...(how.answerLater && chat.responseUrl !== undefined ? { responseUrl: chat.responseUrl } : {}),
      work,
    };
  }

  private log(entry: BotLogEntry): void {
    this.options.log?.(entry);
  }
}

function usageReply(message: string): Reply {
  return { title: 'How to ask', sections: [{ text: message }], note: COMMAND_USAGE.join('  ·  ') };
}

function json(body: unknown): BotHttpResponse {
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function text(statusCode: number, body: string): BotHttpResponse {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}
