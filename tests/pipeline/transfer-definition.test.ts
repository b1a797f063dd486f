import aslValidator from 'asl-validator';
import { expect } from 'chai';
import type { JsonObject } from '../../asl';
import { buildTransferDefinition, TransferStates, type TransferWorkflowResources } from '../../asl/workflows/transfer';
import type { PipelineDeps } from '../../functions/core/pipeline/deps';
import { createLocalTaskHandlers, localTransferResources } from '../../functions/core/pipeline/local-handlers';
import { backoffSchedule } from '../../functions/core/pipeline/validate';

const ACCOUNT = 'arn:aws:lambda:eu-west-1:123456789012:function';
/** Function ARNs as Terraform would resolve them; real-looking so asl-validator's ARN check applies. */
const FN = {
  validateTransfer: `${ACCOUNT}:fileflow-validate-transfer`,
  copyToS3: `${ACCOUNT}:fileflow-copy-to-s3`,
  copyToSftp: `${ACCOUNT}:fileflow-copy-to-sftp`,
  queueForReview: `${ACCOUNT}:fileflow-queue-for-review`,
  logOutcome: `${ACCOUNT}:fileflow-log-outcome`,
  recordMetrics: `${ACCOUNT}:fileflow-record-metrics`,
  logNotification: `${ACCOUNT}:fileflow-log-notification`,
};
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/fileflow-prod-file-transfer-status';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:fileflow-transfers';
const RESOURCES: TransferWorkflowResources = {
  functions: FN,
  fileTransferStatusTable: { tableName: 'fileflow-prod-file-transfer-status', tableArn: TABLE_ARN },
  notificationTopicArn: TOPIC_ARN,
};
/** Every Lambda Task retries Lambda's own transient errors, with jittered back-off. */
const LAMBDA_RETRY = [
  {
    ErrorEquals: [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: 'FULL',
  },
];

describe('GIVEN the transfer workflow definition', () => {
  describe('WHEN it is rendered', () => {
    it('THEN it deep-equals the expected ASL, state by state', () => {
      expect(buildTransferDefinition(RESOURCES).toAsl()).to.deep.equal(EXPECTED_ASL);
    });

    it('THEN asl-validator accepts it, ARNs and paths included', () => {
      const { isValid, errorsText } = aslValidator(buildTransferDefinition(RESOURCES).toAsl(), {
        checkArn: true,
        checkPaths: true,
      });
      expect(isValid, errorsText()).to.equal(true);
    });
  });

  describe('WHEN its IAM is derived', () => {
    it('THEN the execution role may invoke exactly the seven functions, update the status table and publish to the topic', () => {
      expect(buildTransferDefinition(RESOURCES).policyStatements()).to.deep.equal([
        {
          actions: ['lambda:InvokeFunction'],
          resources: [
            FN.validateTransfer,
            `${FN.validateTransfer}:*`,
            FN.queueForReview,
            `${FN.queueForReview}:*`,
            FN.copyToS3,
            `${FN.copyToS3}:*`,
            FN.copyToSftp,
            `${FN.copyToSftp}:*`,
            FN.logOutcome,
            `${FN.logOutcome}:*`,
            FN.recordMetrics,
            `${FN.recordMetrics}:*`,
            FN.logNotification,
            `${FN.logNotification}:*`,
          ],
        },
        { actions: ['dynamodb:UpdateItem'], resources: [TABLE_ARN] },
        { actions: ['sns:Publish'], resources: [TOPIC_ARN] },
      ]);
    });
  });

  describe('WHEN the local runtime builds its Task handlers', () => {
    it('THEN there is exactly one per Task state, with placeholder resources the validator accepts', () => {
      const asl = buildTransferDefinition(localTransferResources()).toAsl();
      const tasks: string[] = [];
      const collect = (graph: JsonObject) => {
        for (const [name, state] of Object.entries(graph.States as Record<string, JsonObject>)) {
          if (state.Type === 'Task') tasks.push(name);
          if (state.ItemProcessor) collect(state.ItemProcessor as JsonObject);
        }
      };
      collect(asl);
      const handlers = createLocalTaskHandlers({} as PipelineDeps);
      expect(Object.keys(handlers)).to.have.members(tasks);
      expect(tasks).to.include.members([
        TransferStates.copyToS3,
        TransferStates.copyToSftp,
        TransferStates.updateRetryCount,
      ]);
      expect(aslValidator(asl, { checkArn: true, checkPaths: true }).isValid).to.equal(true);
    });
  });

  describe('WHEN a workflow’s back-off is turned into the wait schedule', () => {
    it('THEN retry n waits initial × rate^(n-1) seconds, capped at maxSeconds', () => {
      expect(
        backoffSchedule({ maxRetries: 5, backoff: { initialSeconds: 60, rate: 2, maxSeconds: 300 } }),
      ).to.deep.equal([0, 60, 120, 240, 300, 300]);
      expect(
        backoffSchedule({ maxRetries: 0, backoff: { initialSeconds: 60, rate: 2, maxSeconds: 300 } }),
      ).to.deep.equal([0]);
    });
  });
});

const EXPECTED_ASL: JsonObject = {
  Comment: 'fileflow transfer: validate, claim, copy to every target with durable retries, record, notify',
  StartAt: 'Validate Input',
  States: {
    'Validate Input': {
      Type: 'Task',
      Resource: FN.validateTransfer,
      Parameters: {
        'event.$': '$',
        'execution.$': '$$.Execution',
      },
      Retry: LAMBDA_RETRY,
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: '$.error',
          Next: 'Validation Failed',
        },
      ],
      Next: 'Route Validation',
    },
    'Route Validation': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.status',
          StringEquals: 'ACCEPTED',
          Next: 'Check Retry Count',
        },
        {
          Variable: '$.status',
          StringEquals: 'DUPLICATE',
          Next: 'Duplicate Event Ignored',
        },
      ],
      Default: 'Manual Review',
    },
    'Validation Failed': {
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    },
    'Check Retry Count': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.transfer.retryCount',
          NumericGreaterThanPath: '$.transfer.maxRetries',
          Next: 'Manual Review',
        },
      ],
      Default: 'Copy To Targets',
    },
    'Duplicate Event Ignored': {
      Type: 'Succeed',
    },
    'Manual Review': {
      Type: 'Task',
      Resource: FN.queueForReview,
      Parameters: {
        'state.$': '$',
      },
      ResultPath: '$.review',
      Retry: LAMBDA_RETRY,
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: '$.reviewError',
          Next: 'Log Failure',
        },
      ],
      Next: 'Log Failure',
    },
    'Copy To Targets': {
      Type: 'Map',
      ItemsPath: '$.transfer.targets',
      ItemSelector: {
        'file.$': '$.file',
        'source.$': '$.transfer.source',
        'claimKey.$': '$.transfer.claimKey',
        'maxRetries.$': '$.transfer.maxRetries',
        'backoffSeconds.$': '$.transfer.backoffSeconds',
        'target.$': '$$.Map.Item.Value',
      },
      MaxConcurrencyPath: '$.transfer.maxConcurrency',
      ItemProcessor: {
        ProcessorConfig: {
          Mode: 'INLINE',
        },
        StartAt: 'Route By Target Kind',
        States: {
          'Route By Target Kind': {
            Type: 'Choice',
            Choices: [
              {
                Variable: '$.target.location.type',
                StringEquals: 's3',
                Next: 'Copy To S3',
              },
              {
                Variable: '$.target.location.type',
                StringEquals: 'sftp',
                Next: 'Copy To SFTP',
              },
            ],
            Default: 'Unsupported Target Kind',
          },
          'Copy To S3': {
            Type: 'Task',
            Resource: FN.copyToS3,
            Parameters: {
              'file.$': '$.file',
              'source.$': '$.source',
              'target.$': '$.target',
            },
            Retry: LAMBDA_RETRY,
            Catch: [
              {
                ErrorEquals: ['TransientTransferError'],
                ResultPath: '$.error',
                Next: 'Update Retry Count',
              },
              {
                ErrorEquals: ['States.ALL'],
                ResultPath: '$.error',
                Next: 'Target Failed',
              },
            ],
            End: true,
          },
          'Copy To SFTP': {
            Type: 'Task',
            Resource: FN.copyToSftp,
            Parameters: {
              'file.$': '$.file',
              'source.$': '$.source',
              'target.$': '$.target',
            },
            Retry: LAMBDA_RETRY,
            Catch: [
              {
                ErrorEquals: ['TransientTransferError'],
                ResultPath: '$.error',
                Next: 'Update Retry Count',
              },
              {
                ErrorEquals: ['States.ALL'],
                ResultPath: '$.error',
                Next: 'Target Failed',
              },
            ],
            End: true,
          },
          'Unsupported Target Kind': {
            Type: 'Fail',
            Error: 'UnsupportedTargetKind',
            CausePath: '$.target.id',
          },
          'Update Retry Count': {
            Type: 'Task',
            Comment: "durable retry counter: an atomic ADD on the file version's claim",
            Resource: 'arn:aws:states:::dynamodb:updateItem',
            Parameters: {
              TableName: 'fileflow-prod-file-transfer-status',
              Key: {
                PK: {
                  'S.$': '$.claimKey.PK',
                },
                SK: {
                  'S.$': '$.claimKey.SK',
                },
              },
              UpdateExpression: 'ADD retryCount :one',
              ConditionExpression: 'attribute_exists(PK)',
              ExpressionAttributeValues: {
                ':one': {
                  N: '1',
                },
              },
              ReturnValues: 'UPDATED_NEW',
            },
            ResultSelector: {
              'count.$': 'States.StringToJson($.Attributes.retryCount.N)',
            },
            ResultPath: '$.retry',
            Retry: [
              {
                ErrorEquals: [
                  'DynamoDB.ProvisionedThroughputExceededException',
                  'DynamoDB.ThrottlingException',
                  'DynamoDB.InternalServerErrorException',
                ],
                IntervalSeconds: 1,
                MaxAttempts: 3,
                BackoffRate: 2,
              },
            ],
            Catch: [
              {
                ErrorEquals: ['States.ALL'],
                ResultPath: '$.error',
                Next: 'Target Failed',
              },
            ],
            Next: 'Retry Limit Reached?',
          },
          'Target Failed': {
            Type: 'Pass',
            Parameters: {
              'targetId.$': '$.target.id',
              status: 'FAILED',
              'error.$': '$.error.Error',
              'cause.$': '$.error.Cause',
            },
            End: true,
          },
          'Retry Limit Reached?': {
            Type: 'Choice',
            Choices: [
              {
                Variable: '$.retry.count',
                NumericGreaterThanPath: '$.maxRetries',
                Next: 'Target Failed',
              },
            ],
            Default: 'Compute Back-off',
          },
          'Compute Back-off': {
            Type: 'Pass',
            Comment: 'backoffSeconds[n] = min(initial × rate^(n-1), max), precomputed by Validate Input',
            Parameters: {
              'seconds.$': 'States.ArrayGetItem($.backoffSeconds, $.retry.count)',
            },
            ResultPath: '$.backoff',
            Next: 'Wait Before Retry',
          },
          'Wait Before Retry': {
            Type: 'Wait',
            SecondsPath: '$.backoff.seconds',
            Next: 'Route By Target Kind',
          },
        },
      },
      ResultSelector: {
        'targets.$': '$',
        'statuses.$': '$[*].status',
      },
      ResultPath: '$.copies',
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: '$.error',
          Next: 'Manual Review',
        },
      ],
      Next: 'Summarize Copies',
    },
    'Log Failure': {
      Type: 'Task',
      Resource: FN.logOutcome,
      Parameters: {
        outcome: 'FAILURE',
        'state.$': '$',
      },
      ResultPath: '$.notice',
      Retry: LAMBDA_RETRY,
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: '$.error',
          Next: 'Tracking Failed',
        },
      ],
      Next: 'Record Metrics',
    },
    'Summarize Copies': {
      Type: 'Pass',
      Parameters: {
        'anyFailed.$': "States.ArrayContains($.copies.statuses, 'FAILED')",
      },
      ResultPath: '$.copies.summary',
      Next: 'Every Target Copied?',
    },
    'Record Metrics': {
      Type: 'Task',
      Resource: FN.recordMetrics,
      Parameters: {
        'state.$': '$',
      },
      ResultPath: null,
      Retry: LAMBDA_RETRY,
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: null,
          Next: 'Should Notify?',
        },
      ],
      Next: 'Should Notify?',
    },
    'Tracking Failed': {
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    },
    'Every Target Copied?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.copies.summary.anyFailed',
          BooleanEquals: true,
          Next: 'Manual Review',
        },
      ],
      Default: 'Log Success',
    },
    'Should Notify?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.notice.notify',
          BooleanEquals: true,
          Next: 'Send Notification',
        },
      ],
      Default: 'Transfer Succeeded?',
    },
    'Log Success': {
      Type: 'Task',
      Resource: FN.logOutcome,
      Parameters: {
        outcome: 'SUCCESS',
        'state.$': '$',
      },
      ResultPath: '$.notice',
      Retry: LAMBDA_RETRY,
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: '$.error',
          Next: 'Tracking Failed',
        },
      ],
      Next: 'Record Metrics',
    },
    'Send Notification': {
      Type: 'Task',
      Comment: 'direct SNS integration: no code between the outcome and the topic',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: {
        TopicArn: TOPIC_ARN,
        'Subject.$': '$.notice.subject',
        'Message.$': '$.notice.message',
        MessageAttributes: {
          event: {
            DataType: 'String',
            'StringValue.$': '$.notice.event',
          },
          customerId: {
            DataType: 'String',
            'StringValue.$': '$.file.customerId',
          },
          workflowId: {
            DataType: 'String',
            'StringValue.$': '$.file.workflowId',
          },
        },
      },
      ResultSelector: {
        'messageId.$': '$.MessageId',
      },
      ResultPath: '$.notice.sns',
      Retry: [
        {
          ErrorEquals: ['SNS.ThrottledException', 'SNS.InternalErrorException'],
          IntervalSeconds: 2,
          MaxAttempts: 3,
        },
      ],
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: '$.notice.snsError',
          Next: 'Log Notification',
        },
      ],
      Next: 'Log Notification',
    },
    'Transfer Succeeded?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.notice.event',
          StringEquals: 'SUCCESS',
          Next: 'Transfer Complete',
        },
      ],
      Default: 'Transfer Failed',
    },
    'Log Notification': {
      Type: 'Task',
      Resource: FN.logNotification,
      Parameters: {
        'state.$': '$',
        topicArn: TOPIC_ARN,
      },
      ResultPath: null,
      Retry: LAMBDA_RETRY,
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: null,
          Next: 'Transfer Succeeded?',
        },
      ],
      Next: 'Transfer Succeeded?',
    },
    'Transfer Complete': {
      Type: 'Succeed',
    },
    'Transfer Failed': {
      Type: 'Fail',
      ErrorPath: '$.notice.reasonCode',
      CausePath: '$.notice.message',
    },
  },
};
