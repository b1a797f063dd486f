/**
 * Every metric fileflow emits, in one place. Emitters (the Lambda handlers), the
 * CloudWatch dashboards and the Grafana dashboards all read their names, units and
 * dimensions from here, so a dashboard cannot name a metric nobody writes.
 *
 * Metrics are written as CloudWatch Embedded Metric Format through Powertools Metrics;
 * Powertools adds the `service` dimension from its `serviceName`.
 */

/** How a metric is aggregated on a dashboard. */
export type MetricStatistic = 'Sum' | 'Maximum' | 'Average' | 'p50' | 'p95';

/** Units as Powertools `MetricUnit` spells them. */
export type CatalogueUnit = 'Count' | 'Bytes' | 'Seconds';

/** One metric: what is emitted and how it is shown. */
export interface MetricDefinition {
  /** Metric name as emitted. */
  readonly name: string;
  /** Unit of every datum. */
  readonly unit: CatalogueUnit;
  /** Statistic dashboards show by default. */
  readonly statistic: MetricStatistic;
  /** Widget title. */
  readonly title: string;
}

/** A family of metrics written by one emitter with one dimension set. */
export interface MetricFamily<K extends string = string> {
  /** Powertools `serviceName` of the emitter (the `service` dimension). */
  readonly service: string;
  /** Dimensions of every datum, in the order dashboards use them (`service` last). */
  readonly dimensions: readonly string[];
  /** The metrics, by key. */
  readonly metrics: Readonly<Record<K, MetricDefinition>>;
}

/** The transfer workflow's Record Metrics step: one datum per transfer. */
export const TRANSFER_METRIC_FAMILY = {
  service: 'fileflow-transfer',
  dimensions: ['Customer', 'WorkflowId', 'service'],
  metrics: {
    success: {
      name: 'FileTransferSuccess',
      unit: 'Count',
      statistic: 'Sum',
      title: 'Transfers succeeded (per customer, workflow)',
    },
    failure: {
      name: 'FileTransferFailure',
      unit: 'Count',
      statistic: 'Sum',
      title: 'Transfers failed (per customer, workflow)',
    },
    bytes: { name: 'BytesTransferred', unit: 'Bytes', statistic: 'Sum', title: 'Bytes transferred' },
    seconds: { name: 'TransferSeconds', unit: 'Seconds', statistic: 'Maximum', title: 'Slowest copy (seconds)' },
    targetsFailed: { name: 'TargetsFailed', unit: 'Count', statistic: 'Sum', title: 'Targets failed' },
  },
} as const satisfies MetricFamily;

/** The flow-test harness's RecordResults step: one datum per flow run. */
export const HARNESS_METRIC_FAMILY = {
  service: 'fileflow-harness',
  dimensions: ['FlowId', 'service'],
  metrics: {
    runSuccess: {
      name: 'RunSuccess',
      unit: 'Count',
      statistic: 'Average',
      title: 'Run success (1 = outcome as expected)',
    },
    latency: {
      name: 'TransferLatencySeconds',
      unit: 'Seconds',
      statistic: 'p95',
      title: 'Transfer latency p95 (seconds)',
    },
  },
} as const satisfies MetricFamily;

/**
 * The transfer workflow's Log Notification step: one datum per file notified. Per-channel
 * detail (SNS topic, webhook, the provider's response) lives in the notification log table.
 */
export const NOTIFICATION_METRIC_FAMILY = {
  service: 'fileflow-notification',
  dimensions: ['Customer', 'WorkflowId', 'service'],
  metrics: {
    sent: {
      name: 'NotificationSent',
      unit: 'Count',
      statistic: 'Sum',
      title: 'Notifications sent (channels reached)',
    },
    failed: {
      name: 'NotificationFailed',
      unit: 'Count',
      statistic: 'Sum',
      title: 'Notifications failed (channels not reached)',
    },
    latency: {
      name: 'NotificationLatencySeconds',
      unit: 'Seconds',
      statistic: 'Average',
      title: 'Notification latency (seconds to notify every channel)',
    },
  },
} as const satisfies MetricFamily;

/** Field (not a dimension) of every notification record naming the file, for the recent-failures table. */
export const NOTIFICATION_FILE_FIELD = 'fileName';

/** CloudWatch namespace of an instance's transfer metrics (`POWERTOOLS_METRICS_NAMESPACE`): one per pipeline. */
export function transferMetricsNamespace(namePrefix: string): string {
  return `${namePrefix}-transfers`;
}

/** CloudWatch namespace of an instance's harness metrics (`POWERTOOLS_METRICS_NAMESPACE`): one per harness. */
export function harnessMetricsNamespace(namePrefix: string): string {
  return `${namePrefix}-harness`;
}

/**
 * A CloudWatch SEARCH over every dimension value of one metric of a family (dimension
 * values such as customers or flow ids are data, not code): one line per value.
 */
export function metricSearchExpression(
  namespace: string,
  family: MetricFamily,
  metric: MetricDefinition,
  periodSeconds: number,
): string {
  const schema = [`"${namespace}"`, ...family.dimensions].join(',');
  return `SEARCH('{${schema}} MetricName="${metric.name}"', '${metric.statistic}', ${periodSeconds})`;
}

/** The metric definitions of a family, in declaration order. */
export function metricsOf(family: MetricFamily): MetricDefinition[] {
  return Object.values(family.metrics);
}
