import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaFunction, type LambdaFunctionConfig } from '@cdktf/provider-aws/lib/lambda-function';
import { SfnStateMachine, type SfnStateMachineConfig } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { expect } from 'chai';
import { TerraformVariable, type TerraformStack } from 'cdktf';
import { Compliance } from '../../modules/policy';
import { LAMBDA_LOG_GROUP, LAMBDA_SUPPORTED_RUNTIME, LAMBDA_TRACING } from '../../modules/policy/rules/lambda';
import { LOG_GROUP_RETENTION } from '../../modules/policy/rules/logs';
import { STATE_MACHINE_LOGGING, STATE_MACHINE_TRACING } from '../../modules/policy/rules/step-functions';
import { newStack, removeTestOutput, verdict } from './harness';

function copyFunction(stack: TerraformStack, config: Partial<LambdaFunctionConfig> = {}): LambdaFunction {
  return new LambdaFunction(stack, 'copy', {
    functionName: 'fileflow-copy',
    role: 'arn:aws:iam::111122223333:role/copy',
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    filename: 'copy.zip',
    tracingConfig: { mode: 'Active' },
    ...config,
  });
}

function transferWorkflow(stack: TerraformStack, config: Partial<SfnStateMachineConfig> = {}): SfnStateMachine {
  return new SfnStateMachine(stack, 'workflow', {
    name: 'fileflow-transfer',
    roleArn: 'arn:aws:iam::111122223333:role/workflow',
    definition: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
    tracingConfiguration: { enabled: true },
    ...config,
  });
}

