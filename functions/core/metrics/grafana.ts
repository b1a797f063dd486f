/**
 * The importable Grafana dashboard of transfer notifications, built from the metric
 * catalogue: every metric, unit, statistic and dimension it shows is read from
 * `catalogue.ts`, so the dashboard cannot name a metric Log Notification does not write.
 * `fileflow dashboards grafana` writes it to `dashboards/grafana/notifications.json`.
 *
 * It queries CloudWatch through a data source chosen on import (`datasource` variable);
 * `prefix` selects the environment (its metrics namespace and its Log Notification log
 * group), `region` the region.
 */
import {
  NOTIFICATION_FILE_FIELD,
  NOTIFICATION_METRIC_FAMILY,
  TRANSFER_METRIC_FAMILY,
  transferMetricsNamespace,
  type CatalogueUnit,
  type MetricDefinition,
  type MetricFamily,
} from './catalogue';

/** What the dashboard is generated for. */
export interface NotificationDashboardInput {
  /** The `prefix` variable's value on import: an environment's name prefix, e.g. `fileflow-prod`. */
  readonly defaultNamePrefix: string;
}

/** Grafana's JSON model of a dashboard, as far as this generator writes it. */
export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly templating: { readonly list: readonly Record<string, unknown>[] };
  readonly panels: readonly GrafanaPanel[];
  readonly [field: string]: unknown;
}

/** One panel and its CloudWatch queries. */
export interface GrafanaPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly targets: readonly Record<string, unknown>[];
  readonly [field: string]: unknown;
}

/** Handler file (and function-name suffix) of Log Notification; the dashboard spec checks it against the pipeline. */
export const LOG_NOTIFICATION_FUNCTION_SUFFIX = 'log-notification';

/** Grafana's JSON model version the panels are written in (Grafana 10.4+). */
const SCHEMA_VERSION = 39;
const PERIOD_SECONDS = 300;
const DATASOURCE = { type: 'cloudwatch', uid: '${datasource}' } as const;
/** The environment's namespace, with its name prefix left to the `prefix` variable. */
const NAMESPACE = transferMetricsNamespace('${prefix}');
/** CloudWatch units → Grafana field units. */
const UNITS: Record<CatalogueUnit, string> = { Count: 'short', Bytes: 'bytes', Seconds: 's' };

/** The notifications dashboard: sent vs failed, failures per customer, latency per workflow, recent failures. */
export function notificationDashboard(input: NotificationDashboardInput): GrafanaDashboard {
  const { sent, failed, latency } = NOTIFICATION_METRIC_FAMILY.metrics;
  const transferSeconds = TRANSFER_METRIC_FAMILY.metrics.seconds;
  const panels: GrafanaPanel[] = [
    timeseries(1, 'Notifications sent vs failed', sent.unit, { x: 0, y: 0, w: 12, h: 8 }, [
      metricMath('A', `SUM(${search(NOTIFICATION_METRIC_FAMILY, sent)})`, 'sent'),
      metricMath('B', `SUM(${search(NOTIFICATION_METRIC_FAMILY, failed)})`, 'failed'),
    ]),
    barGauge(2, 'Customers with the most notification failures', failed.unit, { x: 12, y: 0, w: 12, h: 8 }, [
      insights('A', NOTIFICATION_METRIC_FAMILY, failed, 'Customer', 5),
    ]),
    timeseries(3, 'Notification latency per workflow', latency.unit, { x: 0, y: 8, w: 12, h: 8 }, [
      insights('A', NOTIFICATION_METRIC_FAMILY, latency, 'WorkflowId'),
    ]),
    timeseries(4, 'Transfer time per workflow (slowest copy)', transferSeconds.unit, { x: 12, y: 8, w: 12, h: 8 }, [
      insights('A', TRANSFER_METRIC_FAMILY, transferSeconds, 'WorkflowId'),
    ]),
    recentFailures(5, { x: 0, y: 16, w: 24, h: 10 }),
  ];
  return {
    uid: 'fileflow-notifications',
    title: 'fileflow — notifications',
    description: 'Transfer notifications (SNS and webhooks) from the Log Notification metrics. Generated: do not edit.',
    tags: ['fileflow'],
    editable: true,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    timezone: 'utc',
    time: { from: 'now-7d', to: 'now' },
    refresh: '5m',
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'CloudWatch',
          type: 'datasource',
          query: 'cloudwatch',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
        textbox('region', 'Region', 'default'),
        textbox('prefix', 'Environment name prefix', input.defaultNamePrefix),
      ],
    },
    panels,
  };
}

/** The dashboard as the committed file holds it: two-space JSON and a final newline. */
export function notificationDashboardJson(input: NotificationDashboardInput): string {
  return `${JSON.stringify(notificationDashboard(input), null, 2)}\n`;
}

