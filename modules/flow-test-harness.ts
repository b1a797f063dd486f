/**
 * The flow-test harness, one data flow end to end: EventBridge Scheduler starts the Standard
 * harness workflow (daily, optionally an hourly `critical` group) → ListEnabledTests reads the
 * flow configs from the config bucket → per flow, ten Lambda functions seed synthetic files,
 * start the transfer, wait for the files at every target, validate them and record
 * `results/…/run.json` plus the RunSuccess and TransferLatencySeconds metrics → one
 * aggregated alert on the harness's encrypted topic. Alarms go to the given topic; one
 * dashboard and a Glue table (queried in an Athena workgroup) show the results.
 */
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import type { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { PolicyStatement } from '../asl/iam';
import { buildHarnessDefinition, type HarnessFunctionArns } from '../asl/workflows/harness';
import { isIanaTimeZone } from '../environments/config';
import { FLOW_ID_PATTERN } from '../functions/core/flows/schema';
import { HARNESS_ENVIRONMENT } from '../functions/core/harness/aws-deps';
import { SYNTHETIC_TAG } from '../functions/core/harness/prepare';
import type { HarnessStepName } from '../functions/core/harness/steps';
import { HARNESS_METRIC_FAMILY, harnessMetricsNamespace } from '../functions/core/metrics/catalogue';
import { createAccountKey } from './account-key';
import { topicAlarm, type TopicAlarmConfig } from './alarm-topic';
import { BundledFunction } from './bundled-function';
import { harnessDashboardBody } from './harness-dashboard';
import type { ExistingKmsKey } from './landing-zone';
import { namePrefixProblems } from './name-prefix';
import { ResultsCatalog } from './results-catalog';
import { SecureBucket, type BucketReference } from './secure-bucket';
import { createServiceRole } from './service-role';
import { WorkflowStateMachine } from './workflow-state-machine';

/** When a schedule fires: an EventBridge Scheduler expression in an IANA time zone. */
export interface HarnessSchedule {
  /** `cron(…)` or `rate(…)`, e.g. `cron(0 6 * * ? *)`. */
  readonly expression: string;
  /** IANA time zone the cron expression is read in, e.g. `America/Los_Angeles`. */
  readonly timeZone: string;
}

/** An S3 location flows seed into or expect files at: an exact bucket and key prefix. */
export interface HarnessS3Location {
  /** Exact bucket ARN, `arn:aws:s3:::<name>`. */
  readonly bucketArn: string;
  /** Key prefix ending in `/` (`''` for the whole bucket). */
  readonly prefix: string;
  /**
   * Exact ARN of the KMS key encrypting the location's objects.
   * @default none (SSE-S3)
   */
  readonly kmsKeyArn?: string;
}

/** Props of {@link FlowTestHarness}. */
export interface FlowTestHarnessProps {
  /**
   * Prefix of every physical name (functions, roles, state machine, schedules, topic, alarms,
   * dashboard, workgroup): two harnesses in one account differ in it. 2–24 lowercase letters,
   * digits or '-'.
   */
  readonly namePrefix: string;
  /** Days CloudWatch keeps the logs of the functions and the workflow. */
  readonly logRetentionDays: number;
  /** SNS topic every alarm of the harness notifies. */
  readonly alarmTopicArn: string;
  /**
   * When the `daily` group runs.
   * @default `cron(0 6 * * ? *)` in America/Los_Angeles (06:00 local time)
   */
  readonly schedule?: HarnessSchedule;
  /**
   * When the `critical` group runs as well, typically hourly (`rate(1 hour)`).
   * @default none: only the daily run
   */
  readonly criticalSchedule?: HarnessSchedule;
  /**
   * Flows tested at once (the Map's MaxConcurrency); sources and targets are shared, so keep it modest.
   * @default 4
   */
  readonly maxConcurrency?: number;
  /**
   * Flow ids with an alarm of their own and a place in the results table's `flow_id` enum.
   * @default none: one alarm over every flow, and `flow_id` must be named in Athena queries
   */
  readonly flowIds?: readonly string[];
  /**
   * Keep configs, staging and results in this bucket instead of creating one (its lifecycle
   * rules and policy stay its owner's). Give its key as `kmsKeyArn` if it has one.
   * @default a new versioned, KMS-encrypted, TLS-only bucket with the harness lifecycle rules
   */
  readonly existingConfigBucket?: BucketReference;
  /**
   * Encrypt the created bucket, the alert topic and Athena's query results with this key.
   * @default a new key with yearly rotation
   */
  readonly existingKmsKey?: ExistingKmsKey;
  /**
   * S3 locations flows seed test files into (SeedSource writes, Preflight lists, Cleanup deletes).
   * @default none
   */
  readonly sourceLocations?: readonly HarnessS3Location[];
  /**
   * S3 locations flows expect files at (Preflight and PollTarget list, Validate reads, Cleanup deletes).
   * @default none
   */
  readonly targetLocations?: readonly HarnessS3Location[];
  /**
   * Exact ARNs of the secrets holding the flows' SFTP keys.
   * @default none
   */
  readonly sftpSecretArns?: readonly string[];
  /**
   * Exact ARNs of the secrets holding webhook URLs (Slack, Teams, Jira, ServiceNow) that alerts go to.
   * @default none
   */
  readonly webhookSecretArns?: readonly string[];
  /**
   * Exact ARNs of flows' own SNS topics that alerts go to, besides the harness's alert topic.
   * @default none
   */
  readonly alertChannelTopicArns?: readonly string[];
  /**
   * Exact ARNs of the transfer functions `invoke` flows start.
   * @default none
   */
  readonly transferFunctionArns?: readonly string[];
  /**
   * Exact ARNs of the pipeline's pull pollers that `pull` flows ask to poll now.
   * @default none
   */
  readonly pullPollerFunctionArns?: readonly string[];
}

/** The daily run's default: 06:00 in Los Angeles, daylight saving time included. */
const DEFAULT_HARNESS_SCHEDULE: HarnessSchedule = {
  expression: 'cron(0 6 * * ? *)',
  timeZone: 'America/Los_Angeles',
};

/** Default MaxConcurrency of the per-flow Map. */
const DEFAULT_HARNESS_MAX_CONCURRENCY = 4;

/** Handler file (under `functions/handlers/`) of each Task function; also the function name suffix. */
export const HARNESS_HANDLERS: Readonly<Record<HarnessStepName, string>> = {
  ListEnabledTests: 'harness-list-enabled-tests',
  Preflight: 'harness-preflight',
  GenerateTestData: 'harness-generate-test-data',
  SeedSource: 'harness-seed-source',
  InvokeTransfer: 'harness-invoke-transfer',
  PollTarget: 'harness-poll-target',
  Validate: 'harness-validate',
  RecordResults: 'harness-record-results',
  Cleanup: 'harness-cleanup',
  AlertOnFailures: 'harness-alert-on-failures',
};

/** Key prefixes of the config bucket, as the harness functions use them. */
const HARNESS_PREFIXES = {
  /** Flow and group configs (`flows/`, `groups/`), read by ListEnabledTests. */
  config: 'config/',
  /** Generated test files and per-run config snapshots. */
  staging: 'staging/',
  /** `run.json` and `summary.txt` per run, Hive-partitioned. */
  results: 'results/',
  /** Athena's query results. */
  queryResults: 'athena-results/',
} as const;

/** Days before objects expire, by what they are. */
const HARNESS_EXPIRY_DAYS = { results: 30, staging: 7, synthetic: 7, queryResults: 7 } as const;

/** The steps' files arrive over a slow partner link at worst: the most Lambda allows, and room for streams. */
const STREAMING_FUNCTION = { timeoutSeconds: 900, memorySize: 1024 } as const;
const STREAMING_STEPS: readonly HarnessStepName[] = ['GenerateTestData', 'SeedSource', 'Validate', 'PollTarget'];

/** Per-flow metrics are one datum per run; an hour keeps the hourly and the daily runs apart. */
const RUN_METRIC_PERIOD_SECONDS = 3600;

/** The scheduled flow tests of one environment and everything they need. */
export class FlowTestHarness extends Construct {
  /** Configs, staging and results (created, or the existing bucket behind the same fields). */
  public readonly configBucket: SecureBucket;
  /** The harness key: created bucket, alert topic, Athena results. */
  public readonly kmsKeyArn: string;
  /** The created key; undefined when `existingKmsKey` was given. */
  public readonly kmsKey?: KmsKey;
  /** Topic of the aggregated alert of each run. */
  public readonly alertTopic: SnsTopic;
  /** The ten Task functions. */
  public readonly functions: Readonly<Record<HarnessStepName, BundledFunction>>;
  /** The Standard harness workflow. */
  public readonly workflow: WorkflowStateMachine;
  /** Role EventBridge Scheduler starts executions with. */
  public readonly schedulerRole: IamRole;
  /** The daily schedule (`{"group":"daily"}`). */
  public readonly dailySchedule: SchedulerSchedule;
  /** The `critical` group's schedule; undefined without `criticalSchedule`. */
  public readonly criticalSchedule?: SchedulerSchedule;
  /** Failed and timed-out executions alarms. */
  public readonly executionAlarms: readonly CloudwatchMetricAlarm[];
  /** RunSuccess below 1 for any flow (a Metrics Insights query over every FlowId). */
  public readonly anyFlowFailedAlarm: CloudwatchMetricAlarm;
  /** RunSuccess below 1, one alarm per flow of `flowIds`. */
  public readonly flowAlarms: Readonly<Record<string, CloudwatchMetricAlarm>>;
  /** The harness dashboard. */
  public readonly dashboard: CloudwatchDashboard;
  /** Glue database and table over `results/`, and the Athena workgroup. */
  public readonly resultsCatalog: ResultsCatalog;
  /** CloudWatch namespace of RunSuccess and TransferLatencySeconds. */
  public readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: FlowTestHarnessProps) {
    super(scope, id);
    checkFlowTestHarnessProps(props);
    const prefix = props.namePrefix;
    const schedule = props.schedule ?? DEFAULT_HARNESS_SCHEDULE;

    if (props.existingKmsKey) {
      this.kmsKeyArn = props.existingKmsKey.keyArn;
    } else {
      this.kmsKey = createAccountKey(this, {
        description: `fileflow flow-test harness ${prefix}: configs, test data, results and alerts`,
        alias: `alias/${prefix}-harness`,
      }).key;
      this.kmsKeyArn = this.kmsKey.arn;
    }

    this.configBucket = props.existingConfigBucket
      ? new SecureBucket(this, 'config-bucket', {
          namePrefix: `${prefix}-harness`,
          existingBucket: props.existingConfigBucket,
        })
      : new SecureBucket(this, 'config-bucket', {
          namePrefix: `${prefix}-harness`,
          kmsKeyArn: this.kmsKeyArn,
          // Versioned: an overwritten config or result stays recoverable for as long as a result lives.
          noncurrentVersionExpirationDays: HARNESS_EXPIRY_DAYS.results,
          expiryRules: [
            { id: 'results', prefix: HARNESS_PREFIXES.results, expirationDays: HARNESS_EXPIRY_DAYS.results },
            { id: 'staging', prefix: HARNESS_PREFIXES.staging, expirationDays: HARNESS_EXPIRY_DAYS.staging },
            {
              id: 'synthetic-objects',
              // The tag GenerateTestData and SeedSource put on every synthetic object.
              tags: SYNTHETIC_TAG,
              expirationDays: HARNESS_EXPIRY_DAYS.synthetic,
            },
            {
              id: 'query-results',
              prefix: HARNESS_PREFIXES.queryResults,
              expirationDays: HARNESS_EXPIRY_DAYS.queryResults,
            },
          ],
        });
    const bucket = this.configBucket;

    this.alertTopic = new SnsTopic(this, 'alert-topic', {
      name: `${prefix}-harness-alerts`,
      kmsMasterKeyId: this.kmsKeyArn,
    });
    this.metricsNamespace = harnessMetricsNamespace(prefix);

    const access = harnessAccess(props, bucket, this.alertTopic.arn, this.kmsKeyArn);
    const environmentValues: Record<keyof typeof HARNESS_ENVIRONMENT, string> = {
      configBucket: bucket.bucketName,
      configPrefix: HARNESS_PREFIXES.config,
      alertTopicArn: this.alertTopic.arn,
      pullPollerFunctions: (props.pullPollerFunctionArns ?? []).join(','),
    };
    const environment: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(environmentValues)
          // An optional setting that is empty is left out, not passed as ''.
          .filter(([, value]) => value !== '')
          .map(([key, value]) => [HARNESS_ENVIRONMENT[key as keyof typeof HARNESS_ENVIRONMENT], value]),
      ),
      // Powertools Metrics' own variable: RecordResults writes into this instance's namespace.
      POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
    };
    const functions: Partial<Record<HarnessStepName, BundledFunction>> = {};
    for (const [step, file] of Object.entries(HARNESS_HANDLERS) as [HarnessStepName, string][]) {
      const fn = new BundledFunction(this, file, {
        functionName: `${prefix}-${file}`,
        entry: `handlers/${file}.ts`,
        logRetentionDays: props.logRetentionDays,
        environment,
        permissions: access[step].statements,
        ...(STREAMING_STEPS.includes(step) ? STREAMING_FUNCTION : {}),
      });
      const listings = access[step].listings;
      if (listings.length > 0) {
        // Listing is granted per bucket and narrowed to prefixes by condition, which the
        // function's own policy statements cannot express.
        new IamRolePolicy(fn, 'list-prefixes', {
          name: 'list-prefixes',
          role: fn.role.name,
          policy: JSON.stringify({ Version: '2012-10-17', Statement: listings.map(listStatement) }),
        });
      }
      functions[step] = fn;
    }
    this.functions = functions as Record<HarnessStepName, BundledFunction>;

    const functionArns = Object.fromEntries(
      Object.entries(this.functions).map(([step, fn]) => [step, fn.function.arn]),
    ) as unknown as HarnessFunctionArns;
    this.workflow = new WorkflowStateMachine(this, 'workflow', {
      name: `${prefix}-harness`,
      definition: buildHarnessDefinition({
        functionArns,
        configBucket: bucket.bucketName,
        alertTopicArn: this.alertTopic.arn,
        maxConcurrency: props.maxConcurrency ?? DEFAULT_HARNESS_MAX_CONCURRENCY,
      }),
      logRetentionDays: props.logRetentionDays,
    });
    const stateMachineArn = this.workflow.stateMachine.arn;

    const scheduling = new Construct(this, 'scheduler');
    this.schedulerRole = createServiceRole(scheduling, {
      name: `${prefix}-harness-scheduler`,
      service: 'scheduler.amazonaws.com',
      statements: [{ actions: ['states:StartExecution'], resources: [stateMachineArn] }],
    });
    const scheduleOf = (group: string, when: HarnessSchedule) =>
      new SchedulerSchedule(scheduling, group, {
        name: `${prefix}-harness-${group}`,
        description: `Runs the ${group} flow tests of ${prefix}`,
        scheduleExpression: when.expression,
        scheduleExpressionTimezone: when.timeZone,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: stateMachineArn,
          roleArn: this.schedulerRole.arn,
          input: JSON.stringify({ group }),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        },
      });
    this.dailySchedule = scheduleOf('daily', schedule);
    if (props.criticalSchedule) this.criticalSchedule = scheduleOf('critical', props.criticalSchedule);

    // No run in a period is not a failure: the execution alarms catch runs that break.
    const alarm = (alarmId: string, config: TopicAlarmConfig) => topicAlarm(this, alarmId, props.alarmTopicArn, config);
    const executionAlarm = (metric: 'ExecutionsFailed' | 'ExecutionsTimedOut', what: string) =>
      alarm(`${what}-alarm`, {
        alarmName: `${prefix}-harness-executions-${what}`,
        alarmDescription: `Harness executions ${what.replace('-', ' ')}: no flow of that run was recorded; see the execution history`,
        namespace: 'AWS/States',
        metricName: metric,
        dimensions: { StateMachineArn: stateMachineArn },
        statistic: 'Sum',
        period: 300,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
      });
    this.executionAlarms = [
      executionAlarm('ExecutionsFailed', 'failed'),
      executionAlarm('ExecutionsTimedOut', 'timed-out'),
    ];

    const runSuccess = HARNESS_METRIC_FAMILY.metrics.runSuccess;
    this.anyFlowFailedAlarm = alarm('any-flow-failed-alarm', {
      alarmName: `${prefix}-harness-run-success`,
      alarmDescription:
        'A flow test did not end as expected: see the aggregated alert, results/ in the config bucket or the dashboard',
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      metricQuery: [
        {
          id: 'worst',
          label: `lowest ${runSuccess.name} of any flow`,
          expression: `SELECT MIN(${runSuccess.name}) FROM SCHEMA("${this.metricsNamespace}", ${HARNESS_METRIC_FAMILY.dimensions.join(', ')})`,
          period: RUN_METRIC_PERIOD_SECONDS,
          returnData: true,
        },
      ],
    });
    this.flowAlarms = Object.fromEntries(
      (props.flowIds ?? []).map((flowId) => [
        flowId,
        alarm(`flow-${flowId}-alarm`, {
          alarmName: `${prefix}-harness-${flowId}`,
          alarmDescription: `Flow test ${flowId} did not end as expected: see results/ for its run.json`,
          namespace: this.metricsNamespace,
          metricName: runSuccess.name,
          dimensions: { FlowId: flowId, service: HARNESS_METRIC_FAMILY.service },
          statistic: runSuccess.statistic,
          period: RUN_METRIC_PERIOD_SECONDS,
          comparisonOperator: 'LessThanThreshold',
          threshold: 1,
        }),
      ]),
    );

    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: `${prefix}-harness`,
      dashboardBody: harnessDashboardBody({
        region: new DataAwsRegion(this, 'region').region,
        metricsNamespace: this.metricsNamespace,
        stateMachineArn,
      }),
    });

    this.resultsCatalog = new ResultsCatalog(this, 'results-catalog', {
      namePrefix: prefix,
      bucket,
      kmsKeyArn: this.kmsKeyArn,
      resultsPrefix: HARNESS_PREFIXES.results,
      queryResultsPrefix: HARNESS_PREFIXES.queryResults,
      flowIds: props.flowIds,
    });
  }
}

