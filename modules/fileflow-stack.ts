/**
 * One Terraform stack per environment: the AWS provider pinned to the environment's
 * account and region, its state backend, default tags, the resources every fileflow
 * module shares (the alarm topic), the transfer pipeline, the flow-test harness, the
 * analytics export and, when configured, the operations chat bot. The policy pack checks every resource at synth: a violation fails
 * synth with the rule id and the construct path.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudBackend, NamedCloudWorkspace, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../environments/config';
import { AlarmTopic } from './alarm-topic';
import { AnalyticsExport, streamingTablesOf } from './analytics-export';
import { ChatBot } from './chat-bot';
import { FlowTestHarness } from './flow-test-harness';
import { applyPolicyPack } from './policy';
import { TransferPipeline } from './transfer-pipeline';

/** A deployable fileflow environment. */
export class FileflowStack extends TerraformStack {
  /** The environment this stack deploys. */
  public readonly config: EnvironmentConfig;
  /** Where alarms of every module in this stack are sent. */
  public readonly alarms: AlarmTopic;
  /** Landing zone to targets: the environment's transfer pipeline. */
  public readonly pipeline: TransferPipeline;
  /** The scheduled flow tests that prove every route of the environment works. */
  public readonly harness: FlowTestHarness;
  /** The tracking tables' history in S3, queryable with Athena. */
  public readonly analytics: AnalyticsExport;
  /** The Slack/Teams operations bot; absent unless the environment configures `chatBot`. */
  public readonly chatBot?: ChatBot;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, stackIdFor(config));
    this.config = config;

    new AwsProvider(this, 'aws', {
      region: config.region,
      // A plan run with the wrong credentials fails instead of touching another account.
      allowedAccountIds: [config.accountId],
      defaultTags: [{ tags: { ...config.defaultTags } }],
    });
    addBackend(this, config);
    applyPolicyPack(this);

    this.alarms = new AlarmTopic(this, 'alarms', {
      name: `${config.namePrefix}-alarms`,
      email: config.alarmEmail,
    });
    this.pipeline = new TransferPipeline(this, 'transfer-pipeline', {
      namePrefix: config.namePrefix,
      logRetentionDays: config.logRetentionDays,
      alarmTopicArn: this.alarms.topic.arn,
      pull: config.pull,
    });
    const harness = config.harness;
    this.harness = new FlowTestHarness(this, 'flow-test-harness', {
      namePrefix: config.namePrefix,
      logRetentionDays: config.logRetentionDays,
      alarmTopicArn: this.alarms.topic.arn,
      schedule: { expression: harness.schedule, timeZone: harness.timeZone },
      criticalSchedule:
        harness.criticalSchedule === undefined
          ? undefined
          : { expression: harness.criticalSchedule, timeZone: harness.timeZone },
      maxConcurrency: harness.maxConcurrency,
      flowIds: harness.flowIds,
      // Event-mode flows seed files into the landing zone's S3 entry (`inbound/<customer>/`,
      // see landing-zone.ts) or into the partner locations the environment names; pull-mode
      // flows ask the pipeline's poller to look now.
      sourceLocations: [
        {
          bucketArn: this.pipeline.landingZone.bucket.bucketArn,
          prefix: 'inbound/',
          kmsKeyArn: this.pipeline.landingZone.kmsKeyArn,
        },
        ...(harness.sourceLocations ?? []),
      ],
      targetLocations: harness.targetLocations,
      sftpSecretArns: harness.sftpSecretArns,
      webhookSecretArns: harness.webhookSecretArns,
      alertChannelTopicArns: harness.alertChannelTopicArns,
      transferFunctionArns: harness.transferFunctionArns,
      pullPollerFunctionArns: this.pipeline.pullPoller ? [this.pipeline.pullPoller.function.function.arn] : undefined,
    });
    this.analytics = new AnalyticsExport(this, 'analytics-export', {
      namePrefix: config.namePrefix,
      logRetentionDays: config.logRetentionDays,
      alarmTopicArn: this.alarms.topic.arn,
      tables: streamingTablesOf(this.pipeline.tables),
      tablesKmsKeyArn: this.pipeline.tables.kmsKeyArn,
    });
    if (config.chatBot) {
      this.chatBot = new ChatBot(this, 'chat-bot', {
        namePrefix: config.namePrefix,
        logRetentionDays: config.logRetentionDays,
        alarmTopicArn: this.alarms.topic.arn,
        tables: this.pipeline.tables,
        transferStateMachineArn: this.pipeline.workflow.stateMachine.arn,
        ...config.chatBot,
      });
      new TerraformOutput(this, 'chat-bot-url', {
        value: this.chatBot.url.functionUrl,
        description:
          'Request URL of the Slack slash commands (append /slack/commands) and Teams webhook (/teams/messages)',
      });
    }
  }
}

/** The stack id (and so the `cdktf.out/stacks/<id>` folder) of an environment. */
export function stackIdFor(config: Pick<EnvironmentConfig, 'name'>): string {
  return `fileflow-${config.name}`;
}

function addBackend(stack: TerraformStack, config: EnvironmentConfig): void {
  const backend = config.backend;
  switch (backend.type) {
    case 'cloud':
      new CloudBackend(stack, {
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(backend.workspace),
      });
      return;
    case 's3':
      new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        dynamodbTable: backend.lockTable,
        encrypt: true,
      });
      return;
  }
}
