/**
 * The transfer pipeline, one data flow end to end: a file lands in the landing bucket
 * (over SFTP or straight into S3) → EventBridge → queue → pipe → one Standard transfer
 * workflow execution → seven Lambda functions copy it to its targets and record it in the
 * tracking tables → a notification on the pipeline's encrypted topic. Alarms go to the
 * given topic; one dashboard shows the flow.
 */
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { PolicyStatement } from '../asl/iam';
import { buildTransferDefinition, type TransferFunctionArns } from '../asl/workflows/transfer';
import { functionErrorsAlarm, topicAlarm } from './alarm-topic';
import { BundledFunction } from './bundled-function';
import { isValidCustomerId, LandingZone, type ExistingKmsKey, type ExistingLandingBucket } from './landing-zone';
import { namePrefixProblems } from './name-prefix';
import { pipelineDashboardBody, transferMetricsNamespace } from './pipeline-dashboard';
import { PullPoller, pullIngressProblems, type PullPollerProps } from './pull-poller';
import { SftpIngress, type ExistingTransferServer, type SftpUser } from './sftp-ingress';
import { TrackingTables } from './tracking-tables';
import { TransferEventQueue } from './transfer-queue';
import { WorkflowStateMachine } from './workflow-state-machine';

/** Props of {@link TransferPipeline}. */
export interface TransferPipelineProps {
  /**
   * Prefix of every physical name (functions, roles, tables, queues, topic, alarms,
   * dashboard): two pipelines in one account differ in it. 2–24 lowercase letters, digits or '-'.
   */
  readonly namePrefix: string;
  /** Days CloudWatch keeps the logs of the functions, the workflow and the SFTP server. */
  readonly logRetentionDays: number;
  /** SNS topic every alarm of the pipeline notifies. */
  readonly alarmTopicArn: string;
  /**
   * Customer ids with landing prefixes (`inbound/<customer>/`, `from-sftp/<customer>/`).
   * @default none: files of any customer folder still start transfers
   */
  readonly customers?: readonly string[];
  /**
   * Customers who upload over SFTP, each one of `customers`.
   * @default none: no Transfer Family server is created
   */
  readonly sftpUsers?: readonly SftpUser[];
  /**
   * Land files in this bucket instead of creating one (it must send events to EventBridge).
   * @default a new landing bucket
   */
  readonly existingBucket?: ExistingLandingBucket;
  /**
   * Encrypt with this key instead of creating one (bucket, queues, topic, tables).
   * @default a new landing key with yearly rotation
   */
  readonly existingKmsKey?: ExistingKmsKey;
  /**
   * Put the SFTP users on this server; needs `sftpUsers`.
   * @default a new server when there are SFTP users
   */
  readonly existingTransferServer?: ExistingTransferServer;
  /**
   * Exact ARNs of the buckets S3 targets write to; Copy To S3 may write their objects and nothing else.
   * @default none
   */
  readonly targetBucketArns?: readonly string[];
  /**
   * Exact ARNs of the KMS keys encrypting the target buckets.
   * @default none (targets use SSE-S3)
   */
  readonly targetKmsKeyArns?: readonly string[];
  /**
   * Exact ARNs of the secrets holding SFTP targets' keys, read by Copy To SFTP.
   * @default none
   */
  readonly sftpSecretArns?: readonly string[];
  /**
   * Exact ARNs of the secrets holding workflows' webhook credentials, read by Log Notification.
   * @default none
   */
  readonly webhookSecretArns?: readonly string[];
  /**
   * Exact ARNs of workflows' own SNS topics, published to by Log Notification.
   * @default none
   */
  readonly workflowTopicArns?: readonly string[];
  /**
   * Pull ingress for workflows whose source is a partner SFTP server: the servers they name
   * by `endpointRef`, and how often they are polled.
   * @default none: no poller (pull workflows then never start), since there is nothing to poll
   */
  readonly pull?: Pick<PullPollerProps, 'sources' | 'scheduleExpression'>;
  /**
   * Receives of a transfer event before it moves to the dead-letter queue.
   * @default 5 (the transfer queue's default)
   */
  readonly maxReceiveCount?: number;
}

