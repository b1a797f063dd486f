/**
 * Record Metrics of the transfer workflow: CloudWatch metrics as Embedded Metric Format
 * through Powertools Metrics (no PutMetricData call, so no IAM beyond the function's own
 * logs). Env: `POWERTOOLS_METRICS_NAMESPACE` (default `fileflow`).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { TransferMetric } from '../core/pipeline/deps';
import { recordMetrics } from '../core/pipeline/metrics';
import { StatePayload } from '../core/pipeline/state';

const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'fileflow',
  serviceName: 'fileflow-transfer',
});

/** Writes one transfer's metrics as one EMF record (the seed's FileTransferSuccess, per customer and workflow). */
function emit(metric: TransferMetric): void {
  metrics.addDimensions({ Customer: metric.customerId, WorkflowId: metric.workflowId });
  metrics.addMetric(metric.outcome === 'SUCCESS' ? 'FileTransferSuccess' : 'FileTransferFailure', MetricUnit.Count, 1);
  metrics.addMetric('BytesTransferred', MetricUnit.Bytes, metric.bytes);
  metrics.addMetric('TransferSeconds', MetricUnit.Seconds, metric.seconds);
  metrics.addMetric('TargetsFailed', MetricUnit.Count, metric.targetsFailed);
  metrics.publishStoredMetrics();
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<TransferMetric> {
  return recordMetrics(StatePayload.parse(event).state, { metrics: emit });
}
