import { expect } from 'chai';
import { TerraformStack } from 'cdktf';
import { PULL_SOURCES_VARIABLE, TRANSFER_STATE_MACHINE_VARIABLE } from '../../functions/core/pull/environment';
import { pullSourcesFromEnvironment } from '../../functions/core/pull/sources';
import { findViolations } from '../../modules/policy';
import { PullPoller, type PullPollerProps } from '../../modules/pull-poller';
import { TrackingTables } from '../../modules/tracking-tables';
import { TransferPipeline, type TransferPipelineProps } from '../../modules/transfer-pipeline';
import { onlyResource, resourcesOf, synthJson, testApp, type SynthesizedStack } from '../helpers/cdktf';

const ALARM_TOPIC = 'arn:aws:sns:us-west-2:111111111111:fileflow-dev-alarms';
const STATE_MACHINE = 'arn:aws:states:us-west-2:111111111111:stateMachine:ff-dev-transfer';
const PARTNER_SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/pull/initech-AbCdEf';
const OTHER_SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/pull/umbrella-AbCdEf';
const HOST_KEY = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
const SOURCES = {
  initech: {
    host: 'sftp.initech.example',
    username: 'fileflow',
    privateKeySecretArn: PARTNER_SECRET,
    hostKeyFingerprint: HOST_KEY,
  },
  umbrella: {
    host: 'files.umbrella.example',
    port: 2222,
    username: 'ff',
    privateKeySecretArn: OTHER_SECRET,
    hostKeyFingerprint: HOST_KEY,
    baseDir: '/exports',
  },
};
const BASE: TransferPipelineProps = { namePrefix: 'ff-dev', logRetentionDays: 14, alarmTopicArn: ALARM_TOPIC };

type Statement = { Effect: string; Action: string[]; Resource: string[] };

function roleStatements(synth: SynthesizedStack, roleName: string): Statement[] {
  const roleId = Object.entries(resourcesOf(synth, 'aws_iam_role')).find(([, r]) => r.name === roleName)?.[0];
  const policy = Object.values(resourcesOf(synth, 'aws_iam_role_policy')).find(
    (p) => p.role === `\${aws_iam_role.${roleId}.name}` && p.name === 'least-privilege',
  );
  if (!policy) throw new Error(`no role policy for ${roleName}`);
  return (JSON.parse(policy.policy as string) as { Statement: Statement[] }).Statement;
}

function assumedBy(synth: SynthesizedStack, roleName: string): unknown {
  const role = Object.values(resourcesOf(synth, 'aws_iam_role')).find((r) => r.name === roleName)!;
  return (JSON.parse(role.assume_role_policy as string) as { Statement: { Principal: unknown }[] }).Statement[0]!
    .Principal;
}

/** The dev environment's poller, on its own tables and a given state machine. */
function devPoller(stack: TerraformStack, sources: PullPollerProps['sources']): PullPoller {
  const tables = new TrackingTables(stack, 'tables', { namePrefix: 'ff-dev' });
  return new PullPoller(stack, 'poller', {
    namePrefix: 'ff-dev',
    logRetentionDays: 14,
    alarmTopicArn: ALARM_TOPIC,
    tables,
    stateMachineArn: STATE_MACHINE,
    sources,
  });
}

