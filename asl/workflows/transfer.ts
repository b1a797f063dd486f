/**
 * The transfer workflow: one landed file (an S3 `Object Created` event delivered by an
 * EventBridge Pipe from SQS, a re-drive, or a pull-poller request) is validated, claimed,
 * copied to every target of its workflow and recorded.
 *
 * ```
 * Validate Input ─▶ Route Validation ─┬─ DUPLICATE ─▶ Duplicate Event Ignored
 *                                     ├─ REJECTED ──▶ Manual Review
 *                                     └─ ACCEPTED ──▶ Check Retry Count ─▶ Copy To Targets (Map)
 *   per target: Route By Target Kind ─▶ Copy To S3 | Copy To SFTP
 *               └ TransientTransferError ─▶ Update Retry Count ─▶ Retry Limit Reached?
 *                                            ─▶ Compute Back-off ─▶ Wait Before Retry ─▶ (again)
 *               └ anything else / limit reached ─▶ Target Failed
 * Summarize Copies ─▶ Every Target Copied? ─┬─ yes ─▶ Log Success ──────────────────┐
 *                                            └─ no ──▶ Manual Review ─▶ Log Failure ─┴▶ Record Metrics ─▶ Should Notify?
 *   ─▶ Send Notification (SNS) ─▶ Log Notification ─▶ Transfer Succeeded? ─▶ Transfer Complete | Transfer Failed
 * ```
 *
 * Only pointers and small metadata travel between states (locations, ids, hashes,
 * counts); file bytes never do. The retry loop lives in ASL so a back-off of minutes
 * costs no Lambda time; the durable retry counter is the claim's `retryCount`, bumped
 * by a direct DynamoDB `ADD`.
 */
import {
  Chain,
  Choice,
  Condition,
  Errors,
  Fail,
  Map,
  Pass,
  StateMachineDefinition,
  Succeed,
  Task,
  TaskIntegration,
  Wait,
  WaitTime,
  type DynamoTable,
  type RetryProps,
} from '..';

/** Every state name of the transfer workflow; the local runtime keys its Task handlers by these. */
export const TransferStates = {
  validateInput: 'Validate Input',
  routeValidation: 'Route Validation',
  duplicateIgnored: 'Duplicate Event Ignored',
  validationFailed: 'Validation Failed',
  checkRetryCount: 'Check Retry Count',
  copyToTargets: 'Copy To Targets',
  routeByTargetKind: 'Route By Target Kind',
  copyToS3: 'Copy To S3',
  copyToSftp: 'Copy To SFTP',
  unsupportedTarget: 'Unsupported Target Kind',
  updateRetryCount: 'Update Retry Count',
  retryLimitReached: 'Retry Limit Reached?',
  computeBackoff: 'Compute Back-off',
  waitBeforeRetry: 'Wait Before Retry',
  targetFailed: 'Target Failed',
  summarizeCopies: 'Summarize Copies',
  everyTargetCopied: 'Every Target Copied?',
  manualReview: 'Manual Review',
  logFailure: 'Log Failure',
  logSuccess: 'Log Success',
  trackingFailed: 'Tracking Failed',
  recordMetrics: 'Record Metrics',
  shouldNotify: 'Should Notify?',
  sendNotification: 'Send Notification',
  logNotification: 'Log Notification',
  transferSucceeded: 'Transfer Succeeded?',
  transferComplete: 'Transfer Complete',
  transferFailed: 'Transfer Failed',
} as const;

/** Error names the copy handlers throw, so the workflow retries what a retry can fix. */
export const TransferErrorNames = {
  /** Connection lost, timeout, throttling, server error: copy again after a back-off. */
  transient: 'TransientTransferError',
  /** Wrong host key, bad credentials, missing source, checksum mismatch, unsafe path: stop. */
  permanent: 'PermanentTransferError',
} as const;

/** The Lambda functions behind the Tasks (ARNs; Terraform tokens at synth). */
export interface TransferFunctionArns {
  /** `functions/handlers/validate-transfer.ts` */
  readonly validateTransfer: string;
  /** `functions/handlers/copy-to-s3.ts` */
  readonly copyToS3: string;
  /** `functions/handlers/copy-to-sftp.ts` */
  readonly copyToSftp: string;
  /** `functions/handlers/queue-for-review.ts` */
  readonly queueForReview: string;
  /** `functions/handlers/log-outcome.ts` (Log Success and Log Failure) */
  readonly logOutcome: string;
  /** `functions/handlers/record-metrics.ts` */
  readonly recordMetrics: string;
  /** `functions/handlers/log-notification.ts` */
  readonly logNotification: string;
}

/** What the transfer workflow calls; every value is an opaque string (Terraform tokens at synth). */
export interface TransferWorkflowResources {
  readonly functions: TransferFunctionArns;
  /** The `fileTransferStatus` tracking table: the retry counter lives on its claim items. */
  readonly fileTransferStatusTable: DynamoTable;
  /** Topic every notified outcome is published to (subscribers filter on `customerId`, `workflowId`, `event`). */
  readonly notificationTopicArn: string;
}

