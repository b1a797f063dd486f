import { expect } from 'chai';
import { TerraformStack } from 'cdktf';
import { HARNESS_ENVIRONMENT } from '../../functions/core/harness/aws-deps';
import { SYNTHETIC_TAG } from '../../functions/core/harness/prepare';
import { resultPrefix } from '../../functions/core/harness/record';
import { HARNESS_METRIC_FAMILY, harnessMetricsNamespace, metricsOf } from '../../functions/core/metrics/catalogue';
import { FlowTestHarness, HARNESS_HANDLERS, type FlowTestHarnessProps } from '../../modules/flow-test-harness';
import { findViolations } from '../../modules/policy';
import { onlyResource, resourcesOf, synthJson, testApp, type SynthesizedStack } from '../helpers/cdktf';
import { glueColumns } from '../../functions/core/analytics/glue-types';
import { RunRecord } from '../../functions/core/harness/record';

const ALARM_TOPIC = 'arn:aws:sns:us-west-2:111111111111:fileflow-dev-alarms';
const SOURCE_BUCKET = 'arn:aws:s3:::partner-outbox';
const TARGET_BUCKET = 'arn:aws:s3:::partner-drop';
const TARGET_KEY = 'arn:aws:kms:us-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SFTP_SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/sftp/partner-AbCdEf';
const WEBHOOK_SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/webhook/slack-AbCdEf';
const CHANNEL_TOPIC = 'arn:aws:sns:us-west-2:111111111111:acme-alerts';
const TRANSFER_FUNCTION = 'arn:aws:lambda:us-west-2:111111111111:function:acme-transfer';
const PULL_POLLER = 'arn:aws:lambda:us-west-2:111111111111:function:ff-dev-pull-poller';
const BASE: FlowTestHarnessProps = { namePrefix: 'ff-dev', logRetentionDays: 14, alarmTopicArn: ALARM_TOPIC };

function harnessStack(...props: FlowTestHarnessProps[]): { stack: TerraformStack; synth: SynthesizedStack } {
  const stack = new TerraformStack(testApp(), 'harness');
  props.forEach((p, index) => new FlowTestHarness(stack, `harness-${index}`, p));
  return { stack, synth: synthJson(stack) };
}

type Statement = { Effect: string; Action: string[]; Resource: string[]; Condition?: unknown };

/** The statements of every inline policy of the role named `roleName`, by policy name. */
function rolePolicies(synth: SynthesizedStack, roleName: string): Record<string, Statement[]> {
  const roleId = Object.entries(resourcesOf(synth, 'aws_iam_role')).find(([, r]) => r.name === roleName)?.[0];
  if (!roleId) throw new Error(`no role ${roleName}`);
  return Object.fromEntries(
    Object.values(resourcesOf(synth, 'aws_iam_role_policy'))
      .filter((p) => p.role === `\${aws_iam_role.${roleId}.name}`)
      .map((p) => [p.name, (JSON.parse(p.policy as string) as { Statement: Statement[] }).Statement]),
  );
}

/** What a function may do besides its logs and traces, as `action resource` lines. */
function grants(synth: SynthesizedStack, file: string, prefix = 'ff-dev'): string[] {
  const statements = rolePolicies(synth, `${prefix}-${file}`)['least-privilege'];
  return statements
    .filter((s) => !s.Action.some((a) => a.startsWith('logs:') || a.startsWith('xray:')))
    .flatMap((s) => s.Action.flatMap((action) => s.Resource.map((resource) => `${action} ${resource}`)));
}

/** The bucket-listing statements of a function (the `list-prefixes` policy), if any. */
function listings(synth: SynthesizedStack, file: string): Statement[] {
  return rolePolicies(synth, `ff-dev-${file}`)['list-prefixes'] ?? [];
}

const CONFIG_BUCKET = /^\$\{aws_s3_bucket\.[^}]+\.arn\}$/;

