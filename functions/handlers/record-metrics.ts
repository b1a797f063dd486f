/**
 * Record Metrics of the transfer workflow: the catalogue's transfer metrics as Embedded
 * Metric Format (see `functions/core/metrics`). Env: `POWERTOOLS_METRICS_NAMESPACE`
 * (default `fileflow`).
 */
import { emitTransferMetric, transferMetrics } from '../core/metrics/emf';
import type { TransferMetric } from '../core/pipeline/deps';
import { recordMetrics } from '../core/pipeline/metrics';
import { StatePayload } from '../core/pipeline/state';

const metrics = transferMetrics();

/** Lambda entry point. */
export async function handler(event: unknown): Promise<TransferMetric> {
  return recordMetrics(StatePayload.parse(event).state, { metrics: (metric) => emitTransferMetric(metrics, metric) });
}
