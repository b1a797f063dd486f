/**
 * The transfer event queue: S3 `Object Created` events of the landing prefixes flow
 * EventBridge rule → SQS queue (with a dead-letter queue) → EventBridge Pipe → one Standard
 * Step Functions execution per file, started fire-and-forget.
 *
 * SQS cannot start a state machine by itself, hence the pipe. The execution receives only
 * the S3 event's `detail` (bucket, object key, size, etag, version id), never file bytes.
 * Pipes hands Step Functions a JSON array even for a batch of one, so the workflow's input
 * is `[<detail>]` and it reads `$[0]`.
 */
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { PipesPipe } from '@cdktf/provider-aws/lib/pipes-pipe';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { queueNotEmptyAlarm, topicAlarm } from './alarm-topic';

/** A queue created elsewhere that the rule fills and the pipe drains. */
export interface ExistingTransferQueue {
  /** Queue name (for the age alarm). */
  readonly queueName: string;
  /** Queue ARN. */
  readonly queueArn: string;
  /**
   * KMS key the queue is encrypted with; the pipe needs to decrypt with it.
   * @default none (SQS-managed or no encryption)
   */
  readonly kmsKeyArn?: string;
}

/** Props of {@link TransferEventQueue}. */
export interface TransferEventQueueProps {
  /** Prefix of every physical name (rule, queues, pipe, role, alarms). At most 40 characters. */
  readonly namePrefix: string;
  /** The bucket whose object-created events start transfers (it must send events to EventBridge). */
  readonly bucketName: string;
  /** Key prefixes that start a transfer, e.g. the landing zone's `from-sftp/acme/`; at least one. */
  readonly keyPrefixes: readonly string[];
  /** The Standard state machine that runs one transfer. */
  readonly stateMachineArn: string;
  /**
   * KMS key for both queues. Its key policy must let `events.amazonaws.com` use it (the
   * landing zone's key does).
   * @default SQS-managed SSE
   */
  readonly kmsKeyArn?: string;
  /**
   * How long a received message stays invisible; at least {@link PIPE_BATCH_PROCESSING_SECONDS}.
   * @default 300
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * SNS topic for the dead-letter and message-age alarms.
   * @default no alarms
   */
  readonly alarmTopicArn?: string;
  /**
   * Age in seconds of the oldest waiting message that raises the age alarm.
   * @default 900
   */
  readonly oldestMessageAgeAlarmSeconds?: number;
  /**
   * Use this queue instead of creating one with its dead-letter queue. Its policy is not
   * touched: attach {@link TransferEventQueue.queuePolicyDocument} to it.
   * @default a new queue and dead-letter queue
   */
  readonly existingQueue?: ExistingTransferQueue;
}

/**
 * The longest the pipe holds one message (batch of one, no batching window): receive, a
 * StartExecution call with the pipe's own retries on throttling, delete. A shorter
 * visibility timeout would let the message reappear mid-flight and start a duplicate transfer.
 */
export const PIPE_BATCH_PROCESSING_SECONDS = 60;
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 300;
const DEFAULT_MAX_RECEIVE_COUNT = 5;
const DEFAULT_OLDEST_MESSAGE_AGE_ALARM_SECONDS = 900;
/** 14 days, the longest SQS keeps a message: time to find and fix the cause before redriving. */
const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/**
 * The template that hands the state machine the EventBridge event from the SQS message body
 * (the message's receipt handle and attributes stay behind); Validate Input parses it.
 */
export const PIPE_INPUT_TEMPLATE = '<$.body>';

/** The alarms of a transfer event queue. */
export interface TransferEventQueueAlarms {
  /** Some event could not be delivered or processed: it waits in the dead-letter queue. */
  readonly deadLetterQueueNotEmpty?: CloudwatchMetricAlarm;
  /** Events wait longer than expected: the pipe is stopped, throttled or failing. */
  readonly oldestMessageTooOld?: CloudwatchMetricAlarm;
}

/** S3 object-created events of some prefixes, queued and piped to a Standard state machine. */
export class TransferEventQueue extends Construct {
  /** The rule matching object-created events of the bucket and prefixes. */
  public readonly rule: CloudwatchEventRule;
  /** The rule's target: the queue. */
  public readonly target: CloudwatchEventTarget;
  /** The created queue; undefined with `existingQueue`. */
  public readonly queue?: SqsQueue;
  /** The created dead-letter queue (also the rule target's dead-letter queue). */
  public readonly deadLetterQueue?: SqsQueue;
  /** The created queue's policy. */
  public readonly queuePolicy?: SqsQueuePolicy;
  /** The queue policy that lets exactly this rule send: attached to a created queue, for the owner of an existing one. */
  public readonly queuePolicyDocument: string;
  /** Queue ARN (created or existing). */
  public readonly queueArn: string;
  /** The pipe from the queue to the state machine. */
  public readonly pipe: PipesPipe;
  /** The role the pipe runs as. */
  public readonly pipeRole: IamRole;
  /** Alarms, when an alarm topic was given. */
  public readonly alarms: TransferEventQueueAlarms;

