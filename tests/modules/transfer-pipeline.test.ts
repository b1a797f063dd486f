import { expect } from 'chai';
import { TerraformStack } from 'cdktf';
import { metricsOf, TRANSFER_METRIC_FAMILY, transferMetricsNamespace } from '../../functions/core/metrics/catalogue';
import { emitTransferMetric, transferMetrics } from '../../functions/core/metrics/emf';
import { emittedEmf } from '../helpers/emf';
import { findViolations } from '../../modules/policy';
import { TRANSFER_HANDLERS, TransferPipeline, type TransferPipelineProps } from '../../modules/transfer-pipeline';
import { onlyResource, resourcesOf, synthJson, testApp, type SynthesizedStack } from '../helpers/cdktf';

const ALARM_TOPIC = 'arn:aws:sns:us-west-2:111111111111:fileflow-dev-alarms';
const TARGET_BUCKET = 'arn:aws:s3:::partner-drop';
const TARGET_KEY = 'arn:aws:kms:us-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SFTP_SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/sftp/partner-AbCdEf';
const WEBHOOK_SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/webhook/acme-AbCdEf';
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q acme@laptop';
const BASE: TransferPipelineProps = { namePrefix: 'ff-dev', logRetentionDays: 14, alarmTopicArn: ALARM_TOPIC };

function pipelineStack(...props: TransferPipelineProps[]): { stack: TerraformStack; synth: SynthesizedStack } {
  const stack = new TerraformStack(testApp(), 'pipeline');
  props.forEach((p, index) => new TransferPipeline(stack, `pipeline-${index}`, p));
  return { stack, synth: synthJson(stack) };
}

type Statement = { Effect: string; Action: string[]; Resource: string[] };

/** The statements of the execution role of the function named `functionName`. */
function functionStatements(synth: SynthesizedStack, functionName: string): Statement[] {
  const roleId = Object.entries(resourcesOf(synth, 'aws_iam_role')).find(([, r]) => r.name === functionName)?.[0];
  const policy = Object.values(resourcesOf(synth, 'aws_iam_role_policy')).find(
    (p) => p.role === `\${aws_iam_role.${roleId}.name}`,
  );
  if (!policy) throw new Error(`no role policy for ${functionName}`);
  return (JSON.parse(policy.policy as string) as { Statement: Statement[] }).Statement;
}

const DATA_SERVICES = /^(s3|dynamodb|sqs|sns|secretsmanager|kms):/;