/** The seven transfer handlers, keyed as the workflow names them. */
export type TransferHandler = keyof TransferFunctionArns;

/** Handler file (under `functions/handlers/`) of each Task function; also the function name suffix. */
export const TRANSFER_HANDLERS: Readonly<Record<TransferHandler, string>> = {
  validateTransfer: 'validate-transfer',
  copyToS3: 'copy-to-s3',
  copyToSftp: 'copy-to-sftp',
  queueForReview: 'queue-for-review',
  logOutcome: 'log-outcome',
  recordMetrics: 'record-metrics',
  logNotification: 'log-notification',
};

/** Top-level landing prefixes whose new objects start a transfer (see `landing-zone.ts`). */
export const TRANSFER_KEY_PREFIXES = ['inbound/', 'from-sftp/'] as const;

/** Copies stream large files: the most Lambda allows, and memory for the multipart buffers. */
const COPY_FUNCTION = { timeoutSeconds: 900, memorySize: 1024 } as const;

/** A landing zone whose new files are moved to their targets by the transfer workflow. */
export class TransferPipeline extends Construct {
  /** Landing bucket and key. */
  public readonly landingZone: LandingZone;
  /** The SFTP server and users; undefined without `sftpUsers`. */
  public readonly sftp?: SftpIngress;
  /** The six tracking tables. */
  public readonly tables: TrackingTables;
  /** Topic of transfer notifications, encrypted with the landing key. */
  public readonly notificationTopic: SnsTopic;
  /** The seven Task functions. */
  public readonly functions: Readonly<Record<TransferHandler, BundledFunction>>;
  /** The Standard transfer workflow. */
  public readonly workflow: WorkflowStateMachine;
  /** Rule → queue (+ DLQ) → pipe → workflow. */
  public readonly eventQueue: TransferEventQueue;
  /** Failed executions alarm. */
  public readonly executionsFailedAlarm: CloudwatchMetricAlarm;
  /** One Errors alarm per function. */
  public readonly functionErrorAlarms: Readonly<Record<TransferHandler, CloudwatchMetricAlarm>>;
  /** The pull poller; undefined without `pull`. */
  public readonly pullPoller?: PullPoller;
  /** The pipeline's dashboard. */
  public readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: TransferPipelineProps) {
    super(scope, id);
    checkTransferPipelineProps(props);
    const prefix = props.namePrefix;

    this.landingZone = new LandingZone(this, 'landing-zone', {
      namePrefix: prefix,
      customers: props.customers ?? [],
      existingBucket: props.existingBucket,
      existingKmsKey: props.existingKmsKey,
    });
    const keyArn = this.landingZone.kmsKeyArn;
    const bucket = this.landingZone.bucket;

    if ((props.sftpUsers ?? []).length > 0) {
      this.sftp = new SftpIngress(this, 'sftp', {
        namePrefix: prefix,
        landingBucket: bucket,
        users: props.sftpUsers,
        logRetentionDays: props.logRetentionDays,
        existingServer: props.existingTransferServer,
      });
    }

    this.tables = new TrackingTables(this, 'tables', { namePrefix: prefix, kmsKeyArn: keyArn });
    this.notificationTopic = new SnsTopic(this, 'notification-topic', {
      name: `${prefix}-transfer-notifications`,
      kmsMasterKeyId: keyArn,
    });

    const readLanding: PolicyStatement[] = [
      { actions: ['s3:GetObject'], resources: TRANSFER_KEY_PREFIXES.map((p) => `${bucket.bucketArn}/${p}*`) },
      { actions: ['kms:Decrypt'], resources: [keyArn] },
    ];
    const permissions: Record<TransferHandler, PolicyStatement[]> = {
      validateTransfer: [
        ...this.tables.policyStatements('read', ['workflowDefinition', 'transferFailureQueue']),
        ...this.tables.policyStatements('readWrite', ['fileTransferStatus', 'fileTransferAuditLog']),
      ],
      copyToS3: [
        ...readLanding,
        ...granted(
          // AbortMultipartUpload: a failed multipart copy leaves no parts behind.
          ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'],
          (props.targetBucketArns ?? []).map((arn) => `${arn}/*`),
        ),
        ...granted(['kms:Decrypt', 'kms:GenerateDataKey'], props.targetKmsKeyArns ?? []),
      ],
      copyToSftp: [...readLanding, ...granted(['secretsmanager:GetSecretValue'], props.sftpSecretArns ?? [])],
      queueForReview: [
        ...this.tables.policyStatements('readWrite', ['transferFailureQueue']),
        ...this.tables.policyStatements('read', ['fileTransferStatus']),
      ],
      logOutcome: this.tables.policyStatements('readWrite', [
        'fileTransferStatus',
        'customerFileIndex',
        'fileTransferAuditLog',
      ]),
      // EMF goes to the function's own log: nothing beyond the log group.
      recordMetrics: [],
      logNotification: [
        ...this.tables.policyStatements('readWrite', ['transferNotificationLog']),
        ...granted(['sns:Publish'], props.workflowTopicArns ?? []),
        ...granted(['secretsmanager:GetSecretValue'], props.webhookSecretArns ?? []),
      ],
    };
    const metricsNamespace = transferMetricsNamespace(prefix);
    const functions: Partial<Record<TransferHandler, BundledFunction>> = {};
    for (const [handler, file] of Object.entries(TRANSFER_HANDLERS) as [TransferHandler, string][]) {
      const isCopy = handler === 'copyToS3' || handler === 'copyToSftp';
      functions[handler] = new BundledFunction(this, file, {
        functionName: `${prefix}-${file}`,
        entry: `handlers/${file}.ts`,
        logRetentionDays: props.logRetentionDays,
        // The copy functions touch no table: they get no table names.
        environment:
          handler === 'recordMetrics'
            ? { POWERTOOLS_METRICS_NAMESPACE: metricsNamespace }
            : handler === 'logNotification'
              ? { ...this.tables.environment, POWERTOOLS_METRICS_NAMESPACE: metricsNamespace }
              : isCopy
                ? {}
                : { ...this.tables.environment },
        permissions: permissions[handler],
        ...(isCopy ? COPY_FUNCTION : {}),
      });
    }
    this.functions = functions as Record<TransferHandler, BundledFunction>;

    const functionArns = Object.fromEntries(
      Object.entries(this.functions).map(([handler, fn]) => [handler, fn.function.arn]),
    ) as unknown as TransferFunctionArns;
    this.workflow = new WorkflowStateMachine(this, 'workflow', {
      name: `${prefix}-transfer`,
      definition: buildTransferDefinition({
        functions: functionArns,
        fileTransferStatusTable: this.tables.tables.fileTransferStatus,
        notificationTopicArn: this.notificationTopic.arn,
      }),
      logRetentionDays: props.logRetentionDays,
    });
    // The definition declares sns:Publish; publishing to a topic under a customer managed key needs the key too.
    new IamRolePolicy(this, 'workflow-topic-key', {
      name: 'notification-topic-key',
      role: this.workflow.role.name,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [keyArn] }],
      }),
    });

    this.eventQueue = new TransferEventQueue(this, 'event-queue', {
      namePrefix: prefix,
      bucketName: bucket.bucketName,
      keyPrefixes: TRANSFER_KEY_PREFIXES,
      stateMachineArn: this.workflow.stateMachine.arn,
      kmsKeyArn: keyArn,
      maxReceiveCount: props.maxReceiveCount,
      alarmTopicArn: props.alarmTopicArn,
    });

    if (props.pull) {
      this.pullPoller = new PullPoller(this, 'pull-poller', {
        namePrefix: prefix,
        logRetentionDays: props.logRetentionDays,
        alarmTopicArn: props.alarmTopicArn,
        tables: this.tables,
        stateMachineArn: this.workflow.stateMachine.arn,
        ...props.pull,
      });
    }

    this.executionsFailedAlarm = topicAlarm(this, 'executions-failed-alarm', props.alarmTopicArn, {
      alarmName: `${prefix}-transfer-executions-failed`,
      alarmDescription: 'Transfer workflow executions failed: see the execution history and the review queue',
      namespace: 'AWS/States',
      metricName: 'ExecutionsFailed',
      dimensions: { StateMachineArn: this.workflow.stateMachine.arn },
      statistic: 'Sum',
      period: 300,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
    });
    this.functionErrorAlarms = Object.fromEntries(
      Object.entries(this.functions).map(([handler, fn]) => {
        const file = TRANSFER_HANDLERS[handler as TransferHandler];
        return [
          handler,
          functionErrorsAlarm(this, `${file}-errors-alarm`, {
            alarmName: `${prefix}-${file}-errors`,
            alarmDescription: `The ${file} function failed: see its log group`,
            functionName: fn.function.functionName,
            alarmTopicArn: props.alarmTopicArn,
          }),
        ];
      }),
    ) as Record<TransferHandler, CloudwatchMetricAlarm>;

    const queue = this.eventQueue.queue as NonNullable<TransferEventQueue['queue']>;
    const deadLetterQueue = this.eventQueue.deadLetterQueue as NonNullable<TransferEventQueue['deadLetterQueue']>;
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: `${prefix}-transfers`,
      dashboardBody: pipelineDashboardBody({
        region: new DataAwsRegion(this, 'region').region,
        metricsNamespace,
        stateMachineArn: this.workflow.stateMachine.arn,
        functionNames: Object.fromEntries([
          ...Object.entries(this.functions).map(([handler, fn]) => [handler, fn.function.functionName]),
          ...(this.pullPoller ? [['pollPullSources', this.pullPoller.function.function.functionName]] : []),
        ]),
        queueName: queue.name,
        deadLetterQueueName: deadLetterQueue.name,
      }),
    });
  }
}

