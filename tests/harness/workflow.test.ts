import aslValidator from 'asl-validator';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally, type JsonObject, type JsonValue, type LocalHandler } from '../../asl';
import {
  buildHarnessDefinition,
  createLocalHarnessHandlers,
  localHarnessResources,
  type HarnessFunctionArns,
} from '../../asl/workflows/harness';
import { HARNESS_STEPS } from '../../functions/core/harness/steps';
import type { RecordedRun } from '../../functions/core/harness/record';
import { CONFIG_BUCKET, LANDING_BUCKET, PARTNER_BUCKET, flowConfig, s3, useHarnessWorld } from './support';

const functionArns = Object.fromEntries(
  Object.keys(HARNESS_STEPS).map((name) => [
    name,
    `arn:aws:lambda:eu-west-1:123456789012:function:fileflow-harness-${name}`,
  ]),
) as unknown as HarnessFunctionArns;
const resources = {
  functionArns,
  configBucket: 'fileflow-tests-dev',
  alertTopicArn: 'arn:aws:sns:eu-west-1:123456789012:fileflow-harness-alerts',
  maxConcurrency: 3,
};
/** The reviewed rendering of the harness workflow, kept beside this spec. */
const EXPECTED_ASL = JSON.parse(readFileSync(join(__dirname, 'harness.asl.json'), 'utf8')) as JsonObject;

const perFlowStates = (asl: JsonObject) =>
  ((asl.States as Record<string, JsonObject>).TestFlows!.ItemProcessor as JsonObject).States as Record<
    string,
    JsonObject
  >;

describe('GIVEN the harness workflow built with the asl builder', () => {
  describe('WHEN it is rendered', () => {
    const asl = buildHarnessDefinition(resources).toAsl();

    it('THEN it deep-equals the reviewed ASL', () => {
      expect(asl).to.deep.equal(EXPECTED_ASL);
    });

    it('THEN asl-validator accepts it, ARNs and paths included', () => {
      // asl-validator 4 writes `QueryLanguage` into the states it checks: give it a copy.
      const { isValid, errorsText } = aslValidator(structuredClone(asl), { checkArn: true, checkPaths: true });
      expect(isValid, errorsText()).to.equal(true);
    });

    it('THEN the Map runs at most maxConcurrency flows at once', () => {
      expect((asl.States as Record<string, JsonObject>).TestFlows).to.include({
        MaxConcurrency: 3,
        ItemsPath: '$.runs',
      });
    });

    it('THEN polling is a Task that looks once, a Choice on the deadline and a Wait that loops back', () => {
      const states = perFlowStates(asl);
      expect(states.PollTarget!.Next).to.equal('ArrivedYet');
      expect(states.BackOff).to.deep.equal({
        Type: 'Wait',
        Comment: 'exponential back-off, capped at the deadline',
        SecondsPath: '$.poll.next_wait_seconds',
        Next: 'PollTarget',
      });
      expect(states.ArrivedYet!.Choices).to.deep.include({
        Variable: '$.poll.checked_at',
        TimestampGreaterThanEqualsPath: '$.transfer.deadline',
        Next: 'ArrivalTimedOut',
      });
    });

    it('THEN every step of a flow is caught into a state that names it and goes on to RecordResults', () => {
      const states = perFlowStates(asl);
      for (const step of ['Preflight', 'GenerateTestData', 'SeedSource', 'InvokeTransfer', 'PollTarget', 'Validate']) {
        expect(states[step]!.Catch, step).to.deep.equal([
          { ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: `${step}Failed` },
        ]);
        expect(states[`${step}Failed`]).to.include({ Next: 'RecordResults', ResultPath: '$.failure' });
        expect((states[`${step}Failed`]!.Parameters as JsonObject).step).to.equal(step);
      }
    });

    it('THEN the execution role may invoke exactly the ten harness functions', () => {
      const resourcesGranted = buildHarnessDefinition(resources)
        .policyStatements()
        .flatMap((statement) => statement.resources);
      expect(resourcesGranted).to.have.members(Object.values(functionArns).flatMap((arn) => [arn, `${arn}:*`]));
    });
  });

  describe('WHEN a flow whose file never arrives runs locally', function () {
    this.timeout(30_000);
    const world = useHarnessWorld();
    let result: RecordedRun;
    let polls = 0;

    before(async () => {
      await world.pushFlow(
        flowConfig('s3-lost', s3(LANDING_BUCKET, 'lost/'), s3(PARTNER_BUCKET, 'lost/'), {
          validation: { expect_within_seconds: 120 },
        }),
      );
      // The stand-in pipeline loses the file on cue (the real runtime delivers, see end-to-end.test.ts),
      // so only the deadline can end the polling.
      world.pipeline.delivery.set('s3-lost', 'lose');
      // A clock that moves 5 s per reading, so the 120 s deadline passes in a few polls.
      let now = Date.now();
      const handlers: Record<string, LocalHandler> = createLocalHarnessHandlers(
        world.deps({ now: () => new Date((now += 5000)) }),
      );
      const poll = handlers.PollTarget!;
      handlers.PollTarget = (input: JsonValue) => ((polls += 1), poll(input));
      const output = (await runLocally(
        buildHarnessDefinition(localHarnessResources(CONFIG_BUCKET)).toAsl(),
        {},
        { handlers },
      )) as unknown as {
        results: RecordedRun[];
      };
      result = output.results[0]!;
    });

    it('THEN the PollTarget/BackOff loop polls several times and then records TIMEOUT at PollTarget', () => {
      expect(polls).to.be.greaterThan(2);
      expect(result).to.include({
        outcome: 'FAILURE',
        reason: 'TIMEOUT',
        failed_step: 'PollTarget',
        outcome_matches_expectation: false,
      });
    });

    it('THEN Cleanup still removes the seeded file (delete_after defaults to true)', () => {
      expect(result).to.have.nested.property('cleanup.deleted').that.is.greaterThan(0);
    });
  });
});
