/**
 * Emitters that write the catalogue's metrics as CloudWatch Embedded Metric Format through
 * Powertools Metrics: no PutMetricData call, so no IAM beyond the function's own logs.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { TransferMetric } from '../pipeline/deps';
import {
  HARNESS_METRIC_FAMILY,
  NOTIFICATION_FILE_FIELD,
  NOTIFICATION_METRIC_FAMILY,
  TRANSFER_METRIC_FAMILY,
  type CatalogueUnit,
} from './catalogue';

const UNITS: Record<CatalogueUnit, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Bytes: MetricUnit.Bytes,
  Seconds: MetricUnit.Seconds,
};

/** Powertools Metrics for the transfer family; namespace from `POWERTOOLS_METRICS_NAMESPACE` (default `fileflow`). */
export function transferMetrics(namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'fileflow'): Metrics {
  return new Metrics({ namespace, serviceName: TRANSFER_METRIC_FAMILY.service });
}

/** Writes one transfer's metrics as one EMF record, dimensions Customer and WorkflowId. */
export function emitTransferMetric(metrics: Metrics, metric: TransferMetric): void {
  const { success, failure, bytes, seconds, targetsFailed } = TRANSFER_METRIC_FAMILY.metrics;
  const outcome = metric.outcome === 'SUCCESS' ? success : failure;
  metrics.addDimensions({ Customer: metric.customerId, WorkflowId: metric.workflowId });
  metrics.addMetric(outcome.name, UNITS[outcome.unit], 1);
  metrics.addMetric(bytes.name, UNITS[bytes.unit], metric.bytes);
  metrics.addMetric(seconds.name, UNITS[seconds.unit], metric.seconds);
  metrics.addMetric(targetsFailed.name, UNITS[targetsFailed.unit], metric.targetsFailed);
  metrics.publishStoredMetrics();
}

/**
 * Writes one flow run's metrics as one EMF record with its FlowId dimension. Not
 * `singleMetric()`: that publishes at every `addMetric` and drops the dimension from the
 * second metric on.
 */
export function emitHarnessRun(
  metrics: Metrics,
  flowId: string,
  runSuccess: 0 | 1,
  latencySeconds: number | undefined,
): void {
  const { runSuccess: success, latency } = HARNESS_METRIC_FAMILY.metrics;
  metrics.addDimensions({ FlowId: flowId });
  metrics.addMetric(success.name, UNITS[success.unit], runSuccess);
  if (latencySeconds !== undefined) metrics.addMetric(latency.name, UNITS[latency.unit], latencySeconds);
  metrics.publishStoredMetrics();
}

/** Powertools Metrics for the notification family; namespace from `POWERTOOLS_METRICS_NAMESPACE` (default `fileflow`). */
export function notificationMetrics(namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'fileflow'): Metrics {
  return new Metrics({ namespace, serviceName: NOTIFICATION_METRIC_FAMILY.service });
}

/** One file's notification attempts, as Log Notification summarises them (channel and target → outcome). */
export interface NotificationOutcome {
  readonly customerId: string;
  readonly workflowId: string;
  readonly fileName: string;
  /** Outcome of every channel tried. */
  readonly statuses: readonly ('SENT' | 'FAILED')[];
  /** Seconds Log Notification took to notify every channel. */
  readonly seconds: number;
}

/**
 * Writes one file's notification metrics as one EMF record, dimensions Customer and WorkflowId;
 * the file name rides along as a plain field, so Logs Insights can list failures by file.
 */
export function emitNotificationMetrics(metrics: Metrics, outcome: NotificationOutcome): void {
  const { sent, failed, latency } = NOTIFICATION_METRIC_FAMILY.metrics;
  metrics.addDimensions({ Customer: outcome.customerId, WorkflowId: outcome.workflowId });
  metrics.addMetadata(NOTIFICATION_FILE_FIELD, outcome.fileName);
  metrics.addMetric(sent.name, UNITS[sent.unit], outcome.statuses.filter((s) => s === 'SENT').length);
  metrics.addMetric(failed.name, UNITS[failed.unit], outcome.statuses.filter((s) => s === 'FAILED').length);
  metrics.addMetric(latency.name, UNITS[latency.unit], outcome.seconds);
  metrics.publishStoredMetrics();
}