  constructor(scope: Construct, id: string, props: TransferEventQueueProps) {
    super(scope, id);
    checkTransferEventQueueProps(props);

    this.rule = new CloudwatchEventRule(this, 'rule', {
      name: `${props.namePrefix}-object-created`,
      description: `S3 Object Created in ${props.keyPrefixes.length} transfer prefix(es): queued for a transfer`,
      eventPattern: JSON.stringify(objectCreatedPattern(props.bucketName, props.keyPrefixes)),
    });

    let queueName: string;
    let queueKmsKeyArn: string | undefined;
    if (props.existingQueue) {
      this.queueArn = props.existingQueue.queueArn;
      this.queuePolicyDocument = JSON.stringify(eventBridgeSendPolicy(this.queueArn, this.rule.arn));
      queueName = props.existingQueue.queueName;
      queueKmsKeyArn = props.existingQueue.kmsKeyArn;
      this.target = new CloudwatchEventTarget(this, 'target', {
        rule: this.rule.name,
        targetId: 'transfer-queue',
        arn: this.queueArn,
      });
    } else {
      const encryption = queueEncryption(props.kmsKeyArn);
      this.deadLetterQueue = new SqsQueue(this, 'dead-letter-queue', {
        name: `${props.namePrefix}-transfers-dlq`,
        messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
        ...encryption,
      });
      const queue = new SqsQueue(this, 'queue', {
        name: `${props.namePrefix}-transfers`,
        visibilityTimeoutSeconds: props.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
        redrivePolicy: JSON.stringify({
          deadLetterTargetArn: this.deadLetterQueue.arn,
          maxReceiveCount: props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
        }),
        ...encryption,
      });
      this.queue = queue;
      this.queueArn = queue.arn;
      queueName = queue.name;
      queueKmsKeyArn = props.kmsKeyArn;
      this.queuePolicyDocument = JSON.stringify(eventBridgeSendPolicy(queue.arn, this.rule.arn));
      this.queuePolicy = new SqsQueuePolicy(this, 'queue-policy', {
        queueUrl: queue.url,
        policy: this.queuePolicyDocument,
      });
      // Events EventBridge cannot deliver (after its 24 h of retries) land in the same DLQ.
      new SqsQueuePolicy(this, 'dead-letter-queue-policy', {
        queueUrl: this.deadLetterQueue.url,
        policy: JSON.stringify(eventBridgeSendPolicy(this.deadLetterQueue.arn, this.rule.arn)),
      });
      this.target = new CloudwatchEventTarget(this, 'target', {
        rule: this.rule.name,
        targetId: 'transfer-queue',
        arn: queue.arn,
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
      });
    }

    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition');
    const region = new DataAwsRegion(this, 'region');
    const pipeName = `${props.namePrefix}-transfers`;
    this.pipeRole = new IamRole(this, 'pipe-role', {
      name: `${props.namePrefix}-transfers-pipe`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'pipes.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:SourceAccount': account.accountId },
              ArnEquals: {
                'aws:SourceArn': `arn:${partition.partition}:pipes:${region.region}:${account.accountId}:pipe/${pipeName}`,
              },
            },
          },
        ],
      }),
    });
    const pipePolicy = new IamRolePolicy(this, 'pipe-policy', {
      name: 'drain-queue-start-transfers',
      role: this.pipeRole.name,
      policy: JSON.stringify(pipeRolePolicy(this.queueArn, props.stateMachineArn, queueKmsKeyArn)),
    });
    this.pipe = new PipesPipe(this, 'pipe', {
      name: pipeName,
      description: 'One Standard workflow execution per landed file',
      roleArn: this.pipeRole.arn,
      source: this.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: 1 } },
      target: props.stateMachineArn,
      targetParameters: {
        inputTemplate: PIPE_INPUT_TEMPLATE,
        stepFunctionStateMachineParameters: { invocationType: 'FIRE_AND_FORGET' },
      },
      // Pipes checks the role's permissions when the pipe is created.
      dependsOn: [pipePolicy],
    });

    this.alarms = props.alarmTopicArn === undefined ? {} : this.createAlarms(props, props.alarmTopicArn, queueName);
  }

  private createAlarms(props: TransferEventQueueProps, topicArn: string, queueName: string): TransferEventQueueAlarms {
    return {
      deadLetterQueueNotEmpty:
        this.deadLetterQueue &&
        queueNotEmptyAlarm(this, 'dead-letter-alarm', {
          alarmName: `${props.namePrefix}-transfers-dead-letters`,
          alarmDescription: 'Transfer events are waiting in the dead-letter queue: inspect, fix, then redrive',
          queueName: this.deadLetterQueue.name,
          alarmTopicArn: topicArn,
        }),
      oldestMessageTooOld: topicAlarm(this, 'oldest-message-alarm', topicArn, {
        alarmName: `${props.namePrefix}-transfers-waiting`,
        alarmDescription:
          'Transfer events wait too long in the queue: is the pipe running and allowed to start executions?',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateAgeOfOldestMessage',
        dimensions: { QueueName: queueName },
        statistic: 'Maximum',
        period: 60,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: props.oldestMessageAgeAlarmSeconds ?? DEFAULT_OLDEST_MESSAGE_AGE_ALARM_SECONDS,
      }),
    };
  }
}