/** One statement, or none when there is nothing to grant it on (IAM refuses an empty Resource). */
function granted(actions: string[], resources: readonly string[]): PolicyStatement[] {
  return resources.length === 0 ? [] : [{ actions, resources: [...resources] }];
}

const ARN_PATTERNS = {
  targetBucketArns: /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  targetKmsKeyArns: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
  sftpSecretArns: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
  webhookSecretArns: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
  workflowTopicArns: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
} as const;

/** Every problem with the props at once; throws before any resource exists. */
function checkTransferPipelineProps(props: TransferPipelineProps): void {
  const problems: string[] = [];
  problems.push(...namePrefixProblems(props.namePrefix, { max: 24, first: 'letter' }));
  const customers = props.customers ?? [];
  for (const customer of customers) {
    if (!isValidCustomerId(customer)) problems.push(`customer '${customer}' is not a valid customer id`);
  }
  if (new Set(customers).size !== customers.length) problems.push('customers lists a customer twice');
  const sftpUsers = props.sftpUsers ?? [];
  for (const user of sftpUsers) {
    if (!customers.includes(user.customer)) problems.push(`SFTP user '${user.customer}' is not one of customers`);
  }
  if (props.existingTransferServer && sftpUsers.length === 0) {
    problems.push('existingTransferServer needs sftpUsers (without them no SFTP ingress is made)');
  }
  for (const [option, pattern] of Object.entries(ARN_PATTERNS) as [keyof typeof ARN_PATTERNS, RegExp][]) {
    for (const arn of props[option] ?? []) {
      if (!Token.isUnresolved(arn) && !pattern.test(arn)) problems.push(`${option}: '${arn}' is not an exact ARN`);
    }
  }
  if (props.pull) problems.push(...pullIngressProblems(props.pull).map((problem) => `pull.${problem}`));
  const receives = props.maxReceiveCount;
  if (receives !== undefined && (!Number.isInteger(receives) || receives < 1 || receives > 1000)) {
    problems.push(`maxReceiveCount ${receives} must be a whole number from 1 to 1000`);
  }
  if (!Number.isInteger(props.logRetentionDays) || props.logRetentionDays < 1) {
    problems.push(`logRetentionDays ${props.logRetentionDays} must be a whole number of days ≥ 1`);
  }
  if (problems.length > 0) throw new Error(`TransferPipeline '${props.namePrefix}':\n  ${problems.join('\n  ')}`);
}
