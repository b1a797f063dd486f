import aslValidator from 'asl-validator';
import { expect } from 'chai';
import { JsonObject, JsonValue, runLocally } from '../../asl';
import { ARNS, buildTransferWorkflow } from './transfer-workflow';

/** Stands in for the copy Lambda behind `lambda:invoke`: unwraps `Payload`, wraps the result like Lambda does. */
function copyHandler(copy: (file: string) => number) {
  return (input: JsonValue) => {
    const { file } = (input as { Payload: { file: string } }).Payload;
    return { StatusCode: 200, Payload: { file, bytes: copy(file) } };
  };
}

/** Handlers for the Tasks that are not under test; they record what they were given. */
function quietHandlers(calls: JsonValue[] = []) {
  return {
    MarkCopying: (input: JsonValue) => (calls.push(input), {}),
    WriteReport: (input: JsonValue) => (calls.push(input), { ETag: '"1"' }),
    Alert: (input: JsonValue) => (calls.push(input), { MessageId: 'm-1' }),
  };
}

/** Resolves to the error an execution fails with; fails the test if it succeeds. */
function failureOf(run: Promise<JsonValue>): Promise<Error & { cause?: { name: string; message: string } }> {
  return run.then(
    () => expect.fail('the execution should fail'),
    (error: Error & { cause?: { name: string; message: string } }) => error,
  );
}

/** Names an error like Lambda's SDK errors, which Retry and Catch match on. */
function namedError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

const batch = { transferId: 't-1', target: 'sftp', files: ['a.csv', 'b.csv'] };
const sizes: Record<string, number> = { 'a.csv': 10, 'b.csv': 20 };

describe('GIVEN the transfer workflow built with the asl builder', () => {
  describe('WHEN it is rendered', () => {
    it('THEN it deep-equals the full expected ASL', () => {
      expect(buildTransferWorkflow().toAsl()).to.deep.equal(EXPECTED_ASL);
    });

    it('THEN toJson() is the same ASL as text', () => {
      expect(JSON.parse(buildTransferWorkflow().toJson())).to.deep.equal(EXPECTED_ASL);
    });

    it('THEN asl-validator accepts it, ARNs and paths included', () => {
      const { isValid, errorsText } = aslValidator(buildTransferWorkflow().toAsl(), {
        checkArn: true,
        checkPaths: true,
      });
      expect(isValid, errorsText()).to.equal(true);
    });
  });

  describe('WHEN a batch of files runs locally', () => {
    it('THEN every file is copied, the report is written and the output lists the copies', async () => {
      const calls: JsonValue[] = [];
      const output = await runLocally(buildTransferWorkflow().toAsl(), batch, {
        handlers: { CopyFile: copyHandler((file) => sizes[file]), ...quietHandlers(calls) },
      });

      const copied = [
        { file: 'a.csv', bytes: 10 },
        { file: 'b.csv', bytes: 20 },
      ];
      expect(output).to.deep.equal({ copied });
      expect(calls).to.deep.include.members([
        {
          TableName: 'fileflow-transfers',
          Key: { transferId: { S: 't-1' } },
          UpdateExpression: 'SET #status = :copying',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':copying': { S: 'COPYING' } },
        },
        { Bucket: 'fileflow-reports', Key: 'reports/t-1.json', Body: JSON.stringify({ copied }) },
      ]);
    });
  });

  describe('WHEN the copy Lambda is throttled once', () => {
    it('THEN Retry runs it again and the transfer still succeeds', async () => {
      const attempts: string[] = [];
      const output = await runLocally(buildTransferWorkflow().toAsl(), batch, {
        handlers: {
          ...quietHandlers(),
          CopyFile: copyHandler((file) => {
            attempts.push(file);
            if (file === 'a.csv' && attempts.filter((f) => f === file).length === 1) {
              throw namedError('Lambda.TooManyRequestsException', 'Rate exceeded');
            }
            return sizes[file];
          }),
        },
      });

      expect(attempts.filter((f) => f === 'a.csv')).to.have.length(2);
      expect(output).to.deep.equal({
        copied: [
          { file: 'a.csv', bytes: 10 },
          { file: 'b.csv', bytes: 20 },
        ],
      });
    });
  });

  describe('WHEN the copy Lambda stays throttled past MaxAttempts', () => {
    it('THEN it was tried 1 + 3 times before the failure was caught', async () => {
      let attempts = 0;
      const run = runLocally(
        buildTransferWorkflow().toAsl(),
        { ...batch, files: ['a.csv'] },
        {
          handlers: {
            ...quietHandlers(),
            CopyFile: copyHandler(() => {
              attempts += 1;
              throw namedError('Lambda.TooManyRequestsException', 'Rate exceeded');
            }),
          },
        },
      );

      const failure = await failureOf(run);
      expect(attempts).to.equal(4);
      expect(failure.cause).to.include({ name: 'Lambda.TooManyRequestsException' });
    });
  });

  describe('WHEN a copy fails with a non-transient error', () => {
    it('THEN Catch routes it to the alert and the execution fails with that error', async () => {
      const calls: JsonValue[] = [];
      let attempts = 0;
      const failure = await failureOf(
        runLocally(
          buildTransferWorkflow().toAsl(),
          { ...batch, files: ['a.csv'] },
          {
            handlers: {
              ...quietHandlers(calls),
              CopyFile: copyHandler(() => {
                attempts += 1;
                throw namedError('ChecksumMismatchError', 'a.csv: sha256 differs');
              }),
            },
          },
        ),
      );

      expect(attempts, 'only Lambda transient errors are retried').to.equal(1);
      expect(calls).to.deep.include({
        TopicArn: ARNS.alertsTopic,
        Subject: 'fileflow transfer failed',
        Message: 'a.csv: sha256 differs',
      });
      expect(failure.cause).to.include({ name: 'ChecksumMismatchError', message: 'a.csv: sha256 differs' });
    });
  });

  describe('WHEN the batch is empty', () => {
    it('THEN the Choice ends it successfully without copying', async () => {
      const output = await runLocally(
        buildTransferWorkflow().toAsl(),
        { ...batch, files: [] },
        {
          handlers: { CopyFile: () => expect.fail('nothing to copy'), ...quietHandlers() },
        },
      );
      expect(output).to.deep.equal({ transferId: 't-1', target: 'sftp', files: [] });
    });
  });

  describe('WHEN the target has no route', () => {
    it('THEN the Choice default fails the execution with UnsupportedTarget', async () => {
      const failure = await failureOf(
        runLocally(
          buildTransferWorkflow().toAsl(),
          { ...batch, target: 'ftp' },
          {
            handlers: { CopyFile: () => expect.fail('nothing to copy'), ...quietHandlers() },
          },
        ),
      );
      expect(failure.cause).to.include({ name: 'UnsupportedTarget', message: 'ftp' });
    });
  });

  describe('WHEN handlers do not match the Task states', () => {
    it('THEN runLocally refuses to start, naming the missing and the unknown ones', async () => {
      const run = runLocally(buildTransferWorkflow().toAsl(), batch, {
        handlers: { CopyFiel: () => ({}), ...quietHandlers() },
      });
      const error = await failureOf(run);
      expect(error.message).to.equal(
        'runLocally: handlers must match the Task states exactly (missing: CopyFile; not a Task: CopyFiel)',
      );
    });
  });
});