describe('FlowTestHarness', () => {
  describe('GIVEN a harness with only the required props', () => {
    const { stack, synth } = harnessStack(BASE);
    const configBucketArn = `\${aws_s3_bucket.${Object.keys(resourcesOf(synth, 'aws_s3_bucket'))[0]}.arn}`;
    const harnessKey = `\${aws_kms_key.${Object.keys(resourcesOf(synth, 'aws_kms_key'))[0]}.arn}`;

    it('THEN the ten harness functions exist, named after their handlers', () => {
      const names = Object.values(resourcesOf(synth, 'aws_lambda_function')).map((f) => f.function_name);
      expect(names).to.have.members(Object.values(HARNESS_HANDLERS).map((file) => `ff-dev-${file}`));
      expect(names).to.have.length(10);
    });

    it('THEN every function is told the config bucket, the config prefix, the alert topic and its metrics namespace', () => {
      const topicId = Object.keys(resourcesOf(synth, 'aws_sns_topic'))[0];
      for (const fn of Object.values(resourcesOf(synth, 'aws_lambda_function'))) {
        const variables = (fn.environment as { variables: Record<string, string> }).variables;
        expect(variables).to.deep.equal({
          NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=2',
          [HARNESS_ENVIRONMENT.configBucket]: `\${aws_s3_bucket.${Object.keys(resourcesOf(synth, 'aws_s3_bucket'))[0]}.bucket}`,
          [HARNESS_ENVIRONMENT.configPrefix]: 'config/',
          [HARNESS_ENVIRONMENT.alertTopicArn]: `\${aws_sns_topic.${topicId}.arn}`,
          POWERTOOLS_METRICS_NAMESPACE: harnessMetricsNamespace('ff-dev'),
        });
      }
    });

    it('THEN the config bucket is versioned, KMS-encrypted with the harness key, private and TLS-only', () => {
      const bucket = onlyResource(synth, 'aws_s3_bucket');
      expect(bucket.bucket_prefix).to.equal('ff-dev-harness-');
      expect(onlyResource(synth, 'aws_s3_bucket_versioning').versioning_configuration).to.deep.equal({
        status: 'Enabled',
      });
      const encryption = onlyResource(synth, 'aws_s3_bucket_server_side_encryption_configuration') as {
        rule: { apply_server_side_encryption_by_default: Record<string, string> }[];
      };
      expect(encryption.rule[0].apply_server_side_encryption_by_default).to.deep.equal({
        sse_algorithm: 'aws:kms',
        kms_master_key_id: harnessKey,
      });
      expect(onlyResource(synth, 'aws_s3_bucket_public_access_block')).to.include({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      const policy = JSON.parse(onlyResource(synth, 'aws_s3_bucket_policy').policy as string) as {
        Statement: { Sid: string }[];
      };
      expect(policy.Statement.map((s) => s.Sid)).to.deep.equal(['DenyInsecureTransport', 'DenyOutdatedTls']);
      expect(onlyResource(synth, 'aws_kms_key')).to.include({ enable_key_rotation: true });
    });

    it('THEN results expire after 30 days, staging and synthetic objects after 7', () => {
      const lifecycle = onlyResource(synth, 'aws_s3_bucket_lifecycle_configuration') as {
        rule: { id: string; filter: Record<string, unknown>[]; expiration?: { days: number }[] }[];
      };
      const expiries = Object.fromEntries(
        lifecycle.rule.filter((r) => r.expiration).map((r) => [r.id, [r.filter[0], r.expiration?.[0].days]]),
      );
      expect(expiries).to.deep.equal({
        results: [{ prefix: 'results/' }, 30],
        staging: [{ prefix: 'staging/' }, 7],
        'synthetic-objects': [{ tag: Object.entries(SYNTHETIC_TAG).map(([key, value]) => ({ key, value })) }, 7],
        'query-results': [{ prefix: 'athena-results/' }, 7],
      });
    });

    it('THEN a Standard workflow with logging, tracing and four flows at once runs the harness functions', () => {
      const machine = onlyResource(synth, 'aws_sfn_state_machine');
      expect(machine).to.include({ name: 'ff-dev-harness', type: 'STANDARD' });
      expect(machine.tracing_configuration).to.deep.equal({ enabled: true });
      expect(machine.logging_configuration).to.include({ level: 'ALL', include_execution_data: false });
      const definition = JSON.parse(machine.definition as string) as {
        StartAt: string;
        States: Record<string, { MaxConcurrency?: number }>;
      };
      expect(definition.StartAt).to.equal('ListEnabledTests');
      expect(definition.States.TestFlows.MaxConcurrency).to.equal(4);
      const invoked = rolePolicies(synth, 'ff-dev-harness')['least-privilege'].find((s) =>
        s.Action.includes('lambda:InvokeFunction'),
      );
      const functionIds = Object.keys(resourcesOf(synth, 'aws_lambda_function'));
      // Each function, and its versions.
      expect(invoked?.Resource).to.have.members(
        functionIds.flatMap((id) => [`\${aws_lambda_function.${id}.arn}`, `\${aws_lambda_function.${id}.arn}:*`]),
      );
    });

    it('THEN the daily schedule starts the workflow at 06:00 Los Angeles time with the daily group, and there is no critical schedule', () => {
      const schedule = onlyResource(synth, 'aws_scheduler_schedule') as {
        name: string;
        schedule_expression: string;
        schedule_expression_timezone: string;
        flexible_time_window: { mode: string };
        target: { arn: string; input: string; role_arn: string };
      };
      expect(schedule).to.deep.include({
        name: 'ff-dev-harness-daily',
        schedule_expression: 'cron(0 6 * * ? *)',
        schedule_expression_timezone: 'America/Los_Angeles',
        flexible_time_window: { mode: 'OFF' },
      });
      const machineId = Object.keys(resourcesOf(synth, 'aws_sfn_state_machine'))[0];
      expect(schedule.target.arn).to.equal(`\${aws_sfn_state_machine.${machineId}.arn}`);
      expect(JSON.parse(schedule.target.input)).to.deep.equal({ group: 'daily' });
    });

    it('THEN the scheduler role may only start executions of this workflow, and only the scheduler may assume it', () => {
      const machineId = Object.keys(resourcesOf(synth, 'aws_sfn_state_machine'))[0];
      const statements = rolePolicies(synth, 'ff-dev-harness-scheduler')['least-privilege'];
      expect(statements.map((s) => [s.Action, s.Resource])).to.deep.equal([
        [['states:StartExecution'], [`\${aws_sfn_state_machine.${machineId}.arn}`]],
      ]);
      const role = Object.values(resourcesOf(synth, 'aws_iam_role')).find((r) => r.name === 'ff-dev-harness-scheduler');
      const trust = JSON.parse(role?.assume_role_policy as string) as { Statement: { Principal: unknown }[] };
      expect(trust.Statement[0].Principal).to.deep.equal({ Service: 'scheduler.amazonaws.com' });
    });

    it('THEN each function reaches exactly its prefixes of the config bucket', () => {
      const b = configBucketArn;
      expect(grants(synth, 'harness-list-enabled-tests')).to.have.members([
        `s3:GetObject ${b}/config/*`,
        `s3:PutObject ${b}/staging/*`,
        `s3:PutObjectTagging ${b}/staging/*`,
        `s3:AbortMultipartUpload ${b}/staging/*`,
        `kms:Decrypt ${harnessKey}`,
        `kms:GenerateDataKey ${harnessKey}`,
      ]);
      expect(listings(synth, 'harness-list-enabled-tests')).to.deep.equal([
        {
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: [b],
          Condition: { StringLike: { 's3:prefix': ['config/*'] } },
        },
      ]);
      expect(grants(synth, 'harness-generate-test-data')).to.have.members([
        `s3:GetObject ${b}/staging/*`,
        `s3:PutObject ${b}/staging/*`,
        `s3:PutObjectTagging ${b}/staging/*`,
        `s3:AbortMultipartUpload ${b}/staging/*`,
        `kms:Decrypt ${harnessKey}`,
        `kms:GenerateDataKey ${harnessKey}`,
      ]);
      const readStaging = [`s3:GetObject ${b}/staging/*`, `kms:Decrypt ${harnessKey}`];
      for (const file of [
        'harness-preflight',
        'harness-seed-source',
        'harness-invoke-transfer',
        'harness-poll-target',
      ]) {
        expect(grants(synth, file), file).to.have.members(readStaging);
        expect(listings(synth, file), file).to.deep.equal([]);
      }
      expect(grants(synth, 'harness-validate')).to.have.members(readStaging);
      expect(grants(synth, 'harness-record-results')).to.have.members([
        ...readStaging,
        `s3:PutObject ${b}/results/*`,
        `kms:GenerateDataKey ${harnessKey}`,
      ]);
      expect(grants(synth, 'harness-cleanup')).to.have.members([
        `s3:GetObject ${b}/staging/*`,
        `s3:DeleteObject ${b}/staging/*`,
        `kms:Decrypt ${harnessKey}`,
      ]);
      const topicArn = `\${aws_sns_topic.${Object.keys(resourcesOf(synth, 'aws_sns_topic'))[0]}.arn}`;
      expect(grants(synth, 'harness-alert-on-failures')).to.have.members([
        `sns:Publish ${topicArn}`,
        `kms:GenerateDataKey ${harnessKey}`,
        `kms:Decrypt ${harnessKey}`,
      ]);
    });

    it('THEN executions that fail or time out, and any flow whose run did not end as expected, alarm the alarm topic', () => {
      const alarms = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm'));
      expect(alarms.map((a) => a.alarm_name)).to.have.members([
        'ff-dev-harness-executions-failed',
        'ff-dev-harness-executions-timed-out',
        'ff-dev-harness-run-success',
      ]);
      for (const alarm of alarms) {
        expect(alarm).to.include({ treat_missing_data: 'notBreaching' });
        expect(alarm.alarm_actions).to.deep.equal([ALARM_TOPIC]);
      }
      const byName = (name: string) => alarms.find((a) => a.alarm_name === name) as Record<string, unknown>;
      expect(byName('ff-dev-harness-executions-failed')).to.include({
        namespace: 'AWS/States',
        metric_name: 'ExecutionsFailed',
        comparison_operator: 'GreaterThanThreshold',
        threshold: 0,
      });
      expect(byName('ff-dev-harness-executions-timed-out')).to.include({ metric_name: 'ExecutionsTimedOut' });
      const runSuccess = byName('ff-dev-harness-run-success') as {
        comparison_operator: string;
        threshold: number;
        metric_query: { expression: string; period: number; return_data: boolean }[];
      };
      expect(runSuccess).to.include({ comparison_operator: 'LessThanThreshold', threshold: 1 });
      expect(runSuccess.metric_query).to.have.length(1);
      expect(runSuccess.metric_query[0]).to.include({
        expression: 'SELECT MIN(RunSuccess) FROM SCHEMA("ff-dev-harness", FlowId, service)',
        period: 3600,
        return_data: true,
      });
    });

    it('THEN the dashboard shows executions and, per flow, the catalogue metrics RecordResults emits', () => {
      const dashboard = onlyResource(synth, 'aws_cloudwatch_dashboard');
      expect(dashboard.dashboard_name).to.equal('ff-dev-harness');
      const body = JSON.parse(dashboard.dashboard_body as string) as {
        widgets: { properties: { stat: string; metrics: unknown[][] } }[];
      };
      const named = body.widgets.flatMap((w) =>
        w.properties.metrics.filter((m) => typeof m[0] === 'string').map((m) => `${m[0]}/${m[1]}`),
      );
      expect(named).to.deep.equal([
        'AWS/States/ExecutionsStarted',
        'AWS/States/ExecutionsSucceeded',
        'AWS/States/ExecutionsFailed',
        'AWS/States/ExecutionsTimedOut',
      ]);
      const searched = body.widgets.flatMap((w) =>
        w.properties.metrics.flatMap((m) =>
          typeof m[0] === 'object' ? [[(m[0] as { expression: string }).expression, w.properties.stat]] : [],
        ),
      );
      expect(searched).to.deep.equal(
        metricsOf(HARNESS_METRIC_FAMILY).map((metric) => [
          `SEARCH('{"ff-dev-harness",FlowId,service} MetricName="${metric.name}"', '${metric.statistic}', 3600)`,
          metric.statistic,
        ]),
      );
      expect(metricsOf(HARNESS_METRIC_FAMILY).map((m) => [m.name, m.statistic])).to.deep.equal([
        ['RunSuccess', 'Average'],
        ['TransferLatencySeconds', 'p95'],
      ]);
    });

    it('THEN a Glue table over results/ is partitioned by dt and flow_id, projected so Athena needs no repair', () => {
      const database = onlyResource(synth, 'aws_glue_catalog_database');
      expect(database.name).to.equal('ff_dev_harness');
      const table = onlyResource(synth, 'aws_glue_catalog_table') as {
        name: string;
        partition_keys: { name: string; type: string }[];
        parameters: Record<string, string>;
        storage_descriptor: {
          location: string;
          ser_de_info: { serialization_library: string };
          columns: { name: string; type: string }[];
        };
      };
      expect(table.name).to.equal('runs');
      expect(table.partition_keys).to.deep.equal([
        { name: 'dt', type: 'string' },
        { name: 'flow_id', type: 'string' },
      ]);
      const bucketName = `\${aws_s3_bucket.${Object.keys(resourcesOf(synth, 'aws_s3_bucket'))[0]}.bucket}`;
      expect(table.storage_descriptor.location).to.equal(`s3://${bucketName}/results/`);
      expect(table.storage_descriptor.ser_de_info.serialization_library).to.equal('org.openx.data.jsonserde.JsonSerDe');
      expect(table.parameters).to.include({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.flow_id.type': 'injected',
        'storage.location.template': `s3://${bucketName}/results/dt=\${dt}/flow_id=\${flow_id}/`,
      });
      // The template yields the folders RecordResults writes into.
      const template = table.parameters['storage.location.template']
        .replace(`s3://${bucketName}/`, '')
        .replace('${dt}', '2026-01-31')
        .replace('${flow_id}', 's3-to-s3');
      expect(resultPrefix('2026-01-31', 's3-to-s3', 'r1').startsWith(template)).to.equal(true);
      // The columns are run.json's fields, from the schema RecordResults checks each record against.
      expect(table.storage_descriptor.columns).to.deep.equal(glueColumns(RunRecord, { omit: ['flow_id'] }));
      expect(table.storage_descriptor.columns.find((column) => column.name === 'expect')).to.deep.equal({
        name: 'expect',
        type: 'struct<outcome:string,reason:string>',
      });
    });

    it('THEN Athena queries run in a workgroup that writes KMS-encrypted results into the config bucket', () => {
      const workgroup = onlyResource(synth, 'aws_athena_workgroup') as {
        name: string;
        configuration: {
          enforce_workgroup_configuration: boolean;
          result_configuration: { output_location: string; encryption_configuration: Record<string, string> };
        };
      };
      expect(workgroup.name).to.equal('ff-dev-harness');
      expect(workgroup.configuration.enforce_workgroup_configuration).to.equal(true);
      expect(workgroup.configuration.result_configuration.output_location).to.match(
        /^s3:\/\/\$\{aws_s3_bucket\.[^}]+\.bucket\}\/athena-results\/$/,
      );
      expect(workgroup.configuration.result_configuration.encryption_configuration).to.deep.equal({
        encryption_option: 'SSE_KMS',
        kms_key_arn: harnessKey,
      });
    });

    it('THEN the alert topic is encrypted with the harness key', () => {
      expect(onlyResource(synth, 'aws_sns_topic')).to.include({
        name: 'ff-dev-harness-alerts',
        kms_master_key_id: harnessKey,
      });
    });

    it('THEN the policy pack finds no violation', () => {
      expect(configBucketArn).to.match(CONFIG_BUCKET);
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });

  describe('GIVEN flows with S3 and SFTP endpoints, webhooks, channel topics and transfer functions', () => {
    const { stack, synth } = harnessStack({
      ...BASE,
      sourceLocations: [{ bucketArn: SOURCE_BUCKET, prefix: 'outbound/acme/' }],
      targetLocations: [
        { bucketArn: TARGET_BUCKET, prefix: 'inbox/acme/', kmsKeyArn: TARGET_KEY },
        { bucketArn: TARGET_BUCKET, prefix: 'inbox/globex/', kmsKeyArn: TARGET_KEY },
      ],
      sftpSecretArns: [SFTP_SECRET],
      webhookSecretArns: [WEBHOOK_SECRET],
      alertChannelTopicArns: [CHANNEL_TOPIC],
      transferFunctionArns: [TRANSFER_FUNCTION],
      pullPollerFunctionArns: [PULL_POLLER],
    });
    const extra = (file: string) => grants(synth, file).filter((g) => !/\$\{aws_(s3_bucket|kms_key)\./.test(g));

    it('THEN SeedSource writes only under the source prefixes', () => {
      expect(extra('harness-seed-source')).to.have.members([
        `s3:GetObject ${SOURCE_BUCKET}/outbound/acme/*`,
        `s3:PutObject ${SOURCE_BUCKET}/outbound/acme/*`,
        `s3:PutObjectTagging ${SOURCE_BUCKET}/outbound/acme/*`,
        `s3:AbortMultipartUpload ${SOURCE_BUCKET}/outbound/acme/*`,
        `secretsmanager:GetSecretValue ${SFTP_SECRET}`,
      ]);
    });

    it('THEN PollTarget and Validate read only under the target prefixes, and Validate decrypts with their key', () => {
      const targets = [`${TARGET_BUCKET}/inbox/acme/*`, `${TARGET_BUCKET}/inbox/globex/*`];
      expect(extra('harness-poll-target')).to.have.members([
        ...targets.map((t) => `s3:GetObject ${t}`),
        `secretsmanager:GetSecretValue ${SFTP_SECRET}`,
      ]);
      expect(extra('harness-validate')).to.have.members([
        ...targets.map((t) => `s3:GetObject ${t}`),
        `kms:Decrypt ${TARGET_KEY}`,
        `secretsmanager:GetSecretValue ${SFTP_SECRET}`,
      ]);
    });

    it('THEN Preflight lists sources and targets and PollTarget the targets, each only under their prefixes', () => {
      const conditions = (file: string) =>
        Object.fromEntries(
          listings(synth, file).map((s) => [
            s.Resource[0],
            (s.Condition as { StringLike: { 's3:prefix': string[] } }).StringLike['s3:prefix'],
          ]),
        );
      expect(conditions('harness-preflight')).to.deep.equal({
        [SOURCE_BUCKET]: ['outbound/acme/*'],
        [TARGET_BUCKET]: ['inbox/acme/*', 'inbox/globex/*'],
      });
      expect(conditions('harness-poll-target')).to.deep.equal({ [TARGET_BUCKET]: ['inbox/acme/*', 'inbox/globex/*'] });
    });

    it('THEN only InvokeTransfer may invoke, and only the listed transfer functions and pull pollers', () => {
      const invokers = Object.values(HARNESS_HANDLERS).filter((file) =>
        grants(synth, file).some((g) => g.startsWith('lambda:InvokeFunction')),
      );
      expect(invokers).to.deep.equal(['harness-invoke-transfer']);
      expect(extra('harness-invoke-transfer')).to.have.members([
        `lambda:InvokeFunction ${TRANSFER_FUNCTION}`,
        `lambda:InvokeFunction ${PULL_POLLER}`,
      ]);
    });

    it('THEN the functions are told the pull pollers to ask for a pull flow', () => {
      for (const fn of Object.values(resourcesOf(synth, 'aws_lambda_function'))) {
        const variables = (fn.environment as { variables: Record<string, string> }).variables;
        expect(variables[HARNESS_ENVIRONMENT.pullPollerFunctions]).to.equal(PULL_POLLER);
      }
    });

    it('THEN Cleanup deletes only under the sources and targets it seeded and received', () => {
      expect(extra('harness-cleanup')).to.have.members([
        `s3:GetObject ${SOURCE_BUCKET}/outbound/acme/*`,
        `s3:DeleteObject ${SOURCE_BUCKET}/outbound/acme/*`,
        `s3:GetObject ${TARGET_BUCKET}/inbox/acme/*`,
        `s3:DeleteObject ${TARGET_BUCKET}/inbox/acme/*`,
        `s3:GetObject ${TARGET_BUCKET}/inbox/globex/*`,
        `s3:DeleteObject ${TARGET_BUCKET}/inbox/globex/*`,
        `kms:Decrypt ${TARGET_KEY}`,
        `secretsmanager:GetSecretValue ${SFTP_SECRET}`,
      ]);
    });

    it('THEN only the alert step reads webhook secrets and publishes to channel topics; only SFTP steps read SFTP keys', () => {
      const holders = (resource: string) =>
        Object.values(HARNESS_HANDLERS).filter((file) => grants(synth, file).some((g) => g.endsWith(` ${resource}`)));
      expect(holders(WEBHOOK_SECRET)).to.deep.equal(['harness-alert-on-failures']);
      expect(holders(CHANNEL_TOPIC)).to.deep.equal(['harness-alert-on-failures']);
      expect(holders(SFTP_SECRET)).to.have.members([
        'harness-preflight',
        'harness-seed-source',
        'harness-poll-target',
        'harness-validate',
        'harness-cleanup',
      ]);
    });

    it('THEN no function may touch data on every resource, and the policy pack passes', () => {
      for (const file of Object.values(HARNESS_HANDLERS)) {
        for (const statement of rolePolicies(synth, `ff-dev-${file}`)['least-privilege']) {
          if (statement.Action.some((action) => /^(s3|sns|secretsmanager|kms|lambda):/.test(action))) {
            expect(statement.Resource, file).not.to.include('*');
          }
        }
      }
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });

  describe('GIVEN a critical schedule, a concurrency, flow ids and an existing bucket and key', () => {
    const EXISTING_BUCKET = {
      bucketName: 'acme-harness',
      bucketArn: 'arn:aws:s3:::acme-harness',
      kmsKeyArn: TARGET_KEY,
    };
    const HARNESS_KEY = 'arn:aws:kms:us-west-2:111111111111:key/abcd1234-12ab-34cd-56ef-1234567890ab';
    const { stack, synth } = harnessStack({
      ...BASE,
      schedule: { expression: 'cron(30 5 * * ? *)', timeZone: 'Europe/Berlin' },
      criticalSchedule: { expression: 'rate(1 hour)', timeZone: 'Europe/Berlin' },
      maxConcurrency: 2,
      flowIds: ['s3-to-s3', 'sftp-to-s3'],
      existingConfigBucket: EXISTING_BUCKET,
      existingKmsKey: { keyArn: HARNESS_KEY },
    });

    it('THEN the daily and the hourly critical schedules run in their time zone with their group', () => {
      const schedules = Object.values(resourcesOf(synth, 'aws_scheduler_schedule')) as {
        name: string;
        schedule_expression: string;
        schedule_expression_timezone: string;
        target: { input: string };
      }[];
      expect(
        schedules.map((s) => [
          s.name,
          s.schedule_expression,
          s.schedule_expression_timezone,
          JSON.parse(s.target.input),
        ]),
      ).to.have.deep.members([
        ['ff-dev-harness-daily', 'cron(30 5 * * ? *)', 'Europe/Berlin', { group: 'daily' }],
        ['ff-dev-harness-critical', 'rate(1 hour)', 'Europe/Berlin', { group: 'critical' }],
      ]);
    });

    it('THEN the Map tests two flows at once', () => {
      const definition = JSON.parse(onlyResource(synth, 'aws_sfn_state_machine').definition as string) as {
        States: Record<string, { MaxConcurrency?: number }>;
      };
      expect(definition.States.TestFlows.MaxConcurrency).to.equal(2);
    });

    it('THEN each listed flow has its own RunSuccess alarm and a value in the flow_id projection', () => {
      const alarms = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm')).filter(
        (a) => a.metric_name === 'RunSuccess',
      );
      expect(
        alarms.map((a) => [a.alarm_name, a.dimensions, a.statistic, a.comparison_operator, a.threshold]),
      ).to.deep.equal([
        [
          'ff-dev-harness-s3-to-s3',
          { FlowId: 's3-to-s3', service: 'fileflow-harness' },
          'Average',
          'LessThanThreshold',
          1,
        ],
        [
          'ff-dev-harness-sftp-to-s3',
          { FlowId: 'sftp-to-s3', service: 'fileflow-harness' },
          'Average',
          'LessThanThreshold',
          1,
        ],
      ]);
      for (const alarm of alarms) expect(alarm.namespace).to.equal('ff-dev-harness');
      expect(onlyResource(synth, 'aws_glue_catalog_table').parameters).to.include({
        'projection.flow_id.type': 'enum',
        'projection.flow_id.values': 's3-to-s3,sftp-to-s3',
      });
    });

    it('THEN no bucket or key is created; the functions use the existing ones', () => {
      expect(resourcesOf(synth, 'aws_s3_bucket')).to.deep.equal({});
      expect(resourcesOf(synth, 'aws_kms_key')).to.deep.equal({});
      expect(grants(synth, 'harness-record-results')).to.have.members([
        's3:GetObject arn:aws:s3:::acme-harness/staging/*',
        `kms:Decrypt ${TARGET_KEY}`,
        's3:PutObject arn:aws:s3:::acme-harness/results/*',
        `kms:GenerateDataKey ${TARGET_KEY}`,
      ]);
      expect(onlyResource(synth, 'aws_sns_topic').kms_master_key_id).to.equal(HARNESS_KEY);
      const env = (
        Object.values(resourcesOf(synth, 'aws_lambda_function'))[0].environment as {
          variables: Record<string, string>;
        }
      ).variables;
      expect(env[HARNESS_ENVIRONMENT.configBucket]).to.equal('acme-harness');
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });

  describe('GIVEN conflicting props', () => {
    it('THEN construction throws once, naming every problem, before any resource exists', () => {
      const stack = new TerraformStack(testApp(), 'harness');
      const create = () =>
        new FlowTestHarness(stack, 'harness', {
          ...BASE,
          namePrefix: 'FF_dev',
          schedule: { expression: '0 6 * * *', timeZone: 'Mars/Olympus' },
          maxConcurrency: 0,
          flowIds: ['s3-to-s3', 's3-to-s3', 'Bad Id'],
          sourceLocations: [{ bucketArn: 'arn:aws:s3:::*', prefix: '/abs' }],
          sftpSecretArns: ['*'],
          transferFunctionArns: ['arn:aws:lambda:us-west-2:111111111111:function:*'],
          existingKmsKey: { keyArn: 'alias/harness' },
        });
      expect(create)
        .to.throw(/^FlowTestHarness 'FF_dev':/)
        .with.property('message')
        .that.matches(/namePrefix 'FF_dev'/)
        .and.matches(/schedule\.expression '0 6 \* \* \*'/)
        .and.matches(/schedule\.timeZone 'Mars\/Olympus'/)
        .and.matches(/maxConcurrency 0/)
        .and.matches(/flowIds lists a flow twice/)
        .and.matches(/flowIds: 'Bad Id' is not a flow id/)
        .and.matches(/sourceLocations: 'arn:aws:s3:::\*' is not an exact bucket ARN/)
        .and.matches(/sourceLocations: prefix '\/abs'/)
        .and.matches(/sftpSecretArns: '\*' is not an exact ARN/)
        .and.matches(/transferFunctionArns: '.*function:\*' is not an exact ARN/)
        .and.matches(/existingKmsKey\.keyArn 'alias\/harness'/);
      expect(stack.node.tryFindChild('harness')?.node.children ?? []).to.deep.equal([]);
    });
  });

  describe('GIVEN two harnesses in one stack', () => {
    const { stack, synth } = harnessStack(BASE, { ...BASE, namePrefix: 'ff-dev-eu', flowIds: ['s3-to-s3'] });

    it('THEN no physical name is used twice', () => {
      const nameFields = ['name', 'function_name', 'alarm_name', 'dashboard_name', 'bucket_prefix'];
      for (const [type, resources] of Object.entries(synth.resource ?? {})) {
        // Inline policy names only need to be unique per role.
        if (type === 'aws_iam_role_policy') continue;
        for (const field of nameFields) {
          const names = Object.values(resources)
            .map((r) => r[field])
            .filter((n) => typeof n === 'string' && !n.startsWith('${'));
          // Glue table names are unique per database.
          if (type === 'aws_glue_catalog_table') continue;
          expect(new Set(names).size, `${type}.${field}`).to.equal(names.length);
        }
      }
      expect(Object.keys(resourcesOf(synth, 'aws_lambda_function'))).to.have.length(20);
      expect(Object.keys(resourcesOf(synth, 'aws_scheduler_schedule'))).to.have.length(2);
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });
});
