/**
 * The one module that wires the pipeline's transfer workflow into the local
 * runtime: the same ASL (`asl/workflows/transfer.ts`) run by
 * aws-local-stepfunctions (`asl/local.ts`) with the same handler cores
 * (`functions/core/pipeline/local-handlers.ts`), on the runtime's clients.
 */
import { localExecutionArn, runLocally } from '../../asl/local';
import { buildTransferDefinition } from '../../asl/workflows/transfer';
import { createLocalTaskHandlers, localTransferResources } from '../../functions/core/pipeline/local-handlers';
import type { PipelineDeps } from '../../functions/core/pipeline/deps';
import { physicalTableNames } from '../../functions/core/tracking/tables';
import type { LocalRuntimeContext, LocalTransferWorkflow } from './local-runtime';

/** Name of the local transfer state machine in its execution ARNs. */
const LOCAL_STATE_MACHINE = 'fileflow-local-transfer';

/** How the local transfer workflow treats its Wait states (the retry back-off). */
export interface LocalTransferWorkflowOptions {
  /**
   * `as-defined`: wait the back-off of the workflow definition, as on AWS, so a server that
   * restarts or an S3 outage is ridden out; `skipped`: retry at once (specs, quick tries).
   * @default 'skipped'
   */
  readonly waits?: 'as-defined' | 'skipped';
}

/** Builds the transfer workflow on the runtime's clients (no SNS, Secrets Manager or CloudWatch locally). */
export function createLocalTransferWorkflow(
  context: LocalRuntimeContext,
  options: LocalTransferWorkflowOptions = {},
): LocalTransferWorkflow {
  const deps: PipelineDeps = {
    s3: context.s3,
    dynamo: context.dynamo,
    tables: physicalTableNames(context.endpoints.dynamodb.tablePrefix),
    endpointClients: { sftpPool: context.sftpPool },
  };
  const definition = buildTransferDefinition(localTransferResources()).toAsl();
  const handlers = createLocalTaskHandlers(deps);
  return {
    run: (input, name) =>
      runLocally(definition, input, {
        handlers,
        execution: { name, arn: localExecutionArn(name, LOCAL_STATE_MACHINE) },
        waitMs: options.waits === 'as-defined' ? 'as-defined' : 0,
      }),
  };
}
