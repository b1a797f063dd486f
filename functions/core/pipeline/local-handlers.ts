/**
 * The transfer workflow's Tasks for the local runtime (`fileflow local up`, the tests):
 * every Lambda Task runs the same core as on AWS; the direct service integrations get a
 * small emulation — DynamoDB requests go to the local DynamoDB, an SNS publish goes to
 * the injected publisher or nowhere.
 *
 * ```ts
 * runLocally(buildTransferDefinition(localTransferResources()).toAsl(), event, {
 *   handlers: createLocalTaskHandlers(deps),
 * });
 * ```
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { JsonValue, LocalHandler } from '../../../asl';
import { TransferStates, type TransferWorkflowResources } from '../../../asl/workflows/transfer';
import type { TrackingTableName } from '../tracking/tables';
import { CopyPayload, copyToTarget } from './copy-target';
import type { PipelineDeps, SnsPublishRequest } from './deps';
import { recordMetrics } from './metrics';
import { logNotification, NotificationPayload } from './notification';
import { logOutcome } from './outcome';
import { queueForReview } from './review';
import { OutcomePayload, StatePayload } from './state';
import { validateTransfer, ValidatePayload } from './validate';

const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'local-1';

/**
 * Placeholder ARNs for a local run: the handlers replace every resource. The table is
 * named by its logical name; the DynamoDB emulation maps it to the physical local table.
 */
export function localTransferResources(): TransferWorkflowResources {
  const fileTransferStatusTable: TrackingTableName = 'fileTransferStatus';
  const fn = (name: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:fileflow-local-${name}`;
  return {
    functions: {
      validateTransfer: fn('validate-transfer'),
      copyToS3: fn('copy-to-s3'),
      copyToSftp: fn('copy-to-sftp'),
      queueForReview: fn('queue-for-review'),
      logOutcome: fn('log-outcome'),
      recordMetrics: fn('record-metrics'),
      logNotification: fn('log-notification'),
    },
    fileTransferStatusTable: {
      tableName: fileTransferStatusTable,
      tableArn: `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${fileTransferStatusTable}`,
    },
    notificationTopicArn: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:fileflow-local-notifications`,
  };
}

/** One handler per Task state of the transfer workflow, each running the AWS code path's core. */
export function createLocalTaskHandlers(deps: PipelineDeps): Record<string, LocalHandler> {
  const S = TransferStates;
  const json = <T>(value: T) => value as unknown as JsonValue;
  const copy: LocalHandler = async (input) => json(await copyToTarget(CopyPayload.parse(input), deps));
  const outcome: LocalHandler = async (input) => {
    const payload = OutcomePayload.parse(input);
    return json(await logOutcome(payload.outcome, payload.state, deps));
  };
  return {
    [S.validateInput]: async (input) => json(await validateTransfer(ValidatePayload.parse(input), deps)),
    [S.copyToS3]: copy,
    [S.copyToSftp]: copy,
    [S.updateRetryCount]: (input) => emulateDynamoTask('updateItem', input, deps),
    [S.manualReview]: async (input) => json(await queueForReview(StatePayload.parse(input).state, deps)),
    [S.logSuccess]: outcome,
    [S.logFailure]: outcome,
    [S.recordMetrics]: async (input) => json(await recordMetrics(StatePayload.parse(input).state, deps)),
    [S.sendNotification]: async (input) => {
      const request = input as unknown as SnsPublishRequest;
      return json(deps.sns ? await deps.sns(request) : { MessageId: `local-${randomUUID()}` });
    },
    [S.logNotification]: async (input) => json(await logNotification(NotificationPayload.parse(input), deps)),
  };
}

/**
 * Sends a DynamoDB direct-integration request (low-level attribute values, as Step
 * Functions sends it) to the local DynamoDB, and names errors as Step Functions does
 * (`DynamoDB.ConditionalCheckFailedException`), so Retry and Catch match alike.
 */
async function emulateDynamoTask(
  action: 'getItem' | 'putItem' | 'updateItem',
  request: JsonValue,
  deps: Pick<PipelineDeps, 'dynamo' | 'tables'>,
): Promise<JsonValue> {
  const commands = { getItem: GetItemCommand, putItem: PutItemCommand, updateItem: UpdateItemCommand };
  const Command = commands[action] as unknown as new (input: unknown) => GetItemCommand;
  const { TableName, ...rest } = request as { TableName: string };
  const physical = deps.tables[TableName as TrackingTableName] ?? TableName;
  try {
    // Low-level commands pass through the document client untouched (no marshalling).
    const { $metadata, ...response } = await deps.dynamo.send(new Command({ TableName: physical, ...rest }) as never);
    void $metadata;
    return response as JsonValue;
  } catch (error) {
    const named = error as Error;
    throw Object.assign(new Error(named.message), { name: `DynamoDB.${named.name}` });
  }
}
