import { expect } from 'chai';
import { TerraformStack } from 'cdktf';
import { findViolations } from '../../modules/policy';
import { ChatBot, type ChatBotProps } from '../../modules/chat-bot';
import { TrackingTables } from '../../modules/tracking-tables';
import { onlyResource, resourcesOf, synthJson, testApp, type SynthesizedStack } from '../helpers/cdktf';

const ALARM_TOPIC = 'arn:aws:sns:us-west-2:111111111111:ff-dev-alarms';
const STATE_MACHINE = 'arn:aws:states:us-west-2:111111111111:stateMachine:ff-dev-transfer';
const SLACK_SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/slack-signing-AbCdEf';
const TEAMS_SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:fileflow/teams-token-AbCdEf';

type BaseProps = Omit<ChatBotProps, 'tables'>;
const BASE: BaseProps = {
  namePrefix: 'ff-dev',
  logRetentionDays: 30,
  transferStateMachineArn: STATE_MACHINE,
  slackSigningSecretArn: SLACK_SECRET,
  alarmTopicArn: ALARM_TOPIC,
};

function botStack(...props: BaseProps[]): { stack: TerraformStack; synth: SynthesizedStack; bots: ChatBot[] } {
  const stack = new TerraformStack(testApp(), 'chat-bot');
  const bots = props.map((p, i) => {
    const tables = new TrackingTables(stack, `tables-${i}`, { namePrefix: p.namePrefix });
    return new ChatBot(stack, `chat-bot-${i}`, { ...p, tables });
  });
  return { stack, synth: synthJson(stack), bots };
}

type Statement = { Effect: string; Action: string[]; Resource: string[] };

/** Every statement of every inline policy on the role named `roleName`. */
function roleStatements(synth: SynthesizedStack, roleName: string): Statement[] {
  const roleId = Object.entries(resourcesOf(synth, 'aws_iam_role')).find(([, r]) => r.name === roleName)?.[0];
  return Object.values(resourcesOf(synth, 'aws_iam_role_policy'))
    .filter((p) => p.role === `\${aws_iam_role.${roleId}.name}`)
    .flatMap((p) => (JSON.parse(p.policy as string) as { Statement: Statement[] }).Statement);
}

/** `${aws_dynamodb_table.<id>.arn}` of the table named `name`. */
function tableArn(synth: SynthesizedStack, name: string): string {
  const id = Object.entries(resourcesOf(synth, 'aws_dynamodb_table')).find(([, t]) => t.name === name)?.[0];
  if (!id) throw new Error(`no table ${name}`);
  return `\${aws_dynamodb_table.${id}.arn}`;
}

const WRITES = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete))$/;

/** The synthesized function named `name`. */
function functionNamed(synth: SynthesizedStack, name: string): Record<string, unknown> & { id: string } {
  const found = Object.entries(resourcesOf(synth, 'aws_lambda_function')).find(([, f]) => f.function_name === name);
  if (!found) throw new Error(`no function ${name}`);
  return { ...found[1], id: found[0] };
}

const variablesOf = (fn: Record<string, unknown>) =>
  (fn.environment as { variables: Record<string, string> }).variables;

