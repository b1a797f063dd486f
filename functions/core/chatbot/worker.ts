/**
 * The chat bot's worker: the half of the bot that writes. The public bot
 * (behind its URL, open to anyone who can reach it) only verifies, reads and
 * decides; every write — the audit record of a `/transfer-retry`, the
 * resolution of the failure, the re-drive — and the slow reads that outlast
 * Slack's three seconds run here, from a {@link DeferredJob} the public bot
 * handed over (on AWS an invocation of a second function that only the bot's
 * role may invoke; locally the same process).
 */
import type { FileRef } from '../tracking/keys';
import type { TrackingRepository } from '../tracking/repository';
import { postJson } from '../webhook';
import { readReply, type ReadDeps } from './answers';
import type { BotLogEntry } from './bot';
import type { ChatActor, ReadCommand } from './commands';
import { errorReply, slackMessage, type Reply, type SlackMessage } from './replies';
import { auditRetryRequest, redriveFile, type RetryAudit, type StartRedrive } from './retry';

/** Work handed from the public bot to its worker; plain JSON, so it can travel in a Lambda event. */
export interface DeferredJob {
  readonly kind: 'fileflow.chatbot.deferred';
  readonly actor: ChatActor;
  /** The command as typed, for the audit log. */
  readonly text: string;
  /** Where the answer is posted; absent when the caller waits for it (Teams) or there is none (an audit only). */
  readonly responseUrl?: string;
  readonly work:
    | { readonly type: 'command'; readonly command: ReadCommand }
    /** Write `audit`; then, when `redrive` is set, re-drive its file. */
    | { readonly type: 'retry'; readonly audit: RetryAudit; readonly redrive: boolean };
}

/** Whether a Lambda event is a {@link DeferredJob}. */
export function isDeferredJob(event: unknown): event is DeferredJob {
  return (event as { kind?: unknown } | null)?.kind === 'fileflow.chatbot.deferred';
}

/** What the worker needs; the worker handler and the local server fill it in. */
export interface ChatBotWorkerOptions {
  readonly repository: TrackingRepository;
  readonly dynamo: ReadDeps['dynamo'];
  readonly tableNames: ReadDeps['tableNames'];
  readonly startRedrive: StartRedrive;
  /** Posts a message to a Slack `response_url`. @default `fetch` POST of the JSON */
  readonly postResponse?: (url: string, message: SlackMessage) => Promise<void>;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** @default no logging */
  readonly log?: (entry: BotLogEntry) => void;
}

/** Runs the jobs of the public bot. */
export class ChatBotWorker {
  private readonly readDeps: ReadDeps;

  constructor(private readonly options: ChatBotWorkerOptions) {
    this.readDeps = {
      repository: options.repository,
      dynamo: options.dynamo,
      tableNames: options.tableNames,
      clock: options.clock ?? (() => new Date()),
    };
  }

  /**
   * Runs one job and posts its answer to the job's `response_url`, if it has one; returns the answer.
   * An audit-only job has no answer, and its failure is thrown, so that the audit is tried again
   * (on AWS, by Lambda's retries of an asynchronous invocation); any other failure is answered.
   */
  async run(job: DeferredJob): Promise<Reply | undefined> {
    const { work } = job;
    const logged = { command: job.text, userId: job.actor.userId };
    if (work.type === 'retry' && !work.redrive) {
      await auditRetryRequest(this.options.repository, job.actor, job.text, work.audit);
      this.log({ event: 'deferred-done', ...logged });
      return undefined;
    }
    let reply: Reply;
    try {
      reply = work.type === 'command' ? await readReply(this.readDeps, work.command) : await this.redrive(job, work);
    } catch (error) {
      this.log({ event: 'error', ...logged, error: describeError(error) });
      reply = errorReply(error);
    }
    if (job.responseUrl !== undefined) {
      await (this.options.postResponse ?? postResponse)(job.responseUrl, {
        ...slackMessage(reply),
        replace_original: false,
      });
    }
    this.log({ event: 'deferred-done', ...logged });
    return reply;
  }

  private async redrive(job: DeferredJob, work: { readonly audit: RetryAudit }): Promise<Reply> {
    const { repository, startRedrive } = this.options;
    await auditRetryRequest(repository, job.actor, job.text, work.audit);
    const file: FileRef = work.audit.file;
    return redriveFile({ repository, startRedrive }, job.actor, file, job.text);
  }

  private log(entry: BotLogEntry): void {
    this.options.log?.(entry);
  }
}

/** An error as one log line. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function postResponse(url: string, message: SlackMessage): Promise<void> {
  const response = await postJson(url, message);
  if (!response.ok) throw new Error(`response_url answered HTTP ${response.status}`);
}
