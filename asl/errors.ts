/**
 * Error names to match in `addRetry` / `addCatch`.
 *
 * @see https://states-language.net/spec.html#appendix-a
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-stepfunctions.html (Lambda's transient errors)
 */
export const Errors = {
  /** Matches any error; must stand alone and come last. */
  ALL: 'States.ALL',
  /** A Task ran longer than its `TimeoutSeconds`, or missed a heartbeat. */
  TIMEOUT: 'States.Timeout',
  /** A Task missed its heartbeat. */
  HEARTBEAT_TIMEOUT: 'States.HeartbeatTimeout',
  /** A Task failed during execution (any Task error except a timeout). */
  TASKS_FAILED: 'States.TaskFailed',
  /** A Task had insufficient privileges to run. */
  PERMISSIONS: 'States.Permissions',
  /** A `ResultPath` could not be applied to the state's input. */
  RESULT_PATH_MATCH_FAILURE: 'States.ResultPathMatchFailure',
  /** A `.$` field in a payload template pointed nowhere. */
  PARAMETER_PATH_FAILURE: 'States.ParameterPathFailure',
  /** A branch of a Parallel state failed. */
  BRANCH_FAILED: 'States.BranchFailed',
  /** No Choice rule matched and there was no `Default`. */
  NO_CHOICE_MATCHED: 'States.NoChoiceMatched',
  /** An intrinsic function failed. */
  INTRINSIC_FAILURE: 'States.IntrinsicFailure',
  /** Lambda service error: transient, retry it. */
  LAMBDA_SERVICE_EXCEPTION: 'Lambda.ServiceException',
  /** Lambda internal error: transient, retry it. */
  LAMBDA_AWS_LAMBDA_EXCEPTION: 'Lambda.AWSLambdaException',
  /** Network error between Step Functions and Lambda: transient, retry it. */
  LAMBDA_SDK_CLIENT_EXCEPTION: 'Lambda.SdkClientException',
  /** Lambda throttled the invocation: transient, retry it. */
  LAMBDA_TOO_MANY_REQUESTS: 'Lambda.TooManyRequestsException',
} as const;