/** What one function may do: its statements, and the buckets it may list under which prefixes. */
interface StepAccess {
  readonly statements: PolicyStatement[];
  readonly listings: BucketListing[];
}

/** s3:ListBucket on one bucket, for keys under `prefixes` only. */
interface BucketListing {
  readonly bucketArn: string;
  readonly prefixes: string[];
}

/**
 * The exact permissions of each harness function: config bucket prefixes by step, the flows'
 * locations, secrets, topics and transfer functions each only where the step uses them.
 */
function harnessAccess(
  props: FlowTestHarnessProps,
  bucket: BucketReference,
  alertTopicArn: string,
  harnessKeyArn: string,
): Record<HarnessStepName, StepAccess> {
  const inConfig = (actions: string[], prefix: string): PolicyStatement => ({
    actions,
    resources: [`${bucket.bucketArn}/${prefix}*`],
  });
  const configKey = (actions: string[]) => granted(actions, bucket.kmsKeyArn === undefined ? [] : [bucket.kmsKeyArn]);
  const readSnapshot = [inConfig(['s3:GetObject'], HARNESS_PREFIXES.staging), ...configKey(['kms:Decrypt'])];
  const objects = (locations: readonly HarnessS3Location[]) =>
    locations.map((location) => `${location.bucketArn}/${location.prefix}*`);
  const keys = (locations: readonly HarnessS3Location[]) =>
    unique(locations.flatMap((location) => (location.kmsKeyArn === undefined ? [] : [location.kmsKeyArn])));
  const listings = (locations: readonly HarnessS3Location[]): BucketListing[] => {
    const byBucket = new Map<string, string[]>();
    for (const location of locations) {
      byBucket.set(location.bucketArn, unique([...(byBucket.get(location.bucketArn) ?? []), location.prefix]));
    }
    return [...byBucket].map(([bucketArn, prefixes]) => ({ bucketArn, prefixes }));
  };
  const sources = props.sourceLocations ?? [];
  const targets = props.targetLocations ?? [];
  const sftpKeys = granted(['secretsmanager:GetSecretValue'], props.sftpSecretArns ?? []);
  // AbortMultipartUpload: a failed streamed write leaves no parts behind.
  const writeObject = ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'];

  return {
    ListEnabledTests: {
      statements: [
        inConfig(['s3:GetObject'], HARNESS_PREFIXES.config),
        inConfig(writeObject, HARNESS_PREFIXES.staging),
        ...configKey(['kms:Decrypt', 'kms:GenerateDataKey']),
      ],
      listings: [{ bucketArn: bucket.bucketArn, prefixes: [HARNESS_PREFIXES.config] }],
    },
    Preflight: { statements: [...readSnapshot, ...sftpKeys], listings: listings([...sources, ...targets]) },
    GenerateTestData: {
      statements: [
        inConfig(['s3:GetObject', ...writeObject], HARNESS_PREFIXES.staging),
        ...configKey(['kms:Decrypt', 'kms:GenerateDataKey']),
      ],
      listings: [],
    },
    SeedSource: {
      statements: [
        ...readSnapshot,
        // Large files are written in parts, then copied onto themselves to carry their SHA-256: that copy reads.
        ...granted(['s3:GetObject', ...writeObject], objects(sources)),
        ...granted(['kms:GenerateDataKey', 'kms:Decrypt'], keys(sources)),
        ...sftpKeys,
      ],
      listings: [],
    },
    InvokeTransfer: {
      statements: [
        ...readSnapshot,
        ...granted(
          ['lambda:InvokeFunction'],
          unique([...(props.transferFunctionArns ?? []), ...(props.pullPollerFunctionArns ?? [])]),
        ),
      ],
      listings: [],
    },
    PollTarget: {
      // Listing lets a file that has not arrived yet answer 404 instead of 403.
      statements: [...readSnapshot, ...granted(['s3:GetObject'], objects(targets)), ...sftpKeys],
      listings: listings(targets),
    },
    Validate: {
      statements: [
        ...readSnapshot,
        ...granted(['s3:GetObject'], objects(targets)),
        ...granted(['kms:Decrypt'], keys(targets)),
        ...sftpKeys,
      ],
      listings: [],
    },
    RecordResults: {
      statements: [
        ...readSnapshot,
        inConfig(['s3:PutObject'], HARNESS_PREFIXES.results),
        ...configKey(['kms:GenerateDataKey']),
      ],
      listings: [],
    },
    Cleanup: {
      statements: [
        inConfig(['s3:GetObject', 's3:DeleteObject'], HARNESS_PREFIXES.staging),
        ...configKey(['kms:Decrypt']),
        ...granted(['s3:GetObject', 's3:DeleteObject'], objects([...sources, ...targets])),
        ...granted(['kms:Decrypt'], keys([...sources, ...targets])),
        ...sftpKeys,
      ],
      listings: [],
    },
    AlertOnFailures: {
      statements: [
        { actions: ['sns:Publish'], resources: unique([alertTopicArn, ...(props.alertChannelTopicArns ?? [])]) },
        // Publishing to a topic under a customer managed key needs the key too.
        { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [harnessKeyArn] },
        ...granted(['secretsmanager:GetSecretValue'], props.webhookSecretArns ?? []),
      ],
      listings: [],
    },
  };
}

