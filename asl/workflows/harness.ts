/**
 * The daily flow-test harness as a Step Functions workflow:
 *
 *   ListEnabledTests → Map(flows, MaxConcurrency) {
 *     config invalid? → RecordResults
 *     Preflight → GenerateTestData → SeedSource → InvokeTransfer
 *       → StartPolling → PollTarget ⟲ BackOff (Wait, SecondsPath) until arrived or deadline
 *       → PostArrivalWait → Validate → RecordResults → Cleanup (when delete_after) → FlowDone
 *     any step failing → <Step>Failed (records the step) → RecordResults
 *   } → AlertOnFailures (one aggregated alert) → Summarize
 *
 * Only pointers, sizes and digests travel between states; the bytes stay in S3 and SFTP.
 */
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
} from '..';
import type { JsonValue, LocalHandler, PayloadTemplate } from '..';
import type { HarnessDeps } from '../../functions/core/harness/deps';
import { HARNESS_STEPS, runHarnessStep, type HarnessStepName } from '../../functions/core/harness/steps';

/** The Lambda function ARN behind each Task state (opaque strings; Terraform tokens at synth). */
export type HarnessFunctionArns = Readonly<Record<HarnessStepName, string>>;

/** What the harness workflow is built against. */
export interface HarnessResources {
  readonly functionArns: HarnessFunctionArns;
  /** The config bucket (`config/`, `staging/`, `results/`); recorded in the definition's comment only, the functions get it by environment. */
  readonly configBucket: string;
  /** The topic of the aggregated alert; the AlertOnFailures function publishes to it. */
  readonly alertTopicArn: string;
  /** Flows tested at once, per environment (sources and targets are shared, so keep it modest). @default 4 */
  readonly maxConcurrency?: number;
}

/** Transient errors worth a retry: Lambda's own, and the copy engine's transient classes. */
const TRANSIENT_ERRORS = [
  Errors.LAMBDA_SERVICE_EXCEPTION,
  Errors.LAMBDA_AWS_LAMBDA_EXCEPTION,
  Errors.LAMBDA_SDK_CLIENT_EXCEPTION,
  Errors.LAMBDA_TOO_MANY_REQUESTS,
  'ConnectionLostError',
  'ThrottledError',
  'ServerError',
];

/** A Lambda Task whose result is the function's return value, given exactly `payload`. */
function lambdaTask(
  name: HarnessStepName,
  resources: HarnessResources,
  props: { payload?: PayloadTemplate; resultPath?: string; timeoutSeconds?: number },
): Task {
  return new Task(name, {
    integration: TaskIntegration.lambdaInvoke({
      functionArn: resources.functionArns[name],
      payload: props.payload,
      payloadResponseOnly: true,
    }),
    resultPath: props.resultPath,
    timeoutSeconds: props.timeoutSeconds ?? 900,
  }).addRetry({ errors: TRANSIENT_ERRORS, interval: 2, maxAttempts: 3, backoffRate: 2, jitter: 'FULL' });
}

/** Catches every error of `task` into a `<name>Failed` Pass that names the step, then continues at `recordResults`. */
function recordFailureOf(task: Task, recordResults: Task): Task {
  const failed = new Pass(`${task.id}Failed`, {
    parameters: { step: task.id, 'Error.$': '$.caught.Error', 'Cause.$': '$.caught.Cause' },
    resultPath: '$.failure',
  });
  failed.next(recordResults);
  return task.addCatch(failed, { errors: [Errors.ALL], resultPath: '$.caught' });
}

