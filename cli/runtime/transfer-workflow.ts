/**
 * The one module that wires the pipeline's transfer workflow into the local
 * runtime: the same ASL (`asl/workflows/transfer.ts`) run by
 * aws-local-stepfunctions with the same handler cores
 * (`functions/core/pipeline/local-handlers.ts`).
 *
 * Until the pipeline's workflow lands, executions fail with a clear message
 * while everything else in the runtime (servers, tables, events, queue,
 * poller) works.
 */
import type { JsonValue } from '../../asl/json';
import type { LocalRuntimeContext, LocalTransferWorkflow } from './local-runtime';

/** Thrown by every execution while the transfer workflow is not available. */
export class TransferWorkflowUnavailableError extends Error {
  constructor() {
    super('the transfer workflow (asl/workflows/transfer.ts) is not wired into the local runtime yet');
    this.name = 'TransferWorkflowUnavailableError';
  }
}

/** Builds the transfer workflow on the runtime's clients. */
export function createLocalTransferWorkflow(_context: LocalRuntimeContext): LocalTransferWorkflow {
  return {
    run: async (): Promise<JsonValue> => {
      throw new TransferWorkflowUnavailableError();
    },
    pullInput: (file) => ({ workflowId: file.workflow.id, path: file.path }),
    delivered: () => false,
  };
}
