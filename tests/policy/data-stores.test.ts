import { DataAwsSqsQueue } from '@cdktf/provider-aws/lib/data-aws-sqs-queue';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueueRedrivePolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-policy';
import { expect } from 'chai';
import { Fn } from 'cdktf';
import { Compliance } from '../../modules/policy';
import { DYNAMODB_ENCRYPTED, DYNAMODB_PITR } from '../../modules/policy/rules/dynamodb';
import { SNS_ENCRYPTED } from '../../modules/policy/rules/sns';
import { SQS_DEAD_LETTER_QUEUE, SQS_ENCRYPTED } from '../../modules/policy/rules/sqs';
import { newStack, removeTestOutput, verdict } from './harness';

const LEDGER_KEY = { hashKey: 'transferId', attribute: [{ name: 'transferId', type: 'S' }] };

describe('policy pack: DynamoDB, SQS and SNS', () => {
  after(removeTestOutput);

  describe('FF-DDB-1 point-in-time recovery / FF-DDB-2 encryption', () => {
    it('GIVEN a ledger table with PITR and server-side encryption THEN both rules are COMPLIANT', () => {
      const table = new DynamodbTable(newStack(), 'ledger', {
        name: 'ledger',
        ...LEDGER_KEY,
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
      });
      expect(verdict(DYNAMODB_PITR, table)).to.equal(Compliance.COMPLIANT);
      expect(verdict(DYNAMODB_ENCRYPTED, table)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN a table with PITR disabled and no encryption block THEN both rules are NON_COMPLIANT', () => {
      const table = new DynamodbTable(newStack(), 'ledger', {
        name: 'ledger',
        ...LEDGER_KEY,
        pointInTimeRecovery: { enabled: false },
      });
      expect(verdict(DYNAMODB_PITR, table)).to.equal(Compliance.NON_COMPLIANT);
      expect(verdict(DYNAMODB_ENCRYPTED, table)).to.equal(Compliance.NON_COMPLIANT);
    });

    it('GIVEN a queue THEN the DynamoDB rules are NOT_APPLICABLE', () => {
      const queue = new SqsQueue(newStack(), 'queue', {});
      expect(verdict(DYNAMODB_PITR, queue)).to.equal(Compliance.NOT_APPLICABLE);
    });
  });

  describe('FF-SQS-1 encryption', () => {
    it('GIVEN SQS-managed SSE or a KMS key THEN the queue is COMPLIANT', () => {
      const stack = newStack();
      const managed = new SqsQueue(stack, 'managed', { sqsManagedSseEnabled: true });
      const kms = new SqsQueue(stack, 'kms', { kmsMasterKeyId: 'alias/fileflow' });
      expect(verdict(SQS_ENCRYPTED, managed)).to.equal(Compliance.COMPLIANT);
      expect(verdict(SQS_ENCRYPTED, kms)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN neither THEN the queue is NON_COMPLIANT', () => {
      const queue = new SqsQueue(newStack(), 'queue', { sqsManagedSseEnabled: false });
      expect(verdict(SQS_ENCRYPTED, queue)).to.equal(Compliance.NON_COMPLIANT);
    });
  });

  describe('FF-SQS-2 dead-letter queue', () => {
    it('GIVEN a work queue whose redrive policy (JSON) targets a DLQ THEN both the work queue and the DLQ are COMPLIANT', () => {
      const stack = newStack();
      const dlq = new SqsQueue(stack, 'dlq', {});
      const work = new SqsQueue(stack, 'work', {
        redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
      });
      expect(verdict(SQS_DEAD_LETTER_QUEUE, work)).to.equal(Compliance.COMPLIANT);
      expect(verdict(SQS_DEAD_LETTER_QUEUE, dlq)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN the redrive policy written with jsonencode THEN its target counts as a DLQ', () => {
      const stack = newStack();
      const dlq = new SqsQueue(stack, 'dlq', {});
      new SqsQueue(stack, 'work', {
        redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
      });
      expect(verdict(SQS_DEAD_LETTER_QUEUE, dlq)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN a separate aws_sqs_queue_redrive_policy THEN both the source queue and its DLQ are COMPLIANT', () => {
      const stack = newStack();
      const dlq = new SqsQueue(stack, 'dlq', {});
      const work = new SqsQueue(stack, 'work', {});
      new SqsQueueRedrivePolicy(stack, 'redrive', {
        queueUrl: work.url,
        redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
      });
      expect(verdict(SQS_DEAD_LETTER_QUEUE, work)).to.equal(Compliance.COMPLIANT);
      expect(verdict(SQS_DEAD_LETTER_QUEUE, dlq)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN a queue with no redrive policy that no queue dead-letters into THEN it is NON_COMPLIANT', () => {
      const stack = newStack();
      const dlq = new SqsQueue(stack, 'dlq', {});
      new SqsQueue(stack, 'work', { redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn }) });
      const lonely = new SqsQueue(stack, 'lonely', {});
      expect(verdict(SQS_DEAD_LETTER_QUEUE, lonely)).to.equal(Compliance.NON_COMPLIANT);
    });

    it("GIVEN a queue that is a Lambda function's asynchronous on-failure destination THEN it counts as a DLQ", () => {
      const stack = newStack();
      const failed = new SqsQueue(stack, 'failed', {});
      new LambdaFunctionEventInvokeConfig(stack, 'async', {
        functionName: 'worker',
        destinationConfig: { onFailure: { destination: failed.arn } },
      });
      const unrelated = new SqsQueue(stack, 'unrelated', {});
      expect(verdict(SQS_DEAD_LETTER_QUEUE, failed)).to.equal(Compliance.COMPLIANT);
      expect(verdict(SQS_DEAD_LETTER_QUEUE, unrelated)).to.equal(Compliance.NON_COMPLIANT);
    });

    it("GIVEN a queue that is a Lambda function's dead-letter target THEN it counts as a DLQ", () => {
      const stack = newStack();
      const dlq = new SqsQueue(stack, 'dlq', {});
      new LambdaFunction(stack, 'worker', {
        functionName: 'worker',
        role: 'arn:aws:iam::111111111111:role/worker',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        filename: 'worker.zip',
        deadLetterConfig: { targetArn: dlq.arn },
      });
      expect(verdict(SQS_DEAD_LETTER_QUEUE, dlq)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN an existing queue looked up as a data source THEN the SQS rules are NOT_APPLICABLE', () => {
      const existing = new DataAwsSqsQueue(newStack(), 'existing', { name: 'partner-events' });
      expect(verdict(SQS_DEAD_LETTER_QUEUE, existing)).to.equal(Compliance.NOT_APPLICABLE);
      expect(verdict(SQS_ENCRYPTED, existing)).to.equal(Compliance.NOT_APPLICABLE);
    });
  });

  describe('FF-SNS-1 KMS', () => {
    it('GIVEN a topic with a KMS key THEN it is COMPLIANT', () => {
      const topic = new SnsTopic(newStack(), 'alarms', { kmsMasterKeyId: 'alias/aws/sns' });
      expect(verdict(SNS_ENCRYPTED, topic)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN a topic without one THEN it is NON_COMPLIANT', () => {
      const topic = new SnsTopic(newStack(), 'alarms', {});
      expect(verdict(SNS_ENCRYPTED, topic)).to.equal(Compliance.NON_COMPLIANT);
    });
  });
});
