import { expect } from 'chai';
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

const invoke = TaskIntegration.lambdaInvoke({ functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:copy' });
const task = (name: string) => new Task(name, { integration: invoke });
const duplicate = (name: string) =>
  `Duplicate state name '${name}': names must be unique across the whole state machine, ` +
  'including Parallel branches and Map item processors';

describe('GIVEN the asl builder validates while a workflow is built', () => {
  describe('WHEN two states share a name', () => {
    it('THEN rendering the machine throws, naming the state', () => {
      expect(() => new StateMachineDefinition(Chain.start(new Pass('Same')).next(new Pass('Same')))).to.throw(
        duplicate('Same'),
      );
    });

    it('THEN a name reused inside a Parallel branch throws too', () => {
      const parallel = new Parallel('Fan').branch(new Pass('Notify'));
      expect(() => new StateMachineDefinition(Chain.start(parallel).next(new Pass('Notify')))).to.throw(
        duplicate('Notify'),
      );
    });

    it('THEN a name shared by two branches throws too', () => {
      const parallel = new Parallel('Fan').branch(task('Copy'), new Map('Each').itemProcessor(task('Copy')));
      expect(() => new StateMachineDefinition(parallel)).to.throw(duplicate('Copy'));
    });

    it('THEN one state object used both in the machine and in a Map processor throws too', () => {
      const copy = task('Copy');
      const map = new Map('Each').itemProcessor(copy);
      expect(() => new StateMachineDefinition(Chain.start(map).next(copy))).to.throw(duplicate('Copy'));
    });
  });

  describe('WHEN next() is called a second time on a state', () => {
    it('THEN it throws, naming the state and both successors', () => {
      const first = new Pass('First');
      first.next(new Pass('Second'));
      expect(() => first.next(new Pass('Third'))).to.throw(
        "State 'First' already continues with 'Second'; cannot also continue with 'Third'",
      );
    });
  });

  describe('WHEN a chain continues after a Succeed or a Fail', () => {
    const noOpenEnd = (next: string, after: string) =>
      `Cannot continue with '${next}' after '${after}': the chain has no open end ` +
      '(Succeed and Fail end the execution; continue after a Choice with afterwards())';

    it('THEN after Succeed it throws, naming both states', () => {
      expect(() => Chain.start(new Succeed('Done')).next(new Pass('Later'))).to.throw(noOpenEnd('Later', 'Done'));
    });

    it('THEN after Fail it throws, naming both states', () => {
      expect(() => Chain.start(new Pass('Start')).next(new Fail('Broken')).next(new Pass('Later'))).to.throw(
        noOpenEnd('Later', 'Broken'),
      );
    });

    it('THEN after a Choice whose branches all end it throws from afterwards() too', () => {
      const choice = new Choice('Route').when(Condition.isNull('$.x'), new Succeed('Done')).otherwise(new Fail('No'));
      expect(() => choice.afterwards().next(new Pass('Later'))).to.throw(noOpenEnd('Later', 'Route'));
    });
  });

  describe('WHEN States.ALL is combined with other errors', () => {
    it('THEN addRetry throws, naming the state and the other errors', () => {
      expect(() => task('Copy').addRetry({ errors: [Errors.ALL, Errors.TIMEOUT] })).to.throw(
        "State 'Copy': States.ALL must stand alone in a retrier, not with States.Timeout",
      );
    });

    it('THEN addCatch throws the same way', () => {
      expect(() => task('Copy').addCatch(new Fail('Failed'), { errors: [Errors.TASKS_FAILED, Errors.ALL] })).to.throw(
        "State 'Copy': States.ALL must stand alone in a catcher, not with States.TaskFailed",
      );
    });
  });

  describe('WHEN a retrier or catcher follows one on States.ALL', () => {
    it('THEN addRetry throws, as States.ALL must be last', () => {
      expect(() =>
        task('Copy')
          .addRetry()
          .addRetry({ errors: [Errors.TIMEOUT] }),
      ).to.throw("State 'Copy': a retrier after States.ALL can never match; States.ALL must be last");
    });

    it('THEN addCatch throws, as States.ALL must be last', () => {
      expect(() =>
        task('Copy')
          .addCatch(new Fail('A'))
          .addCatch(new Fail('B'), { errors: ['X'] }),
      ).to.throw("State 'Copy': a catcher after States.ALL can never match; States.ALL must be last");
    });
  });

  describe('WHEN a path does not start with $', () => {
    const cases: [string, () => unknown, string][] = [
      ['InputPath', () => new Pass('P', { inputPath: 'body' }), "State 'P': InputPath 'body'"],
      ['OutputPath', () => new Succeed('S', { outputPath: 'result' }), "State 'S': OutputPath 'result'"],
      ['ResultPath', () => new Task('T', { integration: invoke, resultPath: 'out' }), "State 'T': ResultPath 'out'"],
      ['ItemsPath', () => new Map('M', { itemsPath: 'files' }), "State 'M': ItemsPath 'files'"],
      ['SecondsPath', () => new Wait('W', { time: WaitTime.secondsPath('delay') }), "State 'W': SecondsPath 'delay'"],
      [
        'a nested .$ value',
        () => new Pass('P', { parameters: { file: { 'key.$': 'key' } } }),
        "State 'P': Parameters.file.key.$ 'key'",
      ],
      [
        'a Choice Variable inside Not',
        () => new Choice('C').when(Condition.not(Condition.isPresent('files')), new Succeed('S')),
        "State 'C': Choice Variable 'files'",
      ],
      [
        'a Choice *Path operand',
        () => new Choice('C').when(Condition.numberLessThanPath('$.size', 'limit'), new Succeed('S')),
        "State 'C': Choice NumericLessThanPath 'limit'",
      ],
      [
        'a Catch ResultPath',
        () => task('T').addCatch(new Fail('F'), { resultPath: 'error' }),
        "State 'T': Catch ResultPath 'error'",
      ],
      ['a Fail ErrorPath', () => new Fail('F', { errorPath: 'error' }), "State 'F': ErrorPath 'error'"],
    ];
    for (const [field, build, message] of cases) {
      it(`THEN ${field} throws, naming the state and the field`, () => {
        expect(build).to.throw(`${message} must be a JSONPath starting with '$'`);
      });
    }

    it('THEN a .$ value that is neither a path nor an intrinsic function mentions both', () => {
      expect(() => new Pass('P', { parameters: { 'id.$': 'id' } })).to.throw(
        "State 'P': Parameters.id.$ 'id' must be a JSONPath starting with '$' or an intrinsic function 'States.*'",
      );
    });

    it('THEN context paths, intrinsic functions and a null ResultPath are accepted', () => {
      expect(
        () =>
          new Task('T', {
            integration: TaskIntegration.lambdaInvoke({
              functionArn: 'arn',
              payload: { 'id.$': '$$.Execution.Id', 'key.$': "States.Format('{}.json', $.id)" },
            }),
            resultPath: null,
          }),
      ).not.to.throw();
    });
  });

  describe('WHEN a state is incomplete or contradictory', () => {
    it('THEN a Choice without when() throws when rendered', () => {
      expect(() => new StateMachineDefinition(new Choice('Route').otherwise(new Succeed('Done')))).to.throw(
        "State 'Route': a Choice needs at least one when() rule",
      );
    });

    it('THEN a Parallel without branch() throws when rendered', () => {
      expect(() => new StateMachineDefinition(new Parallel('Fan'))).to.throw(
        "State 'Fan': a Parallel needs at least one branch()",
      );
    });

    it('THEN a Map without itemProcessor() throws when rendered', () => {
      expect(() => new StateMachineDefinition(new Map('Each'))).to.throw(
        "State 'Each': a Map needs an itemProcessor()",
      );
    });

    it('THEN a second otherwise() or itemProcessor() throws', () => {
      const choice = new Choice('Route').otherwise(new Succeed('A'));
      expect(() => choice.otherwise(new Succeed('B'))).to.throw(
        "State 'Route' already has otherwise 'A'; cannot also use 'B'",
      );
      const map = new Map('Each').itemProcessor(new Pass('A'));
      expect(() => map.itemProcessor(new Pass('B'))).to.throw(
        "State 'Each' already has an item processor starting at 'A'",
      );
    });

    it('THEN mutually exclusive options throw', () => {
      expect(() => new Fail('F', { error: 'E', errorPath: '$.e' })).to.throw(
        "State 'F': set error or errorPath, not both",
      );
      expect(() => new Fail('F', { cause: 'C', causePath: '$.c' })).to.throw(
        "State 'F': set cause or causePath, not both",
      );
      expect(() => new Map('M', { maxConcurrency: 2, maxConcurrencyPath: '$.n' })).to.throw(
        "State 'M': set maxConcurrency or maxConcurrencyPath, not both",
      );
    });

    it('THEN a resource identity in parameters throws, as the IAM grant follows the typed option', () => {
      expect(() =>
        TaskIntegration.snsPublish({ topicArn: 'arn:topic', parameters: { 'TopicArn.$': '$.topic', Message: 'm' } }),
      ).to.throw('sns:publish: set TopicArn through its typed option, not in parameters');
    });
  });
});