describe('policy pack: Lambda, Step Functions and log groups', () => {
  after(removeTestOutput);

  describe('FF-LAMBDA-1 log group with retention', () => {
    it('GIVEN a log group named /aws/lambda/<function name> by reference, with retention THEN the function is COMPLIANT', () => {
      const stack = newStack();
      const fn = copyFunction(stack);
      new CloudwatchLogGroup(stack, 'logs', { name: `/aws/lambda/${fn.functionName}`, retentionInDays: 30 });
      expect(verdict(LAMBDA_LOG_GROUP, fn)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN the default log group named literally THEN the function is COMPLIANT', () => {
      const stack = newStack();
      const fn = copyFunction(stack);
      new CloudwatchLogGroup(stack, 'logs', { name: '/aws/lambda/fileflow-copy', retentionInDays: 14 });
      expect(verdict(LAMBDA_LOG_GROUP, fn)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN logging_config.log_group pointing at a group with retention THEN the function is COMPLIANT', () => {
      const stack = newStack();
      const group = new CloudwatchLogGroup(stack, 'logs', { name: '/fileflow/functions', retentionInDays: 30 });
      const fn = copyFunction(stack, { loggingConfig: { logFormat: 'JSON', logGroup: group.name } });
      expect(verdict(LAMBDA_LOG_GROUP, fn)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN no log group for the function THEN it is NON_COMPLIANT', () => {
      const stack = newStack();
      new CloudwatchLogGroup(stack, 'other', { name: '/aws/lambda/fileflow-copy-v2', retentionInDays: 30 });
      expect(verdict(LAMBDA_LOG_GROUP, copyFunction(stack))).to.equal(Compliance.NON_COMPLIANT);
    });

    it('GIVEN its log group keeps events forever THEN the function is NON_COMPLIANT', () => {
      const stack = newStack();
      const fn = copyFunction(stack);
      new CloudwatchLogGroup(stack, 'logs', { name: `/aws/lambda/${fn.functionName}` });
      expect(verdict(LAMBDA_LOG_GROUP, fn)).to.equal(Compliance.NON_COMPLIANT);
    });

    it('GIVEN logging_config.log_group names a group owned by another stack THEN the rule is NOT_APPLICABLE', () => {
      const fn = copyFunction(newStack(), { loggingConfig: { logFormat: 'JSON', logGroup: '/shared/functions' } });
      expect(verdict(LAMBDA_LOG_GROUP, fn)).to.equal(Compliance.NOT_APPLICABLE);
    });
  });

  describe('FF-LAMBDA-2 tracing', () => {
    it('GIVEN tracing Active THEN COMPLIANT; GIVEN PassThrough THEN NON_COMPLIANT', () => {
      expect(verdict(LAMBDA_TRACING, copyFunction(newStack()))).to.equal(Compliance.COMPLIANT);
      const passThrough = copyFunction(newStack(), { tracingConfig: { mode: 'PassThrough' } });
      expect(verdict(LAMBDA_TRACING, passThrough)).to.equal(Compliance.NON_COMPLIANT);
    });
  });

  describe('FF-LAMBDA-3 supported runtime', () => {
    it('GIVEN nodejs22.x or nodejs24.x THEN COMPLIANT; GIVEN nodejs20.x, which Lambda no longer creates, THEN NON_COMPLIANT', () => {
      expect(verdict(LAMBDA_SUPPORTED_RUNTIME, copyFunction(newStack()))).to.equal(Compliance.COMPLIANT);
      const newer = copyFunction(newStack(), { runtime: 'nodejs24.x' });
      expect(verdict(LAMBDA_SUPPORTED_RUNTIME, newer)).to.equal(Compliance.COMPLIANT);
      const deprecated = copyFunction(newStack(), { runtime: 'nodejs20.x' });
      expect(verdict(LAMBDA_SUPPORTED_RUNTIME, deprecated)).to.equal(Compliance.NON_COMPLIANT);
    });

    it('GIVEN a function of another language THEN the rule is NOT_APPLICABLE', () => {
      const python = copyFunction(newStack(), { runtime: 'python3.13' });
      expect(verdict(LAMBDA_SUPPORTED_RUNTIME, python)).to.equal(Compliance.NOT_APPLICABLE);
    });
  });

  describe('FF-SFN-1 logging', () => {
    it('GIVEN logging level ALL to a log group with retention THEN the workflow is COMPLIANT', () => {
      const stack = newStack();
      const group = new CloudwatchLogGroup(stack, 'logs', { name: '/fileflow/workflow', retentionInDays: 90 });
      const workflow = transferWorkflow(stack, {
        loggingConfiguration: { level: 'ALL', includeExecutionData: true, logDestination: `${group.arn}:*` },
      });
      expect(verdict(STATE_MACHINE_LOGGING, workflow)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN logging level OFF THEN the workflow is NON_COMPLIANT', () => {
      const stack = newStack();
      const group = new CloudwatchLogGroup(stack, 'logs', { name: '/fileflow/workflow', retentionInDays: 90 });
      const workflow = transferWorkflow(stack, {
        loggingConfiguration: { level: 'OFF', logDestination: `${group.arn}:*` },
      });
      expect(verdict(STATE_MACHINE_LOGGING, workflow)).to.equal(Compliance.NON_COMPLIANT);
    });

    it('GIVEN no logging configuration THEN the workflow is NON_COMPLIANT', () => {
      expect(verdict(STATE_MACHINE_LOGGING, transferWorkflow(newStack()))).to.equal(Compliance.NON_COMPLIANT);
    });

    it('GIVEN logging to a group without retention THEN the workflow is NON_COMPLIANT', () => {
      const stack = newStack();
      const group = new CloudwatchLogGroup(stack, 'logs', { name: '/fileflow/workflow' });
      const workflow = transferWorkflow(stack, {
        loggingConfiguration: { level: 'ERROR', logDestination: `${group.arn}:*` },
      });
      expect(verdict(STATE_MACHINE_LOGGING, workflow)).to.equal(Compliance.NON_COMPLIANT);
    });
  });

  describe('FF-SFN-2 tracing', () => {
    it('GIVEN tracing enabled THEN COMPLIANT; GIVEN no tracing configuration THEN NON_COMPLIANT', () => {
      expect(verdict(STATE_MACHINE_TRACING, transferWorkflow(newStack()))).to.equal(Compliance.COMPLIANT);
      const untraced = transferWorkflow(newStack(), { tracingConfiguration: undefined });
      expect(verdict(STATE_MACHINE_TRACING, untraced)).to.equal(Compliance.NON_COMPLIANT);
    });
  });

  describe('FF-LOGS-1 retention', () => {
    it('GIVEN retention of 30 days, or a variable THEN the group is COMPLIANT', () => {
      const stack = newStack();
      const days = new TerraformVariable(stack, 'retention', { type: 'number' });
      const fixed = new CloudwatchLogGroup(stack, 'fixed', { name: '/fileflow/a', retentionInDays: 30 });
      const variable = new CloudwatchLogGroup(stack, 'variable', {
        name: '/fileflow/b',
        retentionInDays: days.numberValue,
      });
      expect(verdict(LOG_GROUP_RETENTION, fixed)).to.equal(Compliance.COMPLIANT);
      expect(verdict(LOG_GROUP_RETENTION, variable)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN no retention or retention 0 (never expire) THEN the group is NON_COMPLIANT', () => {
      const stack = newStack();
      const unset = new CloudwatchLogGroup(stack, 'unset', { name: '/fileflow/a' });
      const zero = new CloudwatchLogGroup(stack, 'zero', { name: '/fileflow/b', retentionInDays: 0 });
      expect(verdict(LOG_GROUP_RETENTION, unset)).to.equal(Compliance.NON_COMPLIANT);
      expect(verdict(LOG_GROUP_RETENTION, zero)).to.equal(Compliance.NON_COMPLIANT);
    });
  });
});
