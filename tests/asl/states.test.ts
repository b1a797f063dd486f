import { expect } from 'chai';
import {
  Chain,
  Choice,
  Condition,
  Errors,
  Map,
  Pass,
  StateMachineDefinition,
  Succeed,
  Task,
  TaskIntegration,
  Wait,
  WaitTime,
} from '../../asl';

/** The rendered ASL of one state, as the only state of a machine. */
const render = (state: Pass | Wait | Task | Map | Choice) =>
  new StateMachineDefinition(state).toAsl().States[state.id] as Record<string, unknown>;

describe('GIVEN the individual asl states', () => {
  describe('WHEN Conditions are combined', () => {
    it('THEN they render the ASL comparison operators, Path variants and And/Or/Not', () => {
      const choice = new Choice('Route')
        .when(
          Condition.and(
            Condition.stringMatches('$.key', '*.csv'),
            Condition.numberGreaterThanEquals('$.size', 1),
            Condition.or(Condition.booleanEquals('$.urgent', true), Condition.isNull('$.deadline')),
          ),
          new Succeed('Now'),
        )
        .when(Condition.timestampLessThanPath('$.deadline', '$$.Execution.StartTime'), new Succeed('Late'));
      expect(render(choice).Choices).to.deep.equal([
        {
          And: [
            { Variable: '$.key', StringMatches: '*.csv' },
            { Variable: '$.size', NumericGreaterThanEquals: 1 },
            {
              Or: [
                { Variable: '$.urgent', BooleanEquals: true },
                { Variable: '$.deadline', IsNull: true },
              ],
            },
          ],
          Next: 'Now',
        },
        { Variable: '$.deadline', TimestampLessThanPath: '$$.Execution.StartTime', Next: 'Late' },
      ]);
    });
  });

  describe('WHEN a Choice continues with afterwards()', () => {
    it('THEN every open branch converges on the next state, and ended branches stay ended', () => {
      const choice = new Choice('Route')
        .when(Condition.stringEquals('$.mode', 'fast'), new Pass('Fast'))
        .when(Condition.stringEquals('$.mode', 'none'), new Succeed('Skip'))
        .otherwise(new Pass('Slow'));
      const states = new StateMachineDefinition(choice.afterwards().next(new Succeed('Done'))).toAsl().States;
      expect(states.Fast).to.deep.equal({ Type: 'Pass', Next: 'Done' });
      expect(states.Slow).to.deep.equal({ Type: 'Pass', Next: 'Done' });
      expect(states.Skip).to.deep.equal({ Type: 'Succeed' });
    });
  });

  describe('WHEN a Wait is given each kind of time', () => {
    it('THEN it renders Seconds, SecondsPath, Timestamp or TimestampPath', () => {
      expect(render(new Wait('A', { time: WaitTime.seconds(30) }))).to.deep.equal({
        Type: 'Wait',
        Seconds: 30,
        End: true,
      });
      expect(render(new Wait('B', { time: WaitTime.secondsPath('$.delay') }))).to.include({ SecondsPath: '$.delay' });
      expect(render(new Wait('C', { time: WaitTime.timestamp('2030-01-01T00:00:00Z') }))).to.include({
        Timestamp: '2030-01-01T00:00:00Z',
      });
      expect(render(new Wait('D', { time: WaitTime.timestampPath('$.at') }))).to.include({ TimestampPath: '$.at' });
    });
  });

  describe('WHEN a Pass has a fixed result', () => {
    it('THEN it renders Result, ResultPath and the I/O paths', () => {
      expect(
        render(
          new Pass('Defaults', {
            inputPath: '$.request',
            result: { retries: 3 },
            resultPath: '$.config',
            outputPath: '$',
          }),
        ),
      ).to.deep.equal({
        Type: 'Pass',
        InputPath: '$.request',
        Result: { retries: 3 },
        ResultPath: '$.config',
        OutputPath: '$',
        End: true,
      });
    });
  });

  describe('WHEN a Lambda Task is invoked in each style', () => {
    const functionArn = '${aws_lambda_function.copy.arn}';

    it('THEN payloadResponseOnly calls the function ARN directly with the payload as Parameters', () => {
      const task = new Task('Copy', {
        integration: TaskIntegration.lambdaInvoke({
          functionArn,
          payload: { 'file.$': '$.key' },
          payloadResponseOnly: true,
        }),
        timeoutSeconds: 900,
      });
      expect(render(task)).to.deep.equal({
        Type: 'Task',
        Resource: functionArn,
        Parameters: { 'file.$': '$.key' },
        TimeoutSeconds: 900,
        End: true,
      });
    });

    it('THEN lambda:invoke wraps an explicit payload under Payload', () => {
      const task = new Task('Copy', {
        integration: TaskIntegration.lambdaInvoke({ functionArn, payload: { mode: 'copy' } }),
      });
      expect(render(task)).to.include({ Resource: 'arn:aws:states:::lambda:invoke' });
      expect(render(task).Parameters).to.deep.equal({ FunctionName: functionArn, Payload: { mode: 'copy' } });
    });
  });

  describe('WHEN a Task uses another integration', () => {
    it('THEN sqs:sendMessage puts the queue URL first', () => {
      const task = new Task('Enqueue', {
        integration: TaskIntegration.sqsSendMessage({
          queue: { queueUrl: 'https://sqs/q', queueArn: 'arn:q' },
          parameters: { 'MessageBody.$': '$' },
        }),
      });
      expect(render(task)).to.deep.include({
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: 'https://sqs/q', 'MessageBody.$': '$' },
      });
    });

    it('THEN awsSdk renders the SDK resource ARN and carries the caller’s IAM', () => {
      const integration = TaskIntegration.awsSdk({
        service: 's3',
        action: 'copyObject',
        parameters: { Bucket: 'b', 'CopySource.$': '$.source', 'Key.$': '$.key' },
        policyStatements: [{ actions: ['s3:GetObject', 's3:PutObject'], resources: ['arn:aws:s3:::b/*'] }],
      });
      expect(render(new Task('Copy', { integration }))).to.include({
        Resource: 'arn:aws:states:::aws-sdk:s3:copyObject',
      });
      expect(new StateMachineDefinition(new Task('Copy', { integration })).policyStatements()).to.deep.equal([
        { actions: ['s3:GetObject', 's3:PutObject'], resources: ['arn:aws:s3:::b/*'] },
      ]);
    });
  });

  describe('WHEN retriers and catchers use their defaults', () => {
    it('THEN they match States.ALL and render only the fields that were set', () => {
      const task = new Task('Copy', { integration: TaskIntegration.lambdaInvoke({ functionArn: 'arn' }) })
        .addRetry({ errors: [Errors.LAMBDA_SDK_CLIENT_EXCEPTION], maxAttempts: 0 })
        .addRetry()
        .addCatch(new Succeed('Ignore'));
      const rendered = render(task);
      expect(rendered.Retry).to.deep.equal([
        { ErrorEquals: ['Lambda.SdkClientException'], MaxAttempts: 0 },
        { ErrorEquals: ['States.ALL'] },
      ]);
      expect(rendered.Catch).to.deep.equal([{ ErrorEquals: ['States.ALL'], Next: 'Ignore' }]);
    });
  });

  describe('WHEN a Map reads its concurrency from the input', () => {
    it('THEN it renders MaxConcurrencyPath and an INLINE item processor', () => {
      const map = new Map('Each', { maxConcurrencyPath: '$.parallelism', resultPath: null }).itemProcessor(
        Chain.start(new Pass('Touch')).next(new Succeed('Touched')),
      );
      expect(render(map)).to.deep.equal({
        Type: 'Map',
        MaxConcurrencyPath: '$.parallelism',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Touch',
          States: { Touch: { Type: 'Pass', Next: 'Touched' }, Touched: { Type: 'Succeed' } },
        },
        ResultPath: null,
        End: true,
      });
    });
  });

  describe('WHEN states change after the definition was rendered', () => {
    it('THEN the definition keeps the snapshot it rendered', () => {
      const start = new Pass('Start');
      const definition = new StateMachineDefinition(start);
      start.next(new Succeed('Later'));
      expect(definition.toAsl().States).to.deep.equal({ Start: { Type: 'Pass', End: true } });
    });
  });
});
