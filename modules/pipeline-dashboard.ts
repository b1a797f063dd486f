/**
 * The transfer pipeline's CloudWatch dashboard body. The pipeline's own (EMF) metrics come
 * from the metric catalogue (`functions/core/metrics/catalogue.ts`), the same definitions
 * Record Metrics emits with, so no widget names a metric nobody writes.
 */
import { metricsOf, TRANSFER_METRIC_FAMILY, type MetricDefinition } from '../functions/core/metrics/catalogue';

export { transferMetricsNamespace } from '../functions/core/metrics/catalogue';

/** What the dashboard shows; names and ARNs may be Terraform tokens. */
export interface PipelineDashboardInput {
  /** Region of every metric. */
  readonly region: string;
  /** Namespace the transfer metrics are written to. */
  readonly metricsNamespace: string;
  /** The transfer state machine's ARN. */
  readonly stateMachineArn: string;
  /** Function names, by handler, in display order. */
  readonly functionNames: Readonly<Record<string, string>>;
  /** The transfer queue's name. */
  readonly queueName: string;
  /** The dead-letter queue's name. */
  readonly deadLetterQueueName: string;
}

const PERIOD_SECONDS = 300;
const WIDTH = 12;
const HEIGHT = 6;

type Widget = Record<string, unknown>;

/** The dashboard body (`dashboard_body` JSON) of one transfer pipeline. */
export function pipelineDashboardBody(input: PipelineDashboardInput): string {
  const functions = Object.entries(input.functionNames);
  const graph = (title: string, metrics: unknown[][], stat = 'Sum'): Widget => ({
    type: 'metric',
    width: WIDTH,
    height: HEIGHT,
    properties: { title, region: input.region, view: 'timeSeries', stat, period: PERIOD_SECONDS, metrics },
  });
  const widgets: Widget[] = [
    graph(
      'Workflow executions',
      ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed'].map((name) => [
        'AWS/States',
        name,
        'StateMachineArn',
        input.stateMachineArn,
      ]),
    ),
    graph(
      'Lambda errors',
      functions.map(([handler, name]) => ['AWS/Lambda', 'Errors', 'FunctionName', name, { label: handler }]),
    ),
    graph(
      'Lambda duration (p95)',
      functions.map(([handler, name]) => ['AWS/Lambda', 'Duration', 'FunctionName', name, { label: handler }]),
      'p95',
    ),
    graph(
      'Transfer queue',
      [
        ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', input.queueName, { label: 'waiting' }],
        [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          input.deadLetterQueueName,
          { label: 'dead letters' },
        ],
        [
          'AWS/SQS',
          'ApproximateAgeOfOldestMessage',
          'QueueName',
          input.queueName,
          { label: 'oldest (s)', yAxis: 'right' },
        ],
      ],
      'Maximum',
    ),
    ...metricsOf(TRANSFER_METRIC_FAMILY).map((metric) =>
      graph(metric.title, [[{ expression: searchExpression(input.metricsNamespace, metric), id: 'search' }]]),
    ),
  ];
  return JSON.stringify({ widgets });
}

/** A SEARCH over every customer and workflow of one transfer metric (dimension values are data). */
function searchExpression(namespace: string, metric: MetricDefinition): string {
  const schema = [`"${namespace}"`, ...TRANSFER_METRIC_FAMILY.dimensions].join(',');
  return `SEARCH('{${schema}} MetricName="${metric.name}"', '${metric.statistic}', ${PERIOD_SECONDS})`;
}