describe('TransferPipeline', () => {
  describe('GIVEN a pipeline with only the required props', () => {
    const { stack, synth } = pipelineStack(BASE);

    it('THEN the seven transfer functions exist, named after their handlers', () => {
      const names = Object.values(resourcesOf(synth, 'aws_lambda_function')).map((f) => f.function_name);
      expect(names).to.have.members(Object.values(TRANSFER_HANDLERS).map((file) => `ff-dev-${file}`));
    });

    it('THEN every function but record-metrics and the two copy functions is told the six tracking table names, and the metric writers their namespace', () => {
      for (const fn of Object.values(resourcesOf(synth, 'aws_lambda_function'))) {
        const variables = (fn.environment as { variables: Record<string, string> }).variables;
        if (fn.function_name === 'ff-dev-record-metrics') {
          expect(variables).to.deep.equal({
            NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=2',
            POWERTOOLS_METRICS_NAMESPACE: transferMetricsNamespace('ff-dev'),
          });
        } else if (/^ff-dev-copy-to-(s3|sftp)$/.test(String(fn.function_name))) {
          // The copy functions touch no table.
          expect(variables).to.deep.equal({ NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=2' });
        } else {
          // Log Notification also writes the notification metrics, to the same namespace as Record Metrics.
          const metrics = fn.function_name === 'ff-dev-log-notification' ? ['POWERTOOLS_METRICS_NAMESPACE'] : [];
          if (metrics.length > 0)
            expect(variables.POWERTOOLS_METRICS_NAMESPACE).to.equal(transferMetricsNamespace('ff-dev'));
          expect(Object.keys(variables)).to.have.members([
            ...metrics,
            'NODE_OPTIONS',
            'FILE_TRANSFER_STATUS_TABLE',
            'CUSTOMER_FILE_INDEX_TABLE',
            'WORKFLOW_DEFINITION_TABLE',
            'FILE_TRANSFER_AUDIT_LOG_TABLE',
            'TRANSFER_FAILURE_QUEUE_TABLE',
            'TRANSFER_NOTIFICATION_LOG_TABLE',
          ]);
        }
      }
    });

    it('THEN one Standard workflow is started fire-and-forget by the pipe from the queue', () => {
      expect(onlyResource(synth, 'aws_sfn_state_machine')).to.include({ name: 'ff-dev-transfer', type: 'STANDARD' });
      const pipe = onlyResource(synth, 'aws_pipes_pipe') as {
        target_parameters: { step_function_state_machine_parameters: { invocation_type: string } };
      };
      expect(pipe.target_parameters.step_function_state_machine_parameters.invocation_type).to.equal('FIRE_AND_FORGET');
      const queues = Object.values(resourcesOf(synth, 'aws_sqs_queue')).map((q) => q.name);
      expect(queues).to.have.members(['ff-dev-transfers', 'ff-dev-transfers-dlq']);
    });

    it('THEN new objects under inbound/ and from-sftp/ of the landing bucket start transfers', () => {
      const rule = onlyResource(synth, 'aws_cloudwatch_event_rule');
      const pattern = JSON.parse(rule.event_pattern as string) as { detail: { object: { key: unknown } } };
      expect(pattern.detail.object.key).to.deep.equal([{ prefix: 'inbound/' }, { prefix: 'from-sftp/' }]);
    });

    it('THEN the six tracking tables and a KMS-encrypted notification topic exist, and no SFTP server', () => {
      expect(Object.keys(resourcesOf(synth, 'aws_dynamodb_table'))).to.have.length(6);
      const topic = onlyResource(synth, 'aws_sns_topic');
      expect(topic.name).to.equal('ff-dev-transfer-notifications');
      expect(topic.kms_master_key_id).to.match(/^\$\{aws_kms_key\.[^}]+\.arn\}$/);
      expect(resourcesOf(synth, 'aws_transfer_server')).to.deep.equal({});
    });

    it('THEN failed executions, every function error, dead letters and old messages alarm the alarm topic', () => {
      const alarms = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm'));
      expect(alarms.map((a) => a.alarm_name)).to.have.members([
        'ff-dev-transfer-executions-failed',
        ...Object.values(TRANSFER_HANDLERS).map((file) => `ff-dev-${file}-errors`),
        'ff-dev-transfers-dead-letters',
        'ff-dev-transfers-waiting',
      ]);
      for (const alarm of alarms) {
        expect(alarm).to.include({ treat_missing_data: 'notBreaching' });
        expect(alarm.alarm_actions).to.deep.equal([ALARM_TOPIC]);
      }
      const lambdaErrors = alarms.filter((a) => a.namespace === 'AWS/Lambda');
      expect(lambdaErrors.map((a) => a.metric_name)).to.deep.equal(Array(7).fill('Errors'));
    });

    it('THEN the dashboard shows executions, function errors and duration, the queues and the transfer metrics', () => {
      const dashboard = onlyResource(synth, 'aws_cloudwatch_dashboard');
      expect(dashboard.dashboard_name).to.equal('ff-dev-transfers');
      const body = JSON.parse(dashboard.dashboard_body as string) as {
        widgets: { properties: { title: string; metrics: unknown[][] } }[];
      };
      const named = body.widgets.flatMap((w) =>
        w.properties.metrics.filter((m) => typeof m[0] === 'string').map((m) => `${m[0]}/${m[1]}`),
      );
      expect(new Set(named)).to.deep.equal(
        new Set([
          'AWS/States/ExecutionsStarted',
          'AWS/States/ExecutionsSucceeded',
          'AWS/States/ExecutionsFailed',
          'AWS/Lambda/Errors',
          'AWS/Lambda/Duration',
          'AWS/SQS/ApproximateNumberOfMessagesVisible',
          'AWS/SQS/ApproximateAgeOfOldestMessage',
        ]),
      );
      const searched = body.widgets.flatMap((w) =>
        w.properties.metrics.flatMap((m) =>
          typeof m[0] === 'object' ? [(m[0] as { expression: string }).expression] : [],
        ),
      );
      expect(searched).to.deep.equal(
        metricsOf(TRANSFER_METRIC_FAMILY).map(
          (metric) =>
            `SEARCH('{"ff-dev-transfers",Customer,WorkflowId,service} MetricName="${metric.name}"', '${metric.statistic}', 300)`,
        ),
      );
    });

    it('THEN the policy pack finds no violation', () => {
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });

  describe('GIVEN the transfer metrics Record Metrics emits', () => {
    const outcome = (result: 'SUCCESS' | 'FAILURE') => ({
      customerId: 'acme',
      workflowId: 'acme-daily',
      outcome: result,
      bytes: 10,
      seconds: 1,
      targetsCopied: result === 'SUCCESS' ? 1 : 0,
      targetsFailed: result === 'SUCCESS' ? 0 : 1,
    });

    it('THEN a success and a failure together emit exactly the catalogue metrics the dashboard graphs', () => {
      const documents = emittedEmf(() => {
        const metrics = transferMetrics('ff-dev-transfers');
        emitTransferMetric(metrics, outcome('SUCCESS'));
        emitTransferMetric(metrics, outcome('FAILURE'));
      });
      expect(documents).to.have.length(2);
      const names = documents.flatMap((d) => d._aws.CloudWatchMetrics.flatMap((c) => c.Metrics.map((m) => m.Name)));
      expect(new Set(names)).to.deep.equal(new Set(metricsOf(TRANSFER_METRIC_FAMILY).map((m) => m.name)));
      for (const document of documents) {
        expect(document._aws.CloudWatchMetrics[0].Namespace).to.equal('ff-dev-transfers');
        expect(document._aws.CloudWatchMetrics[0].Dimensions).to.have.length(1);
        expect(document._aws.CloudWatchMetrics[0].Dimensions[0]).to.have.members([
          ...TRANSFER_METRIC_FAMILY.dimensions,
        ]);
        expect(document.service).to.equal(TRANSFER_METRIC_FAMILY.service);
      }
    });
  });

  describe('GIVEN targets, secrets and SFTP customers', () => {
    const { stack, synth } = pipelineStack({
      ...BASE,
      customers: ['acme'],
      sftpUsers: [{ customer: 'acme', sshPublicKeys: [ED25519] }],
      targetBucketArns: [TARGET_BUCKET],
      targetKmsKeyArns: [TARGET_KEY],
      sftpSecretArns: [SFTP_SECRET],
      webhookSecretArns: [WEBHOOK_SECRET],
    });

    it('THEN no function may touch data on every resource', () => {
      for (const file of Object.values(TRANSFER_HANDLERS)) {
        for (const statement of functionStatements(synth, `ff-dev-${file}`)) {
          if (statement.Action.some((action) => DATA_SERVICES.test(action))) {
            expect(statement.Resource, `ff-dev-${file}`).not.to.include('*');
          }
        }
      }
    });

    it('THEN copy-to-s3 writes only objects of the target buckets and reads only the landing prefixes', () => {
      const statements = functionStatements(synth, 'ff-dev-copy-to-s3');
      const writes = statements.filter((s) => s.Action.some((a) => /^s3:Put/.test(a)));
      expect(writes.flatMap((s) => s.Resource)).to.deep.equal([`${TARGET_BUCKET}/*`]);
      const landingRead = statements.find((s) => s.Action.join() === 's3:GetObject');
      expect(landingRead?.Resource).to.have.length(2);
      expect(landingRead?.Resource[0]).to.match(/^\$\{aws_s3_bucket\.[^}]+\.arn\}\/inbound\/\*$/);
      expect(landingRead?.Resource[1]).to.match(/\/from-sftp\/\*$/);
      expect(statements.find((s) => s.Resource.includes(TARGET_KEY))?.Action).to.deep.equal([
        'kms:Decrypt',
        'kms:GenerateDataKey',
      ]);
    });

    it('THEN only copy-to-sftp reads SFTP keys and only log-notification reads webhook secrets', () => {
      const readers = (secret: string) =>
        Object.values(TRANSFER_HANDLERS).filter((file) =>
          functionStatements(synth, `ff-dev-${file}`).some((s) => s.Resource.includes(secret)),
        );
      expect(readers(SFTP_SECRET)).to.deep.equal(['copy-to-sftp']);
      expect(readers(WEBHOOK_SECRET)).to.deep.equal(['log-notification']);
    });

    it('THEN an SFTP server stores the customer in the landing bucket, and the policy pack passes', () => {
      expect(Object.keys(resourcesOf(synth, 'aws_transfer_server'))).to.have.length(1);
      expect(onlyResource(synth, 'aws_transfer_user')).to.include({ user_name: 'acme' });
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });

  describe('GIVEN conflicting props', () => {
    it('THEN construction throws once, naming every problem, before any resource exists', () => {
      const stack = new TerraformStack(testApp(), 'pipeline');
      const create = () =>
        new TransferPipeline(stack, 'pipeline', {
          ...BASE,
          namePrefix: 'FF_dev',
          customers: ['acme', 'acme'],
          sftpUsers: [{ customer: 'globex', sshPublicKeys: [ED25519] }],
          existingTransferServer: { serverId: 's-1', serverArn: 'arn:aws:transfer:us-west-2:1:server/s-1' },
          targetBucketArns: ['arn:aws:s3:::*'],
          sftpSecretArns: ['*'],
          maxReceiveCount: 0,
        });
      expect(create)
        .to.throw(/^TransferPipeline 'FF_dev':/)
        .with.property('message')
        .that.matches(/namePrefix 'FF_dev'/)
        .and.matches(/customers lists a customer twice/)
        .and.matches(/SFTP user 'globex' is not one of customers/)
        .and.matches(/targetBucketArns: 'arn:aws:s3:::\*' is not an exact ARN/)
        .and.matches(/sftpSecretArns: '\*' is not an exact ARN/)
        .and.matches(/maxReceiveCount 0/);
      expect(stack.node.tryFindChild('pipeline')?.node.children ?? []).to.deep.equal([]);
    });

    it('THEN an existing Transfer server without SFTP users is refused', () => {
      const stack = new TerraformStack(testApp(), 'pipeline');
      expect(
        () =>
          new TransferPipeline(stack, 'pipeline', {
            ...BASE,
            existingTransferServer: { serverId: 's-1', serverArn: 'arn:aws:transfer:us-west-2:1:server/s-1' },
          }),
      ).to.throw(/existingTransferServer needs sftpUsers/);
    });
  });

  describe('GIVEN two pipelines in one stack', () => {
    const { stack, synth } = pipelineStack(BASE, { ...BASE, namePrefix: 'ff-dev-eu' });

    it('THEN no physical name is used twice', () => {
      const nameFields = ['name', 'function_name', 'alarm_name', 'dashboard_name'];
      for (const [type, resources] of Object.entries(synth.resource ?? {})) {
        // Inline policy names only need to be unique per role.
        if (type === 'aws_iam_role_policy') continue;
        for (const field of nameFields) {
          const names = Object.values(resources)
            .map((r) => r[field])
            .filter((n) => typeof n === 'string' && !n.startsWith('${'));
          expect(new Set(names).size, `${type}.${field}`).to.equal(names.length);
        }
      }
      expect(Object.keys(resourcesOf(synth, 'aws_lambda_function'))).to.have.length(14);
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });
});