/** Builds the harness workflow. */
export function buildHarnessDefinition(resources: HarnessResources): StateMachineDefinition {
  const item = { 'item.$': '$.item' };

  const listEnabledTests = lambdaTask('ListEnabledTests', resources, { timeoutSeconds: 300 });

  const recordResults = lambdaTask('RecordResults', resources, { resultPath: '$.record', timeoutSeconds: 300 });
  const recordingFailed = new Pass('RecordResultsFailed', {
    comment: 'results could not be written: the flow still counts as failed and reaches the alert',
    parameters: {
      'flow_id.$': '$.item.flow_id',
      'run_id.$': '$.item.run_id',
      outcome: 'FAILURE',
      reason: 'UNKNOWN',
      failed_step: 'RecordResults',
      outcome_matches_expectation: false,
      result_key: 'none',
      delete_after: true,
      alert_on_failure: true,
      'error.$': '$.caught.Error',
    },
    resultPath: '$.record',
  });
  recordResults.addCatch(recordingFailed, { errors: [Errors.ALL], resultPath: '$.caught' });

  const preflight = recordFailureOf(
    lambdaTask('Preflight', resources, { payload: item, resultPath: '$.preflight' }),
    recordResults,
  );
  const generate = recordFailureOf(
    lambdaTask('GenerateTestData', resources, { payload: item, resultPath: '$.testdata' }),
    recordResults,
  );
  const seed = recordFailureOf(
    lambdaTask('SeedSource', resources, {
      payload: { ...item, 'files.$': '$.testdata.files' },
      resultPath: '$.seeded',
    }),
    recordResults,
  );
  const invoke = recordFailureOf(
    lambdaTask('InvokeTransfer', resources, {
      payload: { ...item, 'seeded_at.$': '$.seeded.seeded_at' },
      resultPath: '$.transfer',
    }),
    recordResults,
  );
  const startPolling = new Pass('StartPolling', { result: { attempt: 0, arrivals: [] }, resultPath: '$.poll' });
  const poll = recordFailureOf(
    lambdaTask('PollTarget', resources, {
      payload: { ...item, 'files.$': '$.testdata.files', 'transfer.$': '$.transfer', 'poll.$': '$.poll' },
      resultPath: '$.poll',
    }),
    recordResults,
  );
  const backOff = new Wait('BackOff', {
    comment: 'exponential back-off, capped at the deadline',
    time: WaitTime.secondsPath('$.poll.next_wait_seconds'),
  });
  const timedOut = new Pass('ArrivalTimedOut', {
    parameters: {
      step: 'PollTarget',
      Error: 'TIMEOUT',
      'Cause.$': "States.Format('the file did not arrive at every target by {} (SLO deadline)', $.transfer.deadline)",
    },
    resultPath: '$.failure',
  });
  const postArrivalWait = new Wait('PostArrivalWait', {
    comment: 'SFTP servers may list a file before its writer is done',
    time: WaitTime.secondsPath('$.poll.post_arrival_wait_seconds'),
  });
  const validate = recordFailureOf(
    lambdaTask('Validate', resources, {
      payload: { ...item, 'files.$': '$.testdata.files', 'transfer.$': '$.transfer', 'arrivals.$': '$.poll.arrivals' },
      resultPath: '$.validation',
    }),
    recordResults,
  );
  const cleanup = lambdaTask('Cleanup', resources, { payload: item, resultPath: '$.record.cleanup' });
  const flowDone = new Pass('FlowDone', { inputPath: '$.record' });
  const cleanupFailed = new Pass('CleanupFailed', {
    comment: 'leftovers expire with the staging lifecycle rule; the verdict stands',
    parameters: { 'error.$': '$.caught.Error' },
    resultPath: '$.record.cleanup',
  });
  cleanup.addCatch(cleanupFailed, { errors: [Errors.ALL], resultPath: '$.caught' });
  cleanupFailed.next(flowDone);
  cleanup.next(flowDone);
  recordingFailed.next(flowDone);

  recordResults.next(
    new Choice('CleanupWanted')
      .when(Condition.booleanEquals('$.record.delete_after', true), cleanup)
      .otherwise(flowDone),
  );
  poll.next(
    new Choice('ArrivedYet')
      .when(Condition.booleanEquals('$.poll.all_arrived', true), postArrivalWait)
      .when(Condition.timestampGreaterThanEqualsPath('$.poll.checked_at', '$.transfer.deadline'), timedOut)
      .otherwise(backOff),
  );
  backOff.next(poll);
  timedOut.next(recordResults);
  postArrivalWait.next(validate).next(recordResults);

  const configInvalid = new Pass('ConfigInvalid', {
    parameters: { step: 'ListEnabledTests', Error: 'CONFIG_INVALID', 'Cause.$': '$.item.config_error' },
    resultPath: '$.failure',
  });
  configInvalid.next(recordResults);
  const perFlow = new Choice('ConfigUsable')
    .when(Condition.isPresent('$.item.config_error'), configInvalid)
    .otherwise(preflight);
  preflight.next(generate).next(seed).next(invoke).next(startPolling).next(poll);

  const testFlows = new Map('TestFlows', {
    itemsPath: '$.runs',
    itemSelector: { 'item.$': '$$.Map.Item.Value' },
    maxConcurrency: resources.maxConcurrency ?? 4,
    resultPath: '$.results',
  }).itemProcessor(perFlow);

  const alert = lambdaTask('AlertOnFailures', resources, {
    payload: { 'batch_id.$': '$.batch_id', 'date.$': '$.date', 'results.$': '$.results' },
    resultPath: '$.alert',
    timeoutSeconds: 60,
  });
  const summarize = new Pass('Summarize', {
    parameters: { 'batch_id.$': '$.batch_id', 'date.$': '$.date', 'results.$': '$.results', 'alert.$': '$.alert' },
  });

  return new StateMachineDefinition(
    Chain.start(listEnabledTests).next(testFlows).next(alert).next(summarize).next(new Succeed('Done')),
    {
      comment: `fileflow flow tests: config and results in ${resources.configBucket}, alerts to ${resources.alertTopicArn}`,
      timeoutSeconds: 6 * 3600,
    },
  );
}

/** Stand-in resources for a local run: the ARNs only need to be well formed, the handlers replace them. */
export function localHarnessResources(configBucket: string, maxConcurrency = 4): HarnessResources {
  const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:fileflow-local-harness-${name}`;
  const functionArns = Object.fromEntries(
    Object.keys(HARNESS_STEPS).map((name) => [
      name,
      arn(name.replace(/[A-Z]/g, (c, i) => `${i ? '-' : ''}${c.toLowerCase()}`)),
    ]),
  ) as unknown as HarnessFunctionArns;
  return {
    functionArns,
    configBucket,
    alertTopicArn: 'arn:aws:sns:us-east-1:000000000000:fileflow-local-harness-alerts',
    maxConcurrency,
  };
}

/** One local handler per Task state, running the same cores as the Lambda handlers. */
export function createLocalHarnessHandlers(deps: HarnessDeps): Record<HarnessStepName, LocalHandler> {
  return Object.fromEntries(
    (Object.keys(HARNESS_STEPS) as HarnessStepName[]).map((name) => [
      name,
      async (input: JsonValue) => (await runHarnessStep(name, input, deps)) as JsonValue,
    ]),
  ) as Record<HarnessStepName, LocalHandler>;
}
