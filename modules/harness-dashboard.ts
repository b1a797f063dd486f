/**
 * The flow-test harness's CloudWatch dashboard body: its executions, and RunSuccess and
 * TransferLatencySeconds per flow. The harness metrics come from the metric catalogue
 * (`functions/core/metrics/catalogue.ts`), the definitions RecordResults emits with, so no
 * widget names a metric nobody writes.
 */
import { HARNESS_METRIC_FAMILY, metricsOf, metricSearchExpression } from '../functions/core/metrics/catalogue';

/** What the dashboard shows; names and ARNs may be Terraform tokens. */
export interface HarnessDashboardInput {
  /** Region of every metric. */
  readonly region: string;
  /** Namespace the harness metrics are written to. */
  readonly metricsNamespace: string;
  /** The harness state machine's ARN. */
  readonly stateMachineArn: string;
}

/** Per-flow harness metrics are one datum per run: an hour holds the hourly and the daily runs apart. */
const PERIOD_SECONDS = 3600;
const WIDTH = 12;
const HEIGHT = 6;

/** Execution metrics of the harness state machine, in display order. */
const HARNESS_EXECUTION_METRICS = [
  'ExecutionsStarted',
  'ExecutionsSucceeded',
  'ExecutionsFailed',
  'ExecutionsTimedOut',
] as const;

/** The dashboard body (`dashboard_body` JSON) of one flow-test harness. */
export function harnessDashboardBody(input: HarnessDashboardInput): string {
  const graph = (title: string, metrics: unknown[][], stat: string) => ({
    type: 'metric',
    width: WIDTH,
    height: HEIGHT,
    properties: { title, region: input.region, view: 'timeSeries', stat, period: PERIOD_SECONDS, metrics },
  });
  const widgets = [
    graph(
      'Harness executions',
      HARNESS_EXECUTION_METRICS.map((name) => ['AWS/States', name, 'StateMachineArn', input.stateMachineArn]),
      'Sum',
    ),
    ...metricsOf(HARNESS_METRIC_FAMILY).map((metric) =>
      graph(
        `${metric.title} per flow`,
        [
          [
            {
              expression: metricSearchExpression(input.metricsNamespace, HARNESS_METRIC_FAMILY, metric, PERIOD_SECONDS),
              id: 'search',
            },
          ],
        ],
        metric.statistic,
      ),
    ),
  ];
  return JSON.stringify({ widgets });
}
