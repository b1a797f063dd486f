/**
 * The operations chat bot: two Lambdas. The public bot sits behind a
 * function URL that Slack slash commands and a Teams outgoing webhook post to
 * (`/slack/commands`, `/teams/messages`); its worker, with no URL, does every
 * write and every slow answer, invoked only by the bot.
 *
 * The URL's auth type is NONE because Slack and Teams cannot sign AWS
 * requests; they sign their own (`X-Slack-Signature`, `Authorization: HMAC`),
 * and the handler verifies that signature — with a secret read from Secrets
 * Manager — before it reads anything else. Because anyone can reach it, the
 * public bot's IAM is read-only: read on the tracking tables and their
 * indexes, GetSecretValue on the one or two secrets, and InvokeFunction on
 * exactly the worker.
 *
 * The worker (`/transfer-retry` and the 7-day alert summary): read on the
 * failure queue and the notification log; UpdateItem on the failure queue and
 * the status table (resolving a failure as REDRIVEN releases its claim; a
 * pulled file's poll is re-armed); PutItem on the audit log (every retry
 * request, refused ones too); StartExecution on the transfer state machine.
 * No write on the customer index, the notification log or the workflow
 * definitions.
 *
 * The bot invokes the worker asynchronously. A job the worker still fails after Lambda's
 * two retries, or one older than Slack's 30-minute reply window, is not dropped: it lands,
 * with its error, in the worker's failed-jobs queue (encrypted, kept 14 days), and an alarm
 * tells the operators it is there.
 */
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaFunctionUrl } from '@cdktf/provider-aws/lib/lambda-function-url';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { Construct } from 'constructs';
import { functionErrorsAlarm, queueNotEmptyAlarm } from './alarm-topic';
import { BundledFunction } from './bundled-function';
import { namePrefixProblems } from './name-prefix';
import type { TrackingTables } from './tracking-tables';

/** Retries Lambda makes of a failed asynchronous worker job (its maximum). */
const WORKER_RETRIES = 2;
/** Slack accepts a delayed reply for 30 minutes; an older job goes to the failed-jobs queue. */
const WORKER_JOB_MAX_AGE_SECONDS = 1_800;
/** How long a failed job waits for an operator: SQS's maximum. */
const FAILED_JOB_RETENTION_SECONDS = 1_209_600;

/** Props of {@link ChatBot}. */
export interface ChatBotProps {
  /** Names the function (`<namePrefix>-chatbot`), its role, log group and alarm. */
  readonly namePrefix: string;
  /** Days CloudWatch keeps the function's logs. */
  readonly logRetentionDays: number;
  /** The pipeline's tracking tables. */
  readonly tables: TrackingTables;
  /** The transfer state machine `/transfer-retry` starts re-drive executions on. */
  readonly transferStateMachineArn: string;
  /** Secrets Manager secret holding the Slack app's signing secret (a plain string). */
  readonly slackSigningSecretArn: string;
  /**
   * Secrets Manager secret holding a Teams outgoing webhook's security token (base64).
   * @default Teams is not served
   */
  readonly teamsSecurityTokenSecretArn?: string;
  /**
   * KMS key the secrets are encrypted with, when it is a customer managed key.
   * @default the secrets use the AWS managed key
   */
  readonly secretsKmsKeyArn?: string;
  /**
   * Slack user ids (or Teams AAD object ids) allowed to `/transfer-retry`.
   * @default none
   */
  readonly retryAllowedUserIds?: readonly string[];
  /**
   * Slack channel ids (or Teams channel ids) whose members may `/transfer-retry`.
   * @default none
   */
  readonly retryAllowedChannelIds?: readonly string[];
  /** Topic the two functions' error alarms notify. */
  readonly alarmTopicArn: string;
}

