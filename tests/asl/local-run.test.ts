import { expect } from 'chai';
import sinon from 'sinon';
import { Chain, StateMachineDefinition, Task, TaskIntegration, runLocally, type JsonValue } from '../../asl';
import { Wait, WaitTime } from '../../asl/states/wait';
import { localExecutionArn } from '../../asl/local';

/** A one-Task machine whose Task receives the context object's execution, as Validate Input does. */
function whoAmI() {
  const task = new Task('Who Am I', {
    integration: TaskIntegration.lambdaInvoke({
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:who-am-i',
      payload: { 'execution.$': '$$.Execution' },
      payloadResponseOnly: true,
    }),
  });
  return new StateMachineDefinition(Chain.start(task)).toAsl();
}

const echo = { 'Who Am I': (input: JsonValue) => input };
type Seen = { execution: { Id: string; Name: string; StartTime: string; Input: JsonValue } };

describe('GIVEN a workflow run locally that reads $$.Execution', () => {
  it('WHEN two executions start in the same millisecond THEN each has its own name and ARN', async () => {
    const [a, b] = (await Promise.all([
      runLocally(whoAmI(), { n: 1 }, { handlers: echo }),
      runLocally(whoAmI(), { n: 1 }, { handlers: echo }),
    ])) as unknown as Seen[];

    expect(a!.execution.Name).to.not.equal(b!.execution.Name);
    expect(a!.execution.Id).to.not.equal(b!.execution.Id);
    expect(a!.execution.Id).to.equal(localExecutionArn(a!.execution.Name));
    expect(a!.execution.Input).to.deep.equal({ n: 1 });
    expect(Number.isNaN(Date.parse(a!.execution.StartTime))).to.equal(false);
  });

  it('WHEN the caller names the execution THEN the workflow sees that name and ARN', async () => {
    const arn = 'arn:aws:states:local-1:000000000000:execution:fileflow-local-transfer:pull-abc-1';
    const seen = (await runLocally(
      whoAmI(),
      {},
      { handlers: echo, execution: { name: 'pull-abc-1', arn } },
    )) as unknown as Seen;

    expect(seen.execution).to.include({ Name: 'pull-abc-1', Id: arn });
  });
});

/** Back Off (SecondsPath, as the transfer workflow's retry wait) → Copy. */
function backOffThenCopy() {
  const wait = new Wait('Back Off', { time: WaitTime.secondsPath('$.backoffSeconds') });
  const copy = new Task('Copy', {
    integration: TaskIntegration.lambdaInvoke({
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:copy',
      payloadResponseOnly: true,
    }),
  });
  return new StateMachineDefinition(Chain.start(wait).next(copy)).toAsl();
}

describe('GIVEN a workflow that backs off before it copies again', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.restore());

  it('WHEN waits are as defined THEN the copy runs only once the back-off has passed, as on AWS', async () => {
    let copies = 0;
    const run = runLocally(
      backOffThenCopy(),
      { backoffSeconds: 30 },
      { handlers: { Copy: () => ((copies += 1), {}) }, waitMs: 'as-defined' },
    );
    await clock.tickAsync(29_000);
    expect(copies, 'copies before the back-off ended').to.equal(0);
    await clock.tickAsync(1_000);
    await run;
    expect(copies).to.equal(1);
  });

  it('WHEN waits are skipped (the default) THEN the copy runs at once', async () => {
    let copies = 0;
    const run = runLocally(
      backOffThenCopy(),
      { backoffSeconds: 30 },
      { handlers: { Copy: () => ((copies += 1), {}) } },
    );
    await clock.tickAsync(0);
    await run;
    expect(copies).to.equal(1);
  });
});