/**
 * Lambda's own transient failures (throttling, service hiccups) are retried by Step Functions;
 * transfer failures are not retried here but by the durable loop, which counts them.
 */
const LAMBDA_TRANSIENT: RetryProps = {
  errors: [
    Errors.LAMBDA_SERVICE_EXCEPTION,
    Errors.LAMBDA_AWS_LAMBDA_EXCEPTION,
    Errors.LAMBDA_SDK_CLIENT_EXCEPTION,
    Errors.LAMBDA_TOO_MANY_REQUESTS,
  ],
  interval: 2,
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: 60,
  jitter: 'FULL',
};

/** Builds the transfer workflow over `resources`. */
export function buildTransferDefinition(resources: TransferWorkflowResources): StateMachineDefinition {
  const S = TransferStates;
  const lambda = (name: string, functionArn: string, payload: Record<string, string>, props: object = {}) =>
    new Task(name, {
      integration: TaskIntegration.lambdaInvoke({ functionArn, payload, payloadResponseOnly: true }),
      ...props,
    }).addRetry(LAMBDA_TRANSIENT);

  // ---------------------------------------------------------------- the end
  const transferComplete = new Succeed(S.transferComplete);
  const transferFailed = new Fail(S.transferFailed, {
    errorPath: '$.notice.reasonCode',
    causePath: '$.notice.message',
  });
  const transferSucceeded = new Choice(S.transferSucceeded)
    .when(Condition.stringEquals('$.notice.event', 'SUCCESS'), transferComplete)
    .otherwise(transferFailed);

  const logNotification = lambda(
    S.logNotification,
    resources.functions.logNotification,
    { 'state.$': '$', topicArn: resources.notificationTopicArn },
    { resultPath: null },
  )
    .addCatch(transferSucceeded, { resultPath: null })
    .next(transferSucceeded);

  const sendNotification = new Task(S.sendNotification, {
    comment: 'direct SNS integration: no code between the outcome and the topic',
    integration: TaskIntegration.snsPublish({
      topicArn: resources.notificationTopicArn,
      parameters: {
        'Subject.$': '$.notice.subject',
        'Message.$': '$.notice.message',
        MessageAttributes: {
          event: { DataType: 'String', 'StringValue.$': '$.notice.event' },
          customerId: { DataType: 'String', 'StringValue.$': '$.file.customerId' },
          workflowId: { DataType: 'String', 'StringValue.$': '$.file.workflowId' },
        },
      },
    }),
    resultSelector: { 'messageId.$': '$.MessageId' },
    resultPath: '$.notice.sns',
  })
    .addRetry({ errors: ['SNS.ThrottledException', 'SNS.InternalErrorException'], interval: 2, maxAttempts: 3 })
    .addCatch(logNotification, { resultPath: '$.notice.snsError' })
    .next(logNotification);

  const shouldNotify = new Choice(S.shouldNotify)
    .when(Condition.booleanEquals('$.notice.notify', true), sendNotification)
    .otherwise(transferSucceeded);

  const recordMetrics = lambda(
    S.recordMetrics,
    resources.functions.recordMetrics,
    { 'state.$': '$' },
    { resultPath: null },
  )
    // Metrics are observability, not the transfer: losing one must not fail a delivered file.
    .addCatch(shouldNotify, { resultPath: null })
    .next(shouldNotify);

  const trackingFailed = new Fail(S.trackingFailed, { errorPath: '$.error.Error', causePath: '$.error.Cause' });
  const logSuccess = lambda(
    S.logSuccess,
    resources.functions.logOutcome,
    { outcome: 'SUCCESS', 'state.$': '$' },
    { resultPath: '$.notice' },
  )
    .addCatch(trackingFailed, { resultPath: '$.error' })
    .next(recordMetrics);
  const logFailure = lambda(
    S.logFailure,
    resources.functions.logOutcome,
    { outcome: 'FAILURE', 'state.$': '$' },
    { resultPath: '$.notice' },
  )
    .addCatch(trackingFailed, { resultPath: '$.error' })
    .next(recordMetrics);

  const manualReview = lambda(
    S.manualReview,
    resources.functions.queueForReview,
    { 'state.$': '$' },
    { resultPath: '$.review' },
  )
    // A failure queue that cannot be written must not hide the failure: it is still logged and notified.
    .addCatch(logFailure, { resultPath: '$.reviewError' })
    .next(logFailure);

  // ---------------------------------------------------------------- one target
  const targetFailed = new Pass(S.targetFailed, {
    parameters: {
      'targetId.$': '$.target.id',
      status: 'FAILED',
      'error.$': '$.error.Error',
      'cause.$': '$.error.Cause',
    },
  });
  const routeByTargetKind = new Choice(S.routeByTargetKind);
  const waitBeforeRetry = new Wait(S.waitBeforeRetry, { time: WaitTime.secondsPath('$.backoff.seconds') });
  waitBeforeRetry.next(routeByTargetKind);
  const computeBackoff = new Pass(S.computeBackoff, {
    comment: 'backoffSeconds[n] = min(initial × rate^(n-1), max), precomputed by Validate Input',
    parameters: { 'seconds.$': 'States.ArrayGetItem($.backoffSeconds, $.retry.count)' },
    resultPath: '$.backoff',
  });
  computeBackoff.next(waitBeforeRetry);
  const retryLimitReached = new Choice(S.retryLimitReached)
    .when(Condition.numberGreaterThanPath('$.retry.count', '$.maxRetries'), targetFailed)
    .otherwise(computeBackoff);
  const updateRetryCount = new Task(S.updateRetryCount, {
    comment: "durable retry counter: an atomic ADD on the file version's claim",
    integration: TaskIntegration.dynamoUpdateItem({
      table: resources.fileTransferStatusTable,
      parameters: {
        Key: { PK: { 'S.$': '$.claimKey.PK' }, SK: { 'S.$': '$.claimKey.SK' } },
        UpdateExpression: 'ADD retryCount :one',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      },
    }),
    resultSelector: { 'count.$': 'States.StringToJson($.Attributes.retryCount.N)' },
    resultPath: '$.retry',
  })
    .addRetry({
      errors: [
        'DynamoDB.ProvisionedThroughputExceededException',
        'DynamoDB.ThrottlingException',
        'DynamoDB.InternalServerErrorException',
      ],
      interval: 1,
      maxAttempts: 3,
      backoffRate: 2,
    })
    .addCatch(targetFailed, { resultPath: '$.error' });
  updateRetryCount.next(retryLimitReached);

  const copyTask = (name: string, functionArn: string) =>
    lambda(name, functionArn, { 'file.$': '$.file', 'source.$': '$.source', 'target.$': '$.target' })
      .addCatch(updateRetryCount, { errors: [TransferErrorNames.transient], resultPath: '$.error' })
      .addCatch(targetFailed, { resultPath: '$.error' });
  routeByTargetKind
    .when(Condition.stringEquals('$.target.location.type', 's3'), copyTask(S.copyToS3, resources.functions.copyToS3))
    .when(
      Condition.stringEquals('$.target.location.type', 'sftp'),
      copyTask(S.copyToSftp, resources.functions.copyToSftp),
    )
    .otherwise(new Fail(S.unsupportedTarget, { error: 'UnsupportedTargetKind', causePath: '$.target.id' }));

  // ---------------------------------------------------------------- every target
  const everyTargetCopied = new Choice(S.everyTargetCopied)
    .when(Condition.booleanEquals('$.copies.summary.anyFailed', true), manualReview)
    .otherwise(logSuccess);
  // A JSONPath filter that matches nothing is an error (ParameterPathFailure), so the
  // statuses are collected and searched with an intrinsic instead.
  const summarizeCopies = new Pass(S.summarizeCopies, {
    parameters: { 'anyFailed.$': "States.ArrayContains($.copies.statuses, 'FAILED')" },
    resultPath: '$.copies.summary',
  });
  summarizeCopies.next(everyTargetCopied);
  const copyToTargets = new Map(S.copyToTargets, {
    itemsPath: '$.transfer.targets',
    itemSelector: {
      'file.$': '$.file',
      'source.$': '$.transfer.source',
      'claimKey.$': '$.transfer.claimKey',
      'maxRetries.$': '$.transfer.maxRetries',
      'backoffSeconds.$': '$.transfer.backoffSeconds',
      'target.$': '$$.Map.Item.Value',
    },
    maxConcurrencyPath: '$.transfer.maxConcurrency',
    resultSelector: { 'targets.$': '$', 'statuses.$': '$[*].status' },
    resultPath: '$.copies',
  })
    .itemProcessor(routeByTargetKind)
    .addCatch(manualReview, { resultPath: '$.error' });
  copyToTargets.next(summarizeCopies);

  const checkRetryCount = new Choice(S.checkRetryCount)
    .when(Condition.numberGreaterThanPath('$.transfer.retryCount', '$.transfer.maxRetries'), manualReview)
    .otherwise(copyToTargets);

  // ---------------------------------------------------------------- the start
  const routeValidation = new Choice(S.routeValidation)
    .when(Condition.stringEquals('$.status', 'ACCEPTED'), checkRetryCount)
    .when(Condition.stringEquals('$.status', 'DUPLICATE'), new Succeed(S.duplicateIgnored))
    .otherwise(manualReview);
  const validateInput = lambda(S.validateInput, resources.functions.validateTransfer, {
    'event.$': '$',
    // The context object's execution: its ARN owns the claim (locally, runLocally names every execution).
    'execution.$': '$$.Execution',
  })
    .addCatch(new Fail(S.validationFailed, { errorPath: '$.error.Error', causePath: '$.error.Cause' }), {
      resultPath: '$.error',
    })
    .next(routeValidation);

  return new StateMachineDefinition(Chain.start(validateInput), {
    comment: 'fileflow transfer: validate, claim, copy to every target with durable retries, record, notify',
  });
}