/** The chat bot's two functions, the public one's URL, and their alarms. */
export class ChatBot extends Construct {
  /** The public, read-only bot (bundled from `functions/handlers/chatbot.ts`). */
  public readonly function: BundledFunction;
  /** The worker that writes, invoked only by {@link function} (bundled from `functions/handlers/chatbot-worker.ts`). */
  public readonly worker: BundledFunction;
  /** The public HTTPS endpoint Slack and Teams post to; `functionUrl` is its address. */
  public readonly url: LambdaFunctionUrl;
  /** Errors of the public function. */
  public readonly errorAlarm: CloudwatchMetricAlarm;
  /** Errors of the worker (a failed audit or re-drive). */
  public readonly workerErrorAlarm: CloudwatchMetricAlarm;
  /** Worker jobs that failed every attempt or expired, each with its error (Lambda's on-failure destination). */
  public readonly failedJobsQueue: SqsQueue;
  /** Fires while a failed worker job waits in {@link failedJobsQueue}. */
  public readonly failedJobsAlarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: ChatBotProps) {
    super(scope, id);
    checkChatBotProps(props);
    const functionName = `${props.namePrefix}-chatbot`;
    const workerName = `${functionName}-worker`;
    const tables = props.tables;
    const table = (name: keyof TrackingTables['tables']) => tables.tables[name].tableArn;
    const secretArns = [props.slackSigningSecretArn, props.teamsSecurityTokenSecretArn].filter(
      (arn): arn is string => arn !== undefined,
    );

    this.failedJobsQueue = new SqsQueue(this, 'failed-jobs', {
      name: `${workerName}-failed-jobs`,
      messageRetentionSeconds: FAILED_JOB_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });

    this.worker = new BundledFunction(this, 'worker', {
      functionName: workerName,
      entry: 'handlers/chatbot-worker.ts',
      logRetentionDays: props.logRetentionDays,
      environment: {
        ...tables.environment,
        TRANSFER_STATE_MACHINE_ARN: props.transferStateMachineArn,
      },
      permissions: [
        // The failure to resolve, and the notification log the 7-day summary scans.
        ...tables.policyStatements('read', ['transferFailureQueue', 'transferNotificationLog']),
        // /transfer-retry: resolve the failure (and release the claim of the failed version), then audit.
        { actions: ['dynamodb:UpdateItem'], resources: [table('transferFailureQueue'), table('fileTransferStatus')] },
        { actions: ['dynamodb:PutItem'], resources: [table('fileTransferAuditLog')] },
        { actions: ['states:StartExecution'], resources: [props.transferStateMachineArn] },
        // Lambda hands a job that failed for good to the failed-jobs queue with this role.
        { actions: ['sqs:SendMessage'], resources: [this.failedJobsQueue.arn] },
        ...(tables.kmsKeyArn === undefined
          ? []
          : [{ actions: ['kms:GenerateDataKey'], resources: [tables.kmsKeyArn] }]),
      ],
      memorySize: 256,
      // A scan of seven days of notifications, a StartExecution and a POST: more than Slack's 3 s, not minutes.
      timeoutSeconds: 30,
    });

    new LambdaFunctionEventInvokeConfig(this, 'worker-async', {
      functionName: this.worker.function.functionName,
      maximumRetryAttempts: WORKER_RETRIES,
      maximumEventAgeInSeconds: WORKER_JOB_MAX_AGE_SECONDS,
      destinationConfig: { onFailure: { destination: this.failedJobsQueue.arn } },
    });

    this.function = new BundledFunction(this, 'function', {
      functionName,
      entry: 'handlers/chatbot.ts',
      logRetentionDays: props.logRetentionDays,
      environment: {
        ...tables.environment,
        SLACK_SIGNING_SECRET_ARN: props.slackSigningSecretArn,
        ...(props.teamsSecurityTokenSecretArn === undefined
          ? {}
          : { TEAMS_SECURITY_TOKEN_SECRET_ARN: props.teamsSecurityTokenSecretArn }),
        CHATBOT_WORKER_FUNCTION_NAME: this.worker.function.functionName,
        RETRY_ALLOWED_USER_IDS: (props.retryAllowedUserIds ?? []).join(','),
        RETRY_ALLOWED_CHANNEL_IDS: (props.retryAllowedChannelIds ?? []).join(','),
      },
      permissions: [
        ...tables.policyStatements('read', [
          'fileTransferStatus',
          'customerFileIndex',
          'fileTransferAuditLog',
          'transferFailureQueue',
          'transferNotificationLog',
        ]),
        { actions: ['secretsmanager:GetSecretValue'], resources: secretArns },
        ...(props.secretsKmsKeyArn === undefined
          ? []
          : [{ actions: ['kms:Decrypt'], resources: [props.secretsKmsKeyArn] }]),
        // Every write and every slow answer is a job for the worker; the bot invokes nothing else.
        { actions: ['lambda:InvokeFunction'], resources: [this.worker.function.arn] },
      ],
      memorySize: 256,
      // Slack's deadline is 3 s; a Teams re-drive waits for the worker, which may take longer.
      timeoutSeconds: 30,
    });

    this.url = new LambdaFunctionUrl(this, 'url', {
      functionName: this.function.function.functionName,
      authorizationType: 'NONE',
    });
    new LambdaPermission(this, 'public-url', {
      statementId: 'SlackAndTeamsSignedRequests',
      action: 'lambda:InvokeFunctionUrl',
      functionName: this.function.function.functionName,
      principal: '*',
      functionUrlAuthType: 'NONE',
    });

    this.errorAlarm = functionErrorsAlarm(this, 'errors-alarm', {
      alarmName: `${functionName}-errors`,
      alarmDescription: 'The chat bot function failed: see its log group',
      functionName: this.function.function.functionName,
      alarmTopicArn: props.alarmTopicArn,
    });
    this.workerErrorAlarm = functionErrorsAlarm(this, 'worker-errors-alarm', {
      alarmName: `${workerName}-errors`,
      alarmDescription: 'The chat bot worker (a retry audit or re-drive) failed: see its log group',
      functionName: this.worker.function.functionName,
      alarmTopicArn: props.alarmTopicArn,
    });
    this.failedJobsAlarm = queueNotEmptyAlarm(this, 'failed-jobs-alarm', {
      alarmName: `${workerName}-failed-jobs`,
      alarmDescription:
        'A chat bot job (a retry request or an alert summary) failed every attempt: its event and error wait in the failed-jobs queue',
      queueName: this.failedJobsQueue.name,
      alarmTopicArn: props.alarmTopicArn,
    });
  }
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** Slack user/channel ids (U…, W…, C…, G…) and Teams AAD object or channel ids; no commas (the list separator). */
const CHAT_ID = /^[A-Za-z0-9:@._-]{1,128}$/;
const TOKEN_REFERENCE = /^\$\{.+\}$/;