describe('PullPoller', () => {
  describe('GIVEN the poller alone, on its own tables and a given state machine', () => {
    const stack = new TerraformStack(testApp(), 'poller');
    devPoller(stack, SOURCES);
    const synth = synthJson(stack);

    it('THEN a schedule invokes the function every minute through a role that may invoke that function only', () => {
      const schedule = onlyResource(synth, 'aws_scheduler_schedule');
      expect(schedule).to.deep.include({
        name: 'ff-dev-pull-poller',
        schedule_expression: 'rate(1 minute)',
        flexible_time_window: { mode: 'OFF' },
      });
      const target = schedule.target as Record<string, unknown>;
      expect(target.arn).to.match(/^\$\{aws_lambda_function\.[\w-]+\.arn\}$/);
      expect(target).to.deep.include({ input: '{}', retry_policy: { maximum_retry_attempts: 0 } });
      expect(assumedBy(synth, 'ff-dev-pull-poller-scheduler')).to.deep.equal({ Service: 'scheduler.amazonaws.com' });
      expect(roleStatements(synth, 'ff-dev-pull-poller-scheduler')).to.deep.equal([
        { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [target.arn] },
      ]);
    });

    it('THEN the function may start the transfer machine only, read exactly the pull secrets, and reach two tables', () => {
      const statements = roleStatements(synth, 'ff-dev-poll-pull-sources');
      const byAction = (action: string) => statements.filter((s) => s.Action.includes(action)).map((s) => s.Resource);
      expect(byAction('states:StartExecution')).to.deep.equal([[STATE_MACHINE]]);
      expect(byAction('secretsmanager:GetSecretValue')).to.deep.equal([[PARTNER_SECRET, OTHER_SECRET]]);
      const tableResources = statements
        .filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')))
        .flatMap((s) => s.Resource);
      expect(tableResources.join(' ')).to.match(/workflow_definition|workflow-definition|WorkflowDefinition/i);
      expect(tableResources.every((arn) => /^\$\{aws_dynamodb_table\.[\w-]+\.arn\}(\/index\/\*)?$/.test(arn))).to.equal(
        true,
      );
      // Data-plane actions never on a wildcard (X-Ray needs '*', logs go to the function's own group).
      const data = statements.filter((s) => s.Action.some((a) => /^(dynamodb|secretsmanager|states|s3|kms):/.test(a)));
      expect(data.flatMap((s) => s.Resource).filter((r) => r.includes('*') && !r.endsWith('/index/*'))).to.deep.equal(
        [],
      );
      const writes = statements.filter((s) => s.Action.includes('dynamodb:PutItem')).flatMap((s) => s.Resource);
      expect(writes.filter((r) => !r.endsWith('/index/*'))).to.have.length(1);
    });

    it('THEN the function is told the state machine and the pull servers, which the handler parses back', () => {
      const fn = onlyResource(synth, 'aws_lambda_function');
      const variables = (fn.environment as { variables: Record<string, string> }).variables;
      expect(variables[TRANSFER_STATE_MACHINE_VARIABLE]).to.equal(STATE_MACHINE);
      expect(pullSourcesFromEnvironment(variables)).to.deep.equal({
        initech: {
          host: 'sftp.initech.example',
          port: 22,
          username: 'fileflow',
          privateKey: { secretArn: PARTNER_SECRET },
          hostKeyFingerprint: HOST_KEY,
          baseDir: '/',
        },
        umbrella: {
          host: 'files.umbrella.example',
          port: 2222,
          username: 'ff',
          privateKey: { secretArn: OTHER_SECRET },
          hostKeyFingerprint: HOST_KEY,
          baseDir: '/exports',
        },
      });
      expect(variables[PULL_SOURCES_VARIABLE]).to.not.match(/BEGIN|PRIVATE KEY/);
    });

    it('THEN its errors raise an alarm on the alarm topic, and the policy pack finds nothing', () => {
      const alarm = onlyResource(synth, 'aws_cloudwatch_metric_alarm');
      expect(alarm).to.deep.include({
        alarm_name: 'ff-dev-poll-pull-sources-errors',
        namespace: 'AWS/Lambda',
        metric_name: 'Errors',
        threshold: 0,
        alarm_actions: [ALARM_TOPIC],
      });
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });

  describe('GIVEN a transfer pipeline', () => {
    it('WHEN pull is not given THEN there is no poller (it is off by default)', () => {
      const stack = new TerraformStack(testApp(), 'pipeline');
      const pipeline = new TransferPipeline(stack, 'pipeline', BASE);
      const synth = synthJson(stack);
      expect(pipeline.pullPoller).to.equal(undefined);
      expect(resourcesOf(synth, 'aws_scheduler_schedule')).to.deep.equal({});
    });

    it('WHEN pull names servers and a schedule THEN the poller starts exactly the pipeline machine, has an alarm and a dashboard line', () => {
      const stack = new TerraformStack(testApp(), 'pipeline');
      const pipeline = new TransferPipeline(stack, 'pipeline', {
        ...BASE,
        pull: { sources: SOURCES, scheduleExpression: 'rate(5 minutes)' },
      });
      const synth = synthJson(stack);

      expect(pipeline.pullPoller?.function).to.not.equal(undefined);
      expect(Object.values(resourcesOf(synth, 'aws_lambda_function')).map((f) => f.function_name)).to.include(
        'ff-dev-poll-pull-sources',
      );
      expect(onlyResource(synth, 'aws_scheduler_schedule').schedule_expression).to.equal('rate(5 minutes)');
      const machineId = Object.keys(resourcesOf(synth, 'aws_sfn_state_machine'))[0];
      const starts = roleStatements(synth, 'ff-dev-poll-pull-sources').filter((s) =>
        s.Action.includes('states:StartExecution'),
      );
      expect(starts).to.deep.equal([
        {
          Effect: 'Allow',
          Action: ['states:StartExecution'],
          Resource: [`\${aws_sfn_state_machine.${machineId}.arn}`],
        },
      ]);
      const alarms = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm')).map((a) => a.alarm_name);
      expect(alarms).to.include('ff-dev-poll-pull-sources-errors');
      const dashboard = onlyResource(synth, 'aws_cloudwatch_dashboard').dashboard_body as string;
      expect(dashboard).to.include('pollPullSources');
      expect(findViolations(stack)).to.deep.equal([]);
    });

    it('WHEN two pipelines with pull share a stack THEN no physical name is used twice', () => {
      const stack = new TerraformStack(testApp(), 'pipeline');
      new TransferPipeline(stack, 'a', { ...BASE, pull: { sources: SOURCES } });
      new TransferPipeline(stack, 'b', { ...BASE, namePrefix: 'ff-dev-eu', pull: { sources: SOURCES } });
      const synth = synthJson(stack);
      for (const type of [
        'aws_scheduler_schedule',
        'aws_iam_role',
        'aws_lambda_function',
        'aws_cloudwatch_metric_alarm',
      ]) {
        const names = Object.values(resourcesOf(synth, type)).map((r) => r.name ?? r.function_name ?? r.alarm_name);
        expect(new Set(names).size, type).to.equal(names.length);
      }
      expect(Object.keys(resourcesOf(synth, 'aws_scheduler_schedule'))).to.have.length(2);
      expect(findViolations(stack)).to.deep.equal([]);
    });

    it('WHEN the pull servers are wrong THEN construction throws once, naming every problem', () => {
      const stack = new TerraformStack(testApp(), 'pipeline');
      expect(
        () =>
          new TransferPipeline(stack, 'pipeline', {
            ...BASE,
            pull: {
              sources: {
                'bad ref': { ...SOURCES.initech, privateKeySecretArn: 'arn:aws:secretsmanager:*:*:secret:*' },
                initech: { ...SOURCES.initech, hostKeyFingerprint: 'MD5:aa:bb', port: 0 },
              },
              scheduleExpression: 'every minute',
            },
          }),
      )
        .to.throw(/^TransferPipeline 'ff-dev':/)
        .with.property('message')
        .that.matches(/pull\.sources: 'bad ref' is not an endpointRef/)
        .and.matches(/privateKeySecretArn: .* is not an exact secret ARN/)
        .and.matches(/sources\.initech\.hostKeyFingerprint must be/)
        .and.matches(/sources\.initech\.port 0 is not a TCP port/)
        .and.matches(/scheduleExpression 'every minute'/);
      expect(Object.keys(synthJson(stack).resource ?? {})).to.have.length(0);
    });
  });

  describe('GIVEN more pull servers than a Lambda environment holds', () => {
    it('THEN synth stops with the reason instead of a deploy that Lambda refuses', () => {
      const stack = new TerraformStack(testApp(), 'many-servers');
      const sources = Object.fromEntries(
        Array.from({ length: 40 }, (_, index) => [
          `partner-${index}`,
          {
            host: `sftp.partner-${index}.example`,
            username: 'fileflow',
            privateKeySecretArn: PARTNER_SECRET,
            hostKeyFingerprint: HOST_KEY,
          },
        ]),
      );
      expect(() => devPoller(stack, sources)).to.throw(
        new RegExp(`over Lambda's limit of 4096 \\(${PULL_SOURCES_VARIABLE} alone`),
      );
    });
  });
});
