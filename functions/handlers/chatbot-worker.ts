/**
 * The chat bot's worker: runs the jobs the public bot (`chatbot.ts`) hands
 * over — the audit record of every `/transfer-retry`, the re-drive (resolve
 * the failure as REDRIVEN, then StartExecution or, for a pulled file, back to
 * the poller: the same path as `fileflow redrive`), the 7-day alert summary —
 * and posts the answer to the Slack `response_url`. It has no URL: only the
 * public bot's role may invoke it. Returns the answer, for the public bot
 * waiting on a Teams re-drive.
 *
 * Env: the six tracking table variables; `TRANSFER_STATE_MACHINE_ARN`.
 * IAM: read on the failure queue and the notification log, UpdateItem on the
 * failure queue and the status table (resolving a failure releases its claim;
 * a pulled file's poll is re-armed), PutItem on the audit log, StartExecution
 * on the transfer state machine.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Reply } from '../core/chatbot/replies';
import { ChatBotWorker, isDeferredJob, type ChatBotWorkerOptions } from '../core/chatbot/worker';
import { redriveOnAws } from '../core/pipeline/redrive';
import { TrackingRepository } from '../core/tracking/repository';
import { tableNamesFromEnvironment } from '../core/tracking/tables';

const Environment = z.object({
  TRANSFER_STATE_MACHINE_ARN: z.string().min(1),
});

/** The AWS clients the worker uses; tests pass their own. */
export interface ChatBotWorkerHandlerClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
  /** @default `fetch` POST */
  readonly postResponse?: ChatBotWorkerOptions['postResponse'];
}

/** Builds the entry point on `clients` and `env`. */
export function createChatBotWorkerHandler(
  clients: ChatBotWorkerHandlerClients,
  env: NodeJS.ProcessEnv,
): (event: unknown) => Promise<Reply | null> {
  const config = Environment.parse(env);
  const logger = new Logger({ serviceName: 'fileflow-chatbot-worker' });
  const tableNames = tableNamesFromEnvironment(env);
  const repository = new TrackingRepository({ client: clients.dynamo, tableNames });
  const worker = new ChatBotWorker({
    repository,
    dynamo: clients.dynamo,
    tableNames,
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
    postResponse: clients.postResponse,
    log: (entry) =>
      entry.event === 'error' ? logger.error(entry.event, { ...entry }) : logger.info(entry.event, { ...entry }),
  });

  return async (event) => {
    if (!isDeferredJob(event)) throw new Error('the chat bot worker runs only jobs of the chat bot');
    // `null`, not `undefined`: the waiting caller reads the result as JSON.
    return (await worker.run(event)) ?? null;
  };
}

/** Lambda entry point. */
export const handler = createLazyHandler();

/** Builds the AWS clients and the worker on the first invocation, so importing this module has no side effects. */
function createLazyHandler(): (event: unknown) => Promise<Reply | null> {
  let built: ((event: unknown) => Promise<Reply | null>) | undefined;
  return (event) => {
    built ??= createChatBotWorkerHandler(
      {
        dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
          marshallOptions: { removeUndefinedValues: true },
        }),
        sfn: new SFNClient({}),
      },
      process.env,
    );
    return built(event);
  };
}
