/**
 * Record Metrics: one datum per transfer outcome. On AWS the sink is Powertools Metrics,
 * which writes CloudWatch Embedded Metric Format to the function's log: no PutMetricData
 * call, no extra latency or IAM.
 */
import type { PipelineDeps, TransferMetric } from './deps';
import type { WorkflowState } from './state';

/** Sends the transfer's metric to the sink (dropped when there is none) and returns it. */
export async function recordMetrics(
  state: WorkflowState,
  deps: Pick<PipelineDeps, 'metrics'>,
): Promise<TransferMetric> {
  const targets = state.copies?.targets ?? [];
  const copies = targets.flatMap((t) => (t.status === 'COPIED' ? [t] : []));
  const metric: TransferMetric = {
    customerId: state.file.customerId,
    workflowId: state.file.workflowId,
    outcome: state.notice?.event ?? 'FAILURE',
    bytes: copies.reduce((sum, c) => sum + c.bytes, 0),
    seconds: Math.max(0, ...copies.map((c) => c.seconds)),
    targetsCopied: copies.length,
    targetsFailed: targets.length - copies.length,
  };
  await deps.metrics?.(metric);
  return metric;
}
