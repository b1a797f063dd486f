/**
 * Typed builder for Step Functions state machines (ASL, JSONPath), modelled
 * on aws-cdk's `aws-stepfunctions` but free of construct scopes, so a
 * workflow renders and is tested without a synth.
 */
export { Chain } from './chain';
export { Condition } from './condition';
export { Errors } from './errors';
export type { PolicyStatement } from './iam';
export type { JsonObject, JsonValue, PayloadTemplate } from './json';
export { runLocally } from './local';
export type { LocalHandler, RunLocallyOptions } from './local';
export { State } from './state';
export type {
  CatchProps,
  IChainable,
  INextable,
  InputOutputProps,
  ResultPathProps,
  ResultSelectorProps,
  RetryProps,
  StateProps,
} from './state';
export { StateMachineDefinition } from './state-machine-definition';
export type { AslDefinition, StateMachineDefinitionProps } from './state-machine-definition';
export { Choice } from './states/choice';
export type { ChoiceProps } from './states/choice';
export { Fail } from './states/fail';
export type { FailProps } from './states/fail';
export { Map } from './states/map';
export type { MapProps } from './states/map';
export { Parallel } from './states/parallel';
export type { ParallelProps } from './states/parallel';
export { Pass } from './states/pass';
export type { PassProps } from './states/pass';
export { Succeed } from './states/succeed';
export { Task } from './states/task';
export type { TaskProps } from './states/task';
export { Wait, WaitTime } from './states/wait';
export type { WaitProps } from './states/wait';
export { TaskIntegration } from './task-integration';
export type { AwsSdkProps, DynamoTable, LambdaInvokeProps, S3Bucket, SqsQueue } from './task-integration';