/** EventBridge pattern: S3 `Object Created` in exactly this bucket under any of these prefixes. */
export function objectCreatedPattern(bucketName: string, keyPrefixes: readonly string[]): object {
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [bucketName] },
      object: { key: keyPrefixes.map((prefix) => ({ prefix })) },
    },
  };
}

/** Queue policy: EventBridge may send, only on behalf of this one rule. */
export function eventBridgeSendPolicy(queueArn: string, ruleArn: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TransferRuleSendsEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      },
    ],
  };
}

/** The pipe's permissions: drain exactly this queue, start exactly this state machine. */
export function pipeRolePolicy(queueArn: string, stateMachineArn: string, kmsKeyArn: string | undefined): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DrainTransferQueue',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: queueArn,
      },
      { Sid: 'StartTransferWorkflow', Effect: 'Allow', Action: 'states:StartExecution', Resource: stateMachineArn },
      ...(kmsKeyArn === undefined
        ? []
        : [{ Sid: 'ReadEncryptedMessages', Effect: 'Allow', Action: 'kms:Decrypt', Resource: kmsKeyArn }]),
    ],
  };
}

/** Queue encryption: the given KMS key, else SQS-managed SSE. */
export function queueEncryption(
  kmsKeyArn: string | undefined,
): { kmsMasterKeyId: string; kmsDataKeyReusePeriodSeconds: number } | { sqsManagedSseEnabled: true } {
  // Reusing a data key for 5 minutes keeps KMS calls (and cost) low at a steady event rate.
  return kmsKeyArn === undefined
    ? { sqsManagedSseEnabled: true }
    : { kmsMasterKeyId: kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 };
}

/** Every problem with the props at once; throws before any resource exists. */
function checkTransferEventQueueProps(props: TransferEventQueueProps): void {
  const problems: string[] = [];
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,39}$/.test(props.namePrefix)) {
    problems.push(`namePrefix '${props.namePrefix}' must be 1–40 letters, digits, '-' or '_'`);
  }
  if (props.existingQueue) {
    for (const option of ['kmsKeyArn', 'visibilityTimeoutSeconds', 'maxReceiveCount'] as const) {
      if (props[option] !== undefined) problems.push(`existingQueue cannot be combined with ${option}`);
    }
  }
  if (props.keyPrefixes.length === 0) problems.push('keyPrefixes needs at least one prefix');
  for (const prefix of props.keyPrefixes) {
    if (prefix === '' || prefix.startsWith('/') || /[*?]/.test(prefix)) {
      problems.push(`key prefix '${prefix}' must be a non-empty literal prefix without a leading '/' or wildcards`);
    }
  }
  if (new Set(props.keyPrefixes).size !== props.keyPrefixes.length) problems.push('keyPrefixes lists a prefix twice');
  const arn = props.stateMachineArn;
  if (!Token.isUnresolved(arn) && !/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/.test(arn)) {
    problems.push(`stateMachineArn '${arn}' is not a state machine ARN`);
  }
  const visibility = props.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
  if (!Number.isInteger(visibility) || visibility < PIPE_BATCH_PROCESSING_SECONDS || visibility > 43_200) {
    problems.push(
      `visibilityTimeoutSeconds ${visibility} must be a whole number from ${PIPE_BATCH_PROCESSING_SECONDS} (the pipe's batch processing time) to 43200`,
    );
  }
  const receives = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
  if (!Number.isInteger(receives) || receives < 1 || receives > 1000) {
    problems.push(`maxReceiveCount ${receives} must be a whole number from 1 to 1000`);
  }
  if (props.oldestMessageAgeAlarmSeconds !== undefined) {
    if (props.alarmTopicArn === undefined) problems.push('oldestMessageAgeAlarmSeconds needs alarmTopicArn');
    if (!Number.isInteger(props.oldestMessageAgeAlarmSeconds) || props.oldestMessageAgeAlarmSeconds < 60) {
      problems.push(`oldestMessageAgeAlarmSeconds ${props.oldestMessageAgeAlarmSeconds} must be a whole number ≥ 60`);
    }
  }
  if (problems.length > 0) throw new Error(`TransferEventQueue '${props.namePrefix}':\n  ${problems.join('\n  ')}`);
}