const EXPECTED_ASL: JsonObject = {
  Comment: 'Copy a batch of files to its target',
  StartAt: 'Normalise',
  TimeoutSeconds: 3600,
  States: {
    Normalise: {
      Type: 'Pass',
      Parameters: { 'transferId.$': '$.transferId', 'target.$': '$.target', 'files.$': '$.files' },
      Next: 'Route',
    },
    Route: {
      Type: 'Choice',
      Choices: [
        { Not: { Variable: '$.files[0]', IsPresent: true }, Next: 'NothingToDo' },
        { Variable: '$.target', StringEquals: 'sftp', Next: 'Settle' },
      ],
      Default: 'UnsupportedTarget',
    },
    NothingToDo: { Type: 'Succeed', Comment: 'an empty batch is not an error' },
    UnsupportedTarget: {
      Type: 'Fail',
      Error: 'UnsupportedTarget',
      CausePath: '$.target',
    },
    Settle: { Type: 'Wait', Comment: 'let the uploader close the files', Seconds: 5, Next: 'Transfer' },
    Transfer: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'CopyFiles',
          States: {
            CopyFiles: {
              Type: 'Map',
              ItemsPath: '$.files',
              ItemSelector: { 'transferId.$': '$.transferId', 'file.$': '$$.Map.Item.Value' },
              MaxConcurrency: 4,
              ItemProcessor: {
                ProcessorConfig: { Mode: 'INLINE' },
                StartAt: 'CopyFile',
                States: {
                  CopyFile: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::lambda:invoke',
                    Parameters: { FunctionName: ARNS.copyFunction, 'Payload.$': '$' },
                    ResultSelector: { 'file.$': '$.Payload.file', 'bytes.$': '$.Payload.bytes' },
                    Retry: [
                      {
                        ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'],
                        IntervalSeconds: 2,
                        MaxAttempts: 3,
                        BackoffRate: 2,
                        MaxDelaySeconds: 10,
                        JitterStrategy: 'FULL',
                      },
                    ],
                    End: true,
                  },
                },
              },
              End: true,
            },
          },
        },
        {
          StartAt: 'MarkCopying',
          States: {
            MarkCopying: {
              Type: 'Task',
              Resource: 'arn:aws:states:::dynamodb:updateItem',
              Parameters: {
                TableName: 'fileflow-transfers',
                Key: { transferId: { 'S.$': '$.transferId' } },
                UpdateExpression: 'SET #status = :copying',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':copying': { S: 'COPYING' } },
              },
              ResultPath: null,
              End: true,
            },
          },
        },
      ],
      ResultSelector: { 'copied.$': '$[0]' },
      ResultPath: '$.result',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Alert' }],
      Next: 'WriteReport',
    },
    WriteReport: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
      Parameters: {
        Bucket: 'fileflow-reports',
        'Key.$': "States.Format('reports/{}.json', $.transferId)",
        'Body.$': 'States.JsonToString($.result)',
      },
      ResultPath: null,
      OutputPath: '$.result',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    Alert: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: { TopicArn: ARNS.alertsTopic, Subject: 'fileflow transfer failed', 'Message.$': '$.error.Cause' },
      ResultPath: null,
      Next: 'TransferFailed',
    },
    TransferFailed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  },
};