describe('ChatBot', () => {
  describe('GIVEN a bot with only the required props', () => {
    const { stack, synth } = botStack(BASE);
    const statements = roleStatements(synth, 'ff-dev-chatbot');
    const workerStatements = roleStatements(synth, 'ff-dev-chatbot-worker');
    const arn = (suffix: string) => tableArn(synth, `ff-dev-${suffix}`);
    const workerArn = `\${aws_lambda_function.${functionNamed(synth, 'ff-dev-chatbot-worker').id}.arn}`;

    it('THEN the public bot is bundled from the chat-bot handler, told its tables, secret, worker and an empty allow-list', () => {
      const fn = functionNamed(synth, 'ff-dev-chatbot');
      expect(fn).to.include({ handler: 'index.handler', timeout: 30 });
      const variables = variablesOf(fn);
      expect(variables).to.include({
        SLACK_SIGNING_SECRET_ARN: SLACK_SECRET,
        CHATBOT_WORKER_FUNCTION_NAME: `\${aws_lambda_function.${functionNamed(synth, 'ff-dev-chatbot-worker').id}.function_name}`,
        RETRY_ALLOWED_USER_IDS: '',
        RETRY_ALLOWED_CHANNEL_IDS: '',
      });
      expect(variables).to.have.property('FILE_TRANSFER_AUDIT_LOG_TABLE');
      expect(variables).to.not.have.property('TEAMS_SECURITY_TOKEN_SECRET_ARN');
      expect(variables).to.not.have.property('TRANSFER_STATE_MACHINE_ARN');
    });

    it('THEN the worker is bundled from its own handler and told its tables and the state machine, and nothing about secrets', () => {
      const worker = functionNamed(synth, 'ff-dev-chatbot-worker');
      expect(worker).to.include({ handler: 'index.handler', timeout: 30 });
      const variables = variablesOf(worker);
      expect(variables).to.include({ TRANSFER_STATE_MACHINE_ARN: STATE_MACHINE });
      expect(variables).to.have.property('FILE_TRANSFER_AUDIT_LOG_TABLE');
      expect(Object.keys(variables).filter((name) => /SECRET|ALLOWED/.test(name))).to.deep.equal([]);
    });

    it('THEN only the public bot has a URL; it takes unauthenticated requests (the handler verifies the Slack signature) and only URL invocation is public', () => {
      const url = onlyResource(synth, 'aws_lambda_function_url');
      expect(url).to.include({ authorization_type: 'NONE' });
      expect(url.function_name).to.equal(
        `\${aws_lambda_function.${functionNamed(synth, 'ff-dev-chatbot').id}.function_name}`,
      );
      const permission = onlyResource(synth, 'aws_lambda_permission');
      expect(permission).to.include({
        action: 'lambda:InvokeFunctionUrl',
        principal: '*',
        function_url_auth_type: 'NONE',
      });
    });

    it('THEN the public role reads exactly the five tracking tables the commands read, and their indexes', () => {
      const read = statements.find((s) => s.Action.includes('dynamodb:Query'))!;
      expect(read.Action).to.not.satisfy((actions: string[]) => actions.some((a) => WRITES.test(a)));
      expect(read.Resource).to.have.members([
        arn('file-transfer-status'),
        `${arn('file-transfer-status')}/index/*`,
        arn('customer-file-index'),
        arn('file-transfer-audit-log'),
        arn('transfer-failure-queue'),
        `${arn('transfer-failure-queue')}/index/*`,
        arn('transfer-notification-log'),
      ]);
    });

    it('THEN the public role writes nothing, starts nothing, and invokes only the worker', () => {
      const actions = statements.flatMap((s) => s.Action);
      expect(actions.filter((a) => WRITES.test(a))).to.deep.equal([]);
      expect(actions.filter((a) => a.startsWith('states:'))).to.deep.equal([]);
      expect(statements.filter((s) => s.Action.some((a) => a.startsWith('lambda:')))).to.deep.equal([
        { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [workerArn] },
      ]);
      expect(statements).to.deep.include({
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [SLACK_SECRET],
      });
    });

    it('THEN the worker holds exactly the retry writes: UpdateItem on the failure queue and status table, PutItem on the audit log, StartExecution on the transfer machine', () => {
      const writes = workerStatements.filter((s) => s.Action.some((a) => WRITES.test(a) || a.startsWith('states:')));
      expect(writes).to.deep.equal([
        {
          Effect: 'Allow',
          Action: ['dynamodb:UpdateItem'],
          Resource: [arn('transfer-failure-queue'), arn('file-transfer-status')],
        },
        { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: [arn('file-transfer-audit-log')] },
        { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [STATE_MACHINE] },
      ]);
      const written = writes.flatMap((s) => s.Resource);
      for (const readOnly of ['customer-file-index', 'transfer-notification-log', 'workflow-definition']) {
        expect(written).to.not.include(arn(readOnly));
      }
      const read = workerStatements.find((s) => s.Action.includes('dynamodb:Query'))!;
      expect(read.Resource).to.have.members([
        arn('transfer-failure-queue'),
        `${arn('transfer-failure-queue')}/index/*`,
        arn('transfer-notification-log'),
      ]);
    });

    it('THEN the worker reads no secret and invokes nothing', () => {
      const actions = workerStatements.flatMap((s) => s.Action);
      expect(actions.filter((a) => a.startsWith('secretsmanager:') || a.startsWith('lambda:'))).to.deep.equal([]);
    });

    it('THEN no resource of either role is "*" except X-Ray, which has no resource-level permissions', () => {
      for (const role of [statements, workerStatements]) {
        const starred = role.filter((s) => s.Resource.includes('*'));
        expect(starred.flatMap((s) => s.Action)).to.have.members(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
      }
    });

    it('THEN both log groups keep logs for the retention and an alarm reports the errors of each function', () => {
      const groups = Object.values(resourcesOf(synth, 'aws_cloudwatch_log_group'));
      expect(groups.map((g) => [g.name, g.retention_in_days])).to.have.deep.members([
        ['/aws/lambda/ff-dev-chatbot', 30],
        ['/aws/lambda/ff-dev-chatbot-worker', 30],
      ]);
      const alarms = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm'));
      expect(alarms.map((a) => a.alarm_name)).to.have.members([
        'ff-dev-chatbot-errors',
        'ff-dev-chatbot-worker-errors',
        'ff-dev-chatbot-worker-failed-jobs',
      ]);
      for (const alarm of alarms.filter((a) => a.alarm_name !== 'ff-dev-chatbot-worker-failed-jobs')) {
        expect(alarm).to.include({ metric_name: 'Errors', namespace: 'AWS/Lambda' });
        expect(alarm.alarm_actions).to.deep.equal([ALARM_TOPIC]);
      }
    });

    it('THEN a worker job that fails every retry or outlives Slack’s reply window lands in an encrypted failed-jobs queue, which only the worker may send to, and an alarm fires while one waits', () => {
      const [queueId, queue] = Object.entries(resourcesOf(synth, 'aws_sqs_queue')).find(
        ([, q]) => q.name === 'ff-dev-chatbot-worker-failed-jobs',
      )!;
      expect(queue).to.include({ sqs_managed_sse_enabled: true, message_retention_seconds: 1_209_600 });
      const queueArn = `\${aws_sqs_queue.${queueId}.arn}`;

      const invokeConfig = onlyResource(synth, 'aws_lambda_function_event_invoke_config');
      expect(invokeConfig).to.deep.include({
        function_name: `\${aws_lambda_function.${functionNamed(synth, 'ff-dev-chatbot-worker').id}.function_name}`,
        maximum_retry_attempts: 2,
        maximum_event_age_in_seconds: 1_800,
        destination_config: { on_failure: { destination: queueArn } },
      });

      expect(workerStatements).to.deep.include({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [queueArn] });
      expect(statements.flatMap((s) => s.Action).filter((a) => a.startsWith('sqs:'))).to.deep.equal([]);

      const alarm = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm')).find(
        (a) => a.alarm_name === 'ff-dev-chatbot-worker-failed-jobs',
      )!;
      expect(alarm).to.deep.include({
        namespace: 'AWS/SQS',
        metric_name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: `\${aws_sqs_queue.${queueId}.name}` },
        comparison_operator: 'GreaterThanThreshold',
        threshold: 0,
        alarm_actions: [ALARM_TOPIC],
        ok_actions: [ALARM_TOPIC],
      });
    });

    it('THEN the policy pack finds nothing, with no suppression', () => {
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });

  describe('GIVEN a Teams token secret and an allow-list', () => {
    const { synth } = botStack({
      ...BASE,
      teamsSecurityTokenSecretArn: TEAMS_SECRET,
      retryAllowedUserIds: ['U0OPS1', 'U0OPS2'],
      retryAllowedChannelIds: ['C0INCIDENTS'],
    });

    it('THEN the public bot is told both and may read exactly the two secrets', () => {
      const variables = variablesOf(functionNamed(synth, 'ff-dev-chatbot'));
      expect(variables).to.include({
        TEAMS_SECURITY_TOKEN_SECRET_ARN: TEAMS_SECRET,
        RETRY_ALLOWED_USER_IDS: 'U0OPS1,U0OPS2',
        RETRY_ALLOWED_CHANNEL_IDS: 'C0INCIDENTS',
      });
      expect(roleStatements(synth, 'ff-dev-chatbot')).to.deep.include({
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [SLACK_SECRET, TEAMS_SECRET],
      });
    });
  });

  describe('GIVEN two bots in one stack', () => {
    it('THEN each has its own functions, URL and roles, named by its prefix', () => {
      const { synth, stack } = botStack(BASE, { ...BASE, namePrefix: 'ff-test' });
      const names = Object.values(resourcesOf(synth, 'aws_lambda_function')).map((f) => f.function_name);
      expect(names).to.have.members([
        'ff-dev-chatbot',
        'ff-dev-chatbot-worker',
        'ff-test-chatbot',
        'ff-test-chatbot-worker',
      ]);
      const testWorker = functionNamed(synth, 'ff-test-chatbot-worker').id;
      expect(roleStatements(synth, 'ff-test-chatbot')).to.deep.include({
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [`\${aws_lambda_function.${testWorker}.arn}`],
      });
      expect(Object.keys(resourcesOf(synth, 'aws_lambda_function_url'))).to.have.length(2);
      expect(findViolations(stack)).to.deep.equal([]);
    });
  });

  describe('GIVEN conflicting props', () => {
    it('THEN construction throws once, naming every problem, before any resource exists', () => {
      const stack = new TerraformStack(testApp(), 'bad');
      const tables = new TrackingTables(stack, 'tables', { namePrefix: 'ff-dev' });
      const build = () =>
        new ChatBot(stack, 'bot', {
          ...BASE,
          tables,
          namePrefix: 'FF',
          slackSigningSecretArn: 'slack-secret',
          teamsSecurityTokenSecretArn: 'slack-secret',
          retryAllowedUserIds: ['U1, U2'],
        });
      expect(build).to.throw(
        [
          "ChatBot 'FF':",
          "  namePrefix 'FF' must be 2–24 lowercase letters, digits or '-', starting with a letter",
          "  slackSigningSecretArn 'slack-secret' must be a Secrets Manager secret ARN",
          "  teamsSecurityTokenSecretArn 'slack-secret' must be a Secrets Manager secret ARN",
          '  teamsSecurityTokenSecretArn must differ from slackSigningSecretArn: each platform has its own secret',
          "  retry allow-list id 'U1, U2' must be a Slack or Teams id (no spaces or commas)",
        ].join('\n'),
      );
      expect(stack.node.tryFindChild('bot')?.node.children ?? []).to.have.length(0);
    });
  });
});
