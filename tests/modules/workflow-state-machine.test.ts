import { expect } from 'chai';
import { TerraformResource, TerraformStack } from 'cdktf';
import { Chain, StateMachineDefinition, Succeed, Task, TaskIntegration } from '../../asl';
import { WorkflowStateMachine } from '../../modules/workflow-state-machine';
import { onlyResource, resourcesOf, synthJson, testApp } from '../helpers/cdktf';

const COPY_FUNCTION = 'arn:aws:lambda:us-west-2:111111111111:function:fileflow-dev-copy';
const TABLE_ARN = 'arn:aws:dynamodb:us-west-2:111111111111:table/fileflow-dev-status';

function transferDefinition(): StateMachineDefinition {
  const copy = new Task('Copy', {
    integration: TaskIntegration.lambdaInvoke({ functionArn: COPY_FUNCTION, payloadResponseOnly: true }),
  });
  const record = new Task('Record', {
    integration: TaskIntegration.dynamoPutItem({
      table: { tableName: 'fileflow-dev-status', tableArn: TABLE_ARN },
      parameters: { Item: { pk: { 'S.$': '$.fileId' } } },
    }),
  });
  return new StateMachineDefinition(Chain.start(copy).next(record).next(new Succeed('Done')));
}

describe('WorkflowStateMachine', () => {
  describe('GIVEN a workflow that invokes a function and writes a table', () => {
    let synth: ReturnType<typeof synthJson>;
    before(() => {
      const stack = new TerraformStack(testApp(), 'stack');
      new WorkflowStateMachine(stack, 'transfer', {
        name: 'fileflow-dev-transfer',
        definition: transferDefinition(),
        logRetentionDays: 30,
      });
      synth = synthJson(stack);
    });

    it('THEN it is a Standard machine with tracing and full logging to its own retained log group', () => {
      const machine = onlyResource(synth, 'aws_sfn_state_machine');
      expect(machine).to.include({ name: 'fileflow-dev-transfer', type: 'STANDARD' });
      expect(machine.tracing_configuration).to.deep.equal({ enabled: true });
      const logGroupId = Object.keys(resourcesOf(synth, 'aws_cloudwatch_log_group'))[0];
      expect(machine.logging_configuration).to.deep.equal({
        level: 'ALL',
        include_execution_data: false,
        log_destination: `\${aws_cloudwatch_log_group.${logGroupId}.arn}:*`,
      });
      expect(onlyResource(synth, 'aws_cloudwatch_log_group')).to.include({
        name: '/aws/vendedlogs/states/fileflow-dev-transfer',
        retention_in_days: 30,
      });
    });

    it('THEN the definition is the rendered ASL', () => {
      const machine = onlyResource(synth, 'aws_sfn_state_machine');
      expect(JSON.parse(machine.definition as string)).to.deep.equal(transferDefinition().toAsl());
    });

    it('THEN the role may do exactly what the Tasks declare, on their exact ARNs', () => {
      const policy = JSON.parse(onlyResource(synth, 'aws_iam_role_policy').policy as string) as {
        Statement: { Action: string[]; Resource: string[] }[];
      };
      const dataPlane = policy.Statement.filter((s) => !s.Resource.includes('*'));
      expect(dataPlane).to.deep.equal(
        transferDefinition()
          .policyStatements()
          .map((s) => ({ Effect: 'Allow', Action: s.actions, Resource: s.resources })),
      );
      expect(dataPlane.flatMap((s) => s.Resource)).to.have.members([COPY_FUNCTION, `${COPY_FUNCTION}:*`, TABLE_ARN]);
      const wildcard = policy.Statement.filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action);
      expect(wildcard.every((action) => action.startsWith('logs:') || action.startsWith('xray:'))).to.equal(true);
    });
  });

  describe('GIVEN two workflows in one stack', () => {
    it('THEN their machines, roles and log groups do not collide', () => {
      const stack = new TerraformStack(testApp(), 'two');
      for (const name of ['fileflow-dev-transfer', 'fileflow-dev-harness']) {
        new WorkflowStateMachine(stack, name, { name, definition: transferDefinition(), logRetentionDays: 30 });
      }
      const synth = synthJson(stack);
      expect(Object.values(resourcesOf(synth, 'aws_sfn_state_machine')).map((m) => m.name)).to.have.members([
        'fileflow-dev-transfer',
        'fileflow-dev-harness',
      ]);
      expect(Object.keys(resourcesOf(synth, 'aws_iam_role'))).to.have.length(2);
    });
  });

  describe('GIVEN an invalid name', () => {
    it('THEN it is refused before any resource is made', () => {
      const stack = new TerraformStack(testApp(), 'bad');
      expect(
        () =>
          new WorkflowStateMachine(stack, 'x', {
            name: 'has space',
            definition: transferDefinition(),
            logRetentionDays: 30,
          }),
      ).to.throw(/name must be 1–64/);
      expect(stack.node.findAll().filter((c) => c instanceof TerraformResource)).to.have.length(0);
    });
  });
});