/** Every problem with the props at once; throws before any resource exists. */
function checkChatBotProps(props: ChatBotProps): void {
  const problems: string[] = [];
  problems.push(...namePrefixProblems(props.namePrefix, { max: 24, first: 'letter' }));
  const arns = {
    slackSigningSecretArn: props.slackSigningSecretArn,
    teamsSecurityTokenSecretArn: props.teamsSecurityTokenSecretArn,
  };
  for (const [name, arn] of Object.entries(arns)) {
    if (arn !== undefined && !SECRET_ARN.test(arn) && !TOKEN_REFERENCE.test(arn)) {
      problems.push(`${name} '${arn}' must be a Secrets Manager secret ARN`);
    }
  }
  if (
    props.teamsSecurityTokenSecretArn !== undefined &&
    props.teamsSecurityTokenSecretArn === props.slackSigningSecretArn
  ) {
    problems.push(
      'teamsSecurityTokenSecretArn must differ from slackSigningSecretArn: each platform has its own secret',
    );
  }
  for (const id of [...(props.retryAllowedUserIds ?? []), ...(props.retryAllowedChannelIds ?? [])]) {
    if (!CHAT_ID.test(id))
      problems.push(`retry allow-list id '${id}' must be a Slack or Teams id (no spaces or commas)`);
  }
  if (problems.length > 0) throw new Error(`ChatBot '${props.namePrefix}':\n  ${problems.join('\n  ')}`);
}
