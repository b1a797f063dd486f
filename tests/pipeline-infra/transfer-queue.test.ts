import { expect } from 'chai';
import { TransferEventQueue, type TransferEventQueueProps } from '../../modules/transfer-queue';
import { onlyResource, resourcesOf, synthJson, type SynthesizedStack } from '../helpers/cdktf';
import { errorOf, expectCompliant, newStack, statementsOf } from './support';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:111111111111:stateMachine:fileflow-dev-transfer';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:fileflow-dev-alarms';
const base: TransferEventQueueProps = {
  namePrefix: 'fileflow-dev',
  bucketName: 'acme-landing',
  keyPrefixes: ['from-sftp/acme/', 'inbound/acme/'],
  stateMachineArn: STATE_MACHINE,
};

/** `${<type>.<logical id>.<attribute>}` of the resource whose logical id contains `fragment`. */
const ref = (synth: SynthesizedStack, type: string, fragment: string, attribute: string): string => {
  const ids = Object.keys(resourcesOf(synth, type)).filter((id) => id.includes(fragment));
  expect(ids, `${type} *${fragment}*`).to.have.length(1);
  return `\${${type}.${ids[0]}.${attribute}}`;
};
const named = (synth: SynthesizedStack, type: string, name: string): Record<string, unknown> => {
  const found = Object.values(resourcesOf(synth, type)).filter((r) => r.name === name);
  expect(found, `${type} named ${name}`).to.have.length(1);
  return found[0];
};

