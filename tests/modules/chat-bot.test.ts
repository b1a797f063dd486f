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

describe('ChatBot', () => {
  describe('GIVEN a bot with only the required props', () => {
    const { stack, synth } = botStack(BASE);
    const statements = roleStatements(synth, 'ff-dev-chatbot');
    const arn = (suffix: string) => tableArn(synth, `ff-dev-${suffix}`);

    it('THEN one function is bundled from the chat-bot handler, told its tables, secret, state machine and an empty allow-list', () => {
      const fn = onlyResource(synth, 'aws_lambda_function');
      expect(fn).to.include({ function_name: 'ff-dev-chatbot', handler: 'index.handler', timeout: 30 });
      const variables = (fn.environment as { variables: Record<string, string> }).variables;
      expect(variables).to.include({
        SLACK_SIGNING_SECRET_ARN: SLACK_SECRET,
        TRANSFER_STATE_MACHINE_ARN: STATE_MACHINE,
        RETRY_ALLOWED_USER_IDS: '',
        RETRY_ALLOWED_CHANNEL_IDS: '',
      });
      expect(variables).to.have.property('FILE_TRANSFER_AUDIT_LOG_TABLE');
      expect(variables).to.not.have.property('TEAMS_SECURITY_TOKEN_SECRET_ARN');
    });

    it('THEN the function URL takes unauthenticated requests (the handler verifies the Slack signature) and only URL invocation is public', () => {
      const url = onlyResource(synth, 'aws_lambda_function_url');
      expect(url).to.include({ authorization_type: 'NONE' });
      const permission = onlyResource(synth, 'aws_lambda_permission');
      expect(permission).to.include({
        action: 'lambda:InvokeFunctionUrl',
        principal: '*',
        function_url_auth_type: 'NONE',
      });
    });

    it('THEN the role reads exactly the five tracking tables the commands read, and their indexes', () => {
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

    it('THEN the only writes are the retry: UpdateItem on the failure queue and status table, PutItem on the audit log', () => {
      const writes = statements.filter((s) => s.Action.some((a) => WRITES.test(a)));
      expect(writes).to.deep.equal([
        {
          Effect: 'Allow',
          Action: ['dynamodb:UpdateItem'],
          Resource: [arn('transfer-failure-queue'), arn('file-transfer-status')],
        },
        { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: [arn('file-transfer-audit-log')] },
      ]);
      const written = writes.flatMap((s) => s.Resource);
      for (const readOnly of ['customer-file-index', 'transfer-notification-log', 'workflow-definition']) {
        expect(written).to.not.include(arn(readOnly));
      }
    });

    it('THEN it may start executions of exactly the transfer machine, read exactly the signing secret and invoke only itself', () => {
      expect(statements).to.deep.include({
        Effect: 'Allow',
        Action: ['states:StartExecution'],
        Resource: [STATE_MACHINE],
      });
      expect(statements).to.deep.include({
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [SLACK_SECRET],
      });
      const fnId = Object.keys(resourcesOf(synth, 'aws_lambda_function'))[0];
      expect(statements).to.deep.include({
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [`\${aws_lambda_function.${fnId}.arn}`],
      });
      const actions = statements.flatMap((s) => s.Action);
      expect(actions.filter((a) => a.startsWith('states:'))).to.deep.equal(['states:StartExecution']);
    });

    it('THEN no resource is "*" except X-Ray, which has no resource-level permissions', () => {
      const starred = statements.filter((s) => s.Resource.includes('*'));
      expect(starred.flatMap((s) => s.Action)).to.have.members(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    });

    it('THEN its log group keeps logs for the retention and an alarm reports its errors', () => {
      const group = onlyResource(synth, 'aws_cloudwatch_log_group');
      expect(group).to.include({ name: '/aws/lambda/ff-dev-chatbot', retention_in_days: 30 });
      const alarm = onlyResource(synth, 'aws_cloudwatch_metric_alarm');
      expect(alarm).to.include({ alarm_name: 'ff-dev-chatbot-errors', metric_name: 'Errors', namespace: 'AWS/Lambda' });
      expect(alarm.alarm_actions).to.deep.equal([ALARM_TOPIC]);
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

    it('THEN the function is told both and may read exactly the two secrets', () => {
      const variables = (
        onlyResource(synth, 'aws_lambda_function').environment as { variables: Record<string, string> }
      ).variables;
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
    it('THEN each has its own function, URL and role, named by its prefix', () => {
      const { synth, stack } = botStack(BASE, { ...BASE, namePrefix: 'ff-test' });
      const names = Object.values(resourcesOf(synth, 'aws_lambda_function')).map((f) => f.function_name);
      expect(names).to.have.members(['ff-dev-chatbot', 'ff-test-chatbot']);
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
          "  namePrefix 'FF' must be 2–24 lowercase letters, digits or '-'",
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
