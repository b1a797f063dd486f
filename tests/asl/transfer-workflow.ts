import {
  Chain,
  Choice,
  Condition,
  Errors,
  Fail,
  Map,
  Parallel,
  Pass,
  StateMachineDefinition,
  Succeed,
  Task,
  TaskIntegration,
  Wait,
  WaitTime,
} from '../../asl';

/** ARNs of the resources the test workflow touches; real-looking so asl-validator's ARN check applies. */
export const ARNS = {
  copyFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:fileflow-copy',
  transfersTable: 'arn:aws:dynamodb:eu-west-1:123456789012:table/fileflow-transfers',
  alertsTopic: 'arn:aws:sns:eu-west-1:123456789012:fileflow-alerts',
  reportsBucket: 'arn:aws:s3:::fileflow-reports',
} as const;

/**
 * A representative transfer workflow using every state type:
 * normalise the request, route on it, copy the files (Map inside a Parallel,
 * beside a DynamoDB update), write a report to S3, and on failure publish
 * an alert and fail.
 */
export function buildTransferWorkflow(): StateMachineDefinition {
  const transfers = { tableName: 'fileflow-transfers', tableArn: ARNS.transfersTable };

  const normalise = new Pass('Normalise', {
    parameters: { 'transferId.$': '$.transferId', 'target.$': '$.target', 'files.$': '$.files' },
  });
  const nothingToDo = new Succeed('NothingToDo', { comment: 'an empty batch is not an error' });
  const unsupported = new Fail('UnsupportedTarget', {
    error: 'UnsupportedTarget',
    causePath: '$.target',
  });
  const settle = new Wait('Settle', { comment: 'let the uploader close the files', time: WaitTime.seconds(5) });

  const copyFile = new Task('CopyFile', {
    integration: TaskIntegration.lambdaInvoke({ functionArn: ARNS.copyFunction }),
    resultSelector: { 'file.$': '$.Payload.file', 'bytes.$': '$.Payload.bytes' },
  }).addRetry({
    errors: [Errors.LAMBDA_SERVICE_EXCEPTION, Errors.LAMBDA_TOO_MANY_REQUESTS],
    interval: 2,
    maxAttempts: 3,
    backoffRate: 2,
    maxDelay: 10,
    jitter: 'FULL',
  });
  const copyFiles = new Map('CopyFiles', {
    itemsPath: '$.files',
    itemSelector: { 'transferId.$': '$.transferId', 'file.$': '$$.Map.Item.Value' },
    maxConcurrency: 4,
  }).itemProcessor(copyFile);
  const markCopying = new Task('MarkCopying', {
    integration: TaskIntegration.dynamoUpdateItem({
      table: transfers,
      parameters: {
        Key: { transferId: { 'S.$': '$.transferId' } },
        UpdateExpression: 'SET #status = :copying',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':copying': { S: 'COPYING' } },
      },
    }),
    resultPath: null,
  });
  const transfer = new Parallel('Transfer', {
    resultSelector: { 'copied.$': '$[0]' },
    resultPath: '$.result',
  })
    .branch(copyFiles, markCopying)
    .addCatch(
      Chain.start(
        new Task('Alert', {
          integration: TaskIntegration.snsPublish({
            topicArn: ARNS.alertsTopic,
            parameters: { Subject: 'fileflow transfer failed', 'Message.$': '$.error.Cause' },
          }),
          resultPath: null,
        }),
      ).next(new Fail('TransferFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' })),
      { errors: [Errors.ALL], resultPath: '$.error' },
    );

  const writeReport = new Task('WriteReport', {
    integration: TaskIntegration.s3PutObject({
      bucket: { bucketName: 'fileflow-reports', bucketArn: ARNS.reportsBucket },
      keyPrefix: 'reports/',
      parameters: {
        'Key.$': "States.Format('reports/{}.json', $.transferId)",
        'Body.$': 'States.JsonToString($.result)',
      },
    }),
    resultPath: null,
    outputPath: '$.result',
  });

  const route = new Choice('Route')
    .when(Condition.not(Condition.isPresent('$.files[0]')), nothingToDo)
    .when(Condition.stringEquals('$.target', 'sftp'), settle)
    .otherwise(unsupported);

  return new StateMachineDefinition(
    Chain.start(normalise).next(route.afterwards()).next(transfer).next(writeReport).next(new Succeed('Done')),
    { comment: 'Copy a batch of files to its target', timeoutSeconds: 3600 },
  );
}