/** CloudWatch SEARCH over every dimension value of one catalogue metric (customers and workflows are data). */
function search(family: MetricFamily, metric: MetricDefinition): string {
  const schema = [`"${NAMESPACE}"`, ...family.dimensions].join(',');
  return `SEARCH('{${schema}} MetricName="${metric.name}"', '${metric.statistic}', ${PERIOD_SECONDS})`;
}

/** A Metrics Insights query: the metric's statistic per value of one dimension, largest first. */
function insights(
  refId: string,
  family: MetricFamily,
  metric: MetricDefinition,
  groupBy: string,
  limit?: number,
): Record<string, unknown> {
  const aggregate = INSIGHTS_AGGREGATES[metric.statistic];
  const schema = [`"${NAMESPACE}"`, ...family.dimensions].join(', ');
  const sql =
    `SELECT ${aggregate}(${metric.name}) FROM SCHEMA(${schema}) GROUP BY ${groupBy} ORDER BY ${aggregate}() DESC` +
    (limit === undefined ? '' : ` LIMIT ${limit}`);
  return { ...cloudwatchMetricsQuery(refId), metricQueryType: 1, metricEditorMode: 1, sqlExpression: sql };
}

/** Metrics Insights has no percentiles: a percentile statistic is shown as its maximum. */
const INSIGHTS_AGGREGATES: Record<MetricDefinition['statistic'], string> = {
  Sum: 'SUM',
  Average: 'AVG',
  Maximum: 'MAX',
  p50: 'AVG',
  p95: 'MAX',
};

/** A metric-math (code mode) query. */
function metricMath(refId: string, expression: string, label: string): Record<string, unknown> {
  return { ...cloudwatchMetricsQuery(refId), metricQueryType: 0, metricEditorMode: 1, expression, label };
}

function cloudwatchMetricsQuery(refId: string): Record<string, unknown> {
  return {
    refId,
    datasource: DATASOURCE,
    queryMode: 'Metrics',
    region: '$region',
    id: '',
    namespace: '',
    metricName: '',
    dimensions: {},
    matchExact: true,
    statistic: 'Sum',
    period: String(PERIOD_SECONDS),
  };
}

/**
 * The latest failed notifications, from the EMF records in Log Notification's log group:
 * each record carries the dimensions and the file name, so no second log line is needed.
 */
function recentFailures(id: number, gridPos: GridPos): GrafanaPanel {
  const { sent, failed } = NOTIFICATION_METRIC_FAMILY.metrics;
  const dimensions = NOTIFICATION_METRIC_FAMILY.dimensions.filter((d) => d !== 'service');
  const query = [
    `fields @timestamp, ${[...dimensions, NOTIFICATION_FILE_FIELD, failed.name, sent.name].join(', ')}`,
    `filter ${failed.name} > 0`,
    'sort @timestamp desc',
    'limit 50',
  ].join('\n| ');
  return {
    id,
    type: 'table',
    title: 'Recent failed notifications',
    gridPos,
    datasource: DATASOURCE,
    targets: [
      {
        refId: 'A',
        datasource: DATASOURCE,
        queryMode: 'Logs',
        region: '$region',
        id: '',
        logGroupNames: [`/aws/lambda/\${prefix}-${LOG_NOTIFICATION_FUNCTION_SUFFIX}`],
        expression: query,
        statsGroups: [],
      },
    ],
    options: { showHeader: true, sortBy: [{ displayName: '@timestamp', desc: true }] },
    fieldConfig: { defaults: {}, overrides: [] },
  };
}

interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

function timeseries(
  id: number,
  title: string,
  unit: CatalogueUnit,
  gridPos: GridPos,
  targets: Record<string, unknown>[],
): GrafanaPanel {
  return {
    id,
    type: 'timeseries',
    title,
    gridPos,
    datasource: DATASOURCE,
    targets,
    fieldConfig: { defaults: { unit: UNITS[unit] }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } },
  };
}

function barGauge(
  id: number,
  title: string,
  unit: CatalogueUnit,
  gridPos: GridPos,
  targets: Record<string, unknown>[],
): GrafanaPanel {
  return {
    id,
    type: 'bargauge',
    title,
    gridPos,
    datasource: DATASOURCE,
    targets,
    fieldConfig: { defaults: { unit: UNITS[unit] }, overrides: [] },
    options: {
      orientation: 'horizontal',
      displayMode: 'gradient',
      reduceOptions: { calcs: ['sum'], fields: '', values: false },
    },
  };
}

function textbox(name: string, label: string, value: string): Record<string, unknown> {
  return {
    name,
    label,
    type: 'textbox',
    query: value,
    current: { text: value, value },
    options: [{ selected: true, text: value, value }],
    hide: 0,
  };
}