function listStatement(listing: BucketListing): object {
  const statement = { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [listing.bucketArn] };
  // A location at the bucket root ('') may list everything; otherwise only under its prefixes.
  if (listing.prefixes.includes('')) return statement;
  return { ...statement, Condition: { StringLike: { 's3:prefix': listing.prefixes.map((p) => `${p}*`) } } };
}

/** One statement, or none when there is nothing to grant it on (IAM refuses an empty Resource). */
function granted(actions: string[], resources: readonly string[]): PolicyStatement[] {
  return resources.length === 0 ? [] : [{ actions, resources: [...resources] }];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const ARN_PATTERNS = {
  sftpSecretArns: SECRET_ARN,
  webhookSecretArns: SECRET_ARN,
  alertChannelTopicArns: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
  transferFunctionArns: /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/,
  pullPollerFunctionArns: /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/,
} as const;
const BUCKET_ARN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Every problem with the props at once; throws before any resource exists. */
function checkFlowTestHarnessProps(props: FlowTestHarnessProps): void {
  const problems: string[] = [];
  const exact = (value: string, pattern: RegExp) => Token.isUnresolved(value) || pattern.test(value);
  problems.push(...namePrefixProblems(props.namePrefix, { max: 24, first: 'letter' }));
  if (!Number.isInteger(props.logRetentionDays) || props.logRetentionDays < 1) {
    problems.push(`logRetentionDays ${props.logRetentionDays} must be a whole number of days ≥ 1`);
  }
  for (const [option, when] of [
    ['schedule', props.schedule],
    ['criticalSchedule', props.criticalSchedule],
  ] as const) {
    if (!when) continue;
    if (!/^(cron|rate|at)\(.+\)$/.test(when.expression)) {
      problems.push(`${option}.expression '${when.expression}' must be cron(…), rate(…) or at(…)`);
    }
    if (!isIanaTimeZone(when.timeZone)) {
      problems.push(`${option}.timeZone '${when.timeZone}' is not an IANA time zone such as America/Los_Angeles`);
    }
  }
  const concurrency = props.maxConcurrency;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 40)) {
    problems.push(`maxConcurrency ${concurrency} must be a whole number from 1 to 40`);
  }
  const flowIds = props.flowIds ?? [];
  for (const flowId of flowIds) {
    if (!FLOW_ID_PATTERN.test(flowId)) problems.push(`flowIds: '${flowId}' is not a flow id`);
  }
  if (new Set(flowIds).size !== flowIds.length) problems.push('flowIds lists a flow twice');
  if (props.existingKmsKey && !exact(props.existingKmsKey.keyArn, KMS_KEY_ARN)) {
    problems.push(`existingKmsKey.keyArn '${props.existingKmsKey.keyArn}' must be a key ARN (not an alias or key id)`);
  }
  const existing = props.existingConfigBucket;
  if (existing) {
    if (!exact(existing.bucketArn, BUCKET_ARN)) {
      problems.push(`existingConfigBucket.bucketArn '${existing.bucketArn}' is not an exact bucket ARN`);
    }
    if (existing.kmsKeyArn !== undefined && !exact(existing.kmsKeyArn, KMS_KEY_ARN)) {
      problems.push(`existingConfigBucket.kmsKeyArn '${existing.kmsKeyArn}' must be a key ARN`);
    }
  }
  for (const option of ['sourceLocations', 'targetLocations'] as const) {
    for (const location of props[option] ?? []) {
      if (!exact(location.bucketArn, BUCKET_ARN)) {
        problems.push(`${option}: '${location.bucketArn}' is not an exact bucket ARN`);
      }
      if (!/^(?:[^/*?][^*?]*\/)?$/.test(location.prefix)) {
        problems.push(`${option}: prefix '${location.prefix}' must end in '/' without wildcards ('' for the bucket)`);
      }
      if (location.kmsKeyArn !== undefined && !exact(location.kmsKeyArn, KMS_KEY_ARN)) {
        problems.push(`${option}: kmsKeyArn '${location.kmsKeyArn}' must be a key ARN`);
      }
    }
  }
  for (const [option, pattern] of Object.entries(ARN_PATTERNS) as [keyof typeof ARN_PATTERNS, RegExp][]) {
    for (const arn of props[option] ?? []) {
      if (!exact(arn, pattern)) problems.push(`${option}: '${arn}' is not an exact ARN`);
    }
  }
  if (problems.length > 0) throw new Error(`FlowTestHarness '${props.namePrefix}':\n  ${problems.join('\n  ')}`);
}