describe('TransferEventQueue', () => {
  describe('GIVEN a bucket, two prefixes and a state machine, with defaults', () => {
    const stack = newStack();
    const flow = new TransferEventQueue(stack, 'transfers', base);
    const synth = synthJson(stack);
    const queueArn = ref(synth, 'aws_sqs_queue', 'transfers_queue', 'arn');
    const dlqArn = ref(synth, 'aws_sqs_queue', 'dead-letter-queue', 'arn');
    const ruleArn = ref(synth, 'aws_cloudwatch_event_rule', 'rule', 'arn');

    it('THEN the rule matches Object Created in exactly that bucket and those prefixes', () => {
      const rule = onlyResource(synth, 'aws_cloudwatch_event_rule');
      expect(rule.name).to.equal('fileflow-dev-object-created');
      expect(JSON.parse(rule.event_pattern as string)).to.deep.equal({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: ['acme-landing'] },
          object: { key: [{ prefix: 'from-sftp/acme/' }, { prefix: 'inbound/acme/' }] },
        },
      });
    });

    it('THEN the rule targets the queue, with the dead-letter queue for undeliverable events', () => {
      expect(onlyResource(synth, 'aws_cloudwatch_event_target')).to.deep.include({
        rule: ref(synth, 'aws_cloudwatch_event_rule', 'rule', 'name'),
        target_id: 'transfer-queue',
        arn: queueArn,
        dead_letter_config: { arn: dlqArn },
      });
    });

    it('THEN the queue is SQS-SSE encrypted, invisible for 300 s and redrives after 5 receives', () => {
      const queue = named(synth, 'aws_sqs_queue', 'fileflow-dev-transfers');
      expect(queue).to.include({ sqs_managed_sse_enabled: true, visibility_timeout_seconds: 300 });
      expect(JSON.parse(queue.redrive_policy as string)).to.deep.equal({
        deadLetterTargetArn: dlqArn,
        maxReceiveCount: 5,
      });
      expect(named(synth, 'aws_sqs_queue', 'fileflow-dev-transfers-dlq')).to.include({
        sqs_managed_sse_enabled: true,
        message_retention_seconds: 1209600,
      });
    });

    it('THEN only EventBridge, on behalf of this rule, may send to either queue', () => {
      const statement = (resource: string) => ({
        Sid: 'TransferRuleSendsEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: resource,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      });
      const policies = Object.values(resourcesOf(synth, 'aws_sqs_queue_policy'));
      expect(policies.map((p) => [p.queue_url, statementsOf(p.policy)])).to.have.deep.members([
        [ref(synth, 'aws_sqs_queue', 'transfers_queue', 'url'), [statement(queueArn)]],
        [ref(synth, 'aws_sqs_queue', 'dead-letter-queue', 'url'), [statement(dlqArn)]],
      ]);
      expect(flow.queuePolicyDocument).to.be.a('string');
    });

    it('THEN the pipe takes one message at a time and starts the Standard workflow fire-and-forget with only the S3 detail', () => {
      expect(onlyResource(synth, 'aws_pipes_pipe')).to.deep.include({
        name: 'fileflow-dev-transfers',
        role_arn: ref(synth, 'aws_iam_role', 'pipe-role', 'arn'),
        source: queueArn,
        source_parameters: { sqs_queue_parameters: { batch_size: 1 } },
        target: STATE_MACHINE,
        target_parameters: {
          input_template: '<$.body>',
          step_function_state_machine_parameters: { invocation_type: 'FIRE_AND_FORGET' },
        },
      });
    });

    it('THEN the pipe role drains exactly this queue and starts exactly this state machine', () => {
      expect(statementsOf(onlyResource(synth, 'aws_iam_role_policy').policy)).to.deep.equal([
        {
          Sid: 'DrainTransferQueue',
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: queueArn,
        },
        { Sid: 'StartTransferWorkflow', Effect: 'Allow', Action: 'states:StartExecution', Resource: STATE_MACHINE },
      ]);
    });

    it('THEN only Pipes, for this pipe of this account, may assume the pipe role', () => {
      const dataRef = (type: string, attribute: string) =>
        `\${data.${type}.${Object.keys(synth.data?.[type] ?? {})[0]}.${attribute}}`;
      const account = dataRef('aws_caller_identity', 'account_id');
      expect(statementsOf(onlyResource(synth, 'aws_iam_role').assume_role_policy)).to.deep.equal([
        {
          Effect: 'Allow',
          Principal: { Service: 'pipes.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': account },
            ArnEquals: {
              'aws:SourceArn': `arn:${dataRef('aws_partition', 'partition')}:pipes:${dataRef('aws_region', 'region')}:${account}:pipe/fileflow-dev-transfers`,
            },
          },
        },
      ]);
    });

    it('THEN there are no alarms and the policy pack finds nothing', () => {
      expect(resourcesOf(synth, 'aws_cloudwatch_metric_alarm')).to.deep.equal({});
      expect(flow.alarms).to.deep.equal({});
      expectCompliant(stack);
    });
  });

  describe('GIVEN a KMS key and an alarm topic', () => {
    const stack = newStack();
    new TransferEventQueue(stack, 'transfers', {
      ...base,
      kmsKeyArn: KEY_ARN,
      alarmTopicArn: TOPIC,
      visibilityTimeoutSeconds: 120,
      maxReceiveCount: 3,
      oldestMessageAgeAlarmSeconds: 600,
    });
    const synth = synthJson(stack);

    it('THEN both queues are encrypted with the key and the pipe may decrypt with exactly that key', () => {
      for (const queue of Object.values(resourcesOf(synth, 'aws_sqs_queue'))) {
        expect(queue).to.include({ kms_master_key_id: KEY_ARN, kms_data_key_reuse_period_seconds: 300 });
        expect(queue).to.not.have.property('sqs_managed_sse_enabled');
      }
      expect(statementsOf(onlyResource(synth, 'aws_iam_role_policy').policy)[2]).to.deep.equal({
        Sid: 'ReadEncryptedMessages',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KEY_ARN,
      });
    });

    it('THEN an alarm fires on any dead letter and on events waiting longer than the threshold', () => {
      const alarms = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm'));
      const common = {
        namespace: 'AWS/SQS',
        statistic: 'Maximum',
        period: 60,
        evaluation_periods: 1,
        comparison_operator: 'GreaterThanThreshold',
        treat_missing_data: 'notBreaching',
        alarm_actions: [TOPIC],
        ok_actions: [TOPIC],
      };
      expect(alarms[0]).to.deep.include({
        ...common,
        alarm_name: 'fileflow-dev-transfers-dead-letters',
        metric_name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: ref(synth, 'aws_sqs_queue', 'dead-letter-queue', 'name') },
        threshold: 0,
      });
      expect(alarms[1]).to.deep.include({
        ...common,
        alarm_name: 'fileflow-dev-transfers-waiting',
        metric_name: 'ApproximateAgeOfOldestMessage',
        dimensions: { QueueName: ref(synth, 'aws_sqs_queue', 'transfers_queue', 'name') },
        threshold: 600,
      });
      expect(named(synth, 'aws_sqs_queue', 'fileflow-dev-transfers')).to.include({ visibility_timeout_seconds: 120 });
      expectCompliant(stack);
    });
  });

  describe('GIVEN two transfer queues in one stack', () => {
    it('THEN rules, queues, pipes and roles do not collide', () => {
      const stack = newStack();
      new TransferEventQueue(stack, 'sftp', { ...base, namePrefix: 'ff-sftp', keyPrefixes: ['from-sftp/acme/'] });
      new TransferEventQueue(stack, 'inbound', { ...base, namePrefix: 'ff-inbound', keyPrefixes: ['inbound/acme/'] });
      const synth = synthJson(stack);
      const names = (type: string) => Object.values(resourcesOf(synth, type)).map((r) => r.name);
      expect(names('aws_cloudwatch_event_rule')).to.have.members([
        'ff-sftp-object-created',
        'ff-inbound-object-created',
      ]);
      expect(names('aws_sqs_queue')).to.have.members([
        'ff-sftp-transfers',
        'ff-sftp-transfers-dlq',
        'ff-inbound-transfers',
        'ff-inbound-transfers-dlq',
      ]);
      expect(names('aws_pipes_pipe')).to.have.members(['ff-sftp-transfers', 'ff-inbound-transfers']);
      expect(names('aws_iam_role')).to.have.members(['ff-sftp-transfers-pipe', 'ff-inbound-transfers-pipe']);
      expectCompliant(stack);
    });
  });

  describe('GIVEN an existing queue', () => {
    const existingQueue = {
      queueName: 'shared-transfers',
      queueArn: 'arn:aws:sqs:eu-west-1:111111111111:shared-transfers',
      kmsKeyArn: KEY_ARN,
    };

    it('THEN no queue or queue policy is created; the rule and pipe use it and its policy is handed to its owner', () => {
      const stack = newStack();
      const flow = new TransferEventQueue(stack, 'transfers', { ...base, existingQueue, alarmTopicArn: TOPIC });
      const synth = synthJson(stack);
      expect(resourcesOf(synth, 'aws_sqs_queue')).to.deep.equal({});
      expect(resourcesOf(synth, 'aws_sqs_queue_policy')).to.deep.equal({});
      expect(onlyResource(synth, 'aws_cloudwatch_event_target')).to.include({ arn: existingQueue.queueArn });
      expect(onlyResource(synth, 'aws_pipes_pipe')).to.include({ source: existingQueue.queueArn });
      expect(statementsOf(onlyResource(synth, 'aws_iam_role_policy').policy).map((s) => s.Resource)).to.deep.equal([
        existingQueue.queueArn,
        STATE_MACHINE,
        KEY_ARN,
      ]);
      expect(onlyResource(synth, 'aws_cloudwatch_metric_alarm').dimensions).to.deep.equal({
        QueueName: 'shared-transfers',
      });
      const handedOver = JSON.parse(flow.queuePolicyDocument) as { Statement: { Resource: string }[] };
      expect(handedOver.Statement[0].Resource).to.equal(existingQueue.queueArn);
      expect(flow.queue).to.equal(undefined);
      expectCompliant(stack);
    });

    it('WHEN queue-creation options are given as well THEN every conflict is reported at once and nothing is created', () => {
      const stack = newStack();
      const error = errorOf(
        () =>
          new TransferEventQueue(stack, 'transfers', {
            ...base,
            existingQueue,
            kmsKeyArn: KEY_ARN,
            maxReceiveCount: 3,
          }),
      );
      expect(error.message).to.equal(
        [
          "TransferEventQueue 'fileflow-dev':",
          '  existingQueue cannot be combined with kmsKeyArn',
          '  existingQueue cannot be combined with maxReceiveCount',
        ].join('\n'),
      );
      expect(synthJson(stack).resource ?? {}).to.deep.equal({});
    });
  });

  describe('GIVEN invalid sizing and targets', () => {
    it('THEN all problems are reported at once', () => {
      const error = errorOf(
        () =>
          new TransferEventQueue(newStack(), 'transfers', {
            ...base,
            keyPrefixes: ['from-sftp/*', 'from-sftp/*'],
            stateMachineArn: 'arn:aws:lambda:eu-west-1:111111111111:function:x',
            visibilityTimeoutSeconds: 30,
            maxReceiveCount: 0,
            oldestMessageAgeAlarmSeconds: 600,
          }),
      );
      expect(error.message.split('\n').slice(1)).to.deep.equal([
        "  key prefix 'from-sftp/*' must be a non-empty literal prefix without a leading '/' or wildcards",
        "  key prefix 'from-sftp/*' must be a non-empty literal prefix without a leading '/' or wildcards",
        '  keyPrefixes lists a prefix twice',
        "  stateMachineArn 'arn:aws:lambda:eu-west-1:111111111111:function:x' is not a state machine ARN",
        "  visibilityTimeoutSeconds 30 must be a whole number from 60 (the pipe's batch processing time) to 43200",
        '  maxReceiveCount 0 must be a whole number from 1 to 1000',
        '  oldestMessageAgeAlarmSeconds needs alarmTopicArn',
      ]);
    });
  });
});
