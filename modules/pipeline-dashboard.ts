/**
 * The transfer pipeline's CloudWatch dashboard body. The pipeline's own (EMF) metrics come
 * from one list, {@link TRANSFER_METRICS}, which the test suite holds against what
 * `functions/handlers/record-metrics.ts` emits, so no widget names a metric nobody writes.
 */

/** Powertools' `serviceName` in record-metrics; Powertools adds it as the `service` dimension. */
export const TRANSFER_METRICS_SERVICE = 'fileflow-transfer';

/**
 * The dimension set of every transfer metric: record-metrics adds `Customer` and
 * `WorkflowId`, Powertools adds `service`.
 */
export const TRANSFER_METRIC_DIMENSIONS = ['Customer', 'WorkflowId', 'service'] as const;

/** One metric record-metrics emits, and how the dashboard aggregates it. */
export interface TransferMetricDefinition {
  /** Metric name as emitted. */
  readonly name: string;
  /** Statistic the dashboard shows. */
  readonly statistic: 'Sum' | 'Maximum' | 'Average';
  /** Widget title. */
  readonly title: string;
}

/** Every metric record-metrics emits, one datum per transfer. */
export const TRANSFER_METRICS: readonly TransferMetricDefinition[] = [
  { name: 'FileTransferSuccess', statistic: 'Sum', title: 'Transfers succeeded (per customer, workflow)' },
  { name: 'FileTransferFailure', statistic: 'Sum', title: 'Transfers failed (per customer, workflow)' },
  { name: 'BytesTransferred', statistic: 'Sum', title: 'Bytes transferred' },
  { name: 'TransferSeconds', statistic: 'Maximum', title: 'Slowest copy (seconds)' },
  { name: 'TargetsFailed', statistic: 'Sum', title: 'Targets failed' },
];

/** CloudWatch namespace of an instance's transfer metrics (`POWERTOOLS_METRICS_NAMESPACE`): one per pipeline. */
export function transferMetricsNamespace(namePrefix: string): string {
  return `${namePrefix}-transfers`;
}

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
    ...TRANSFER_METRICS.map((metric) =>
      graph(metric.title, [[{ expression: searchExpression(input.metricsNamespace, metric), id: 'search' }]]),
    ),
  ];
  return JSON.stringify({ widgets });
}

/** A SEARCH over every customer and workflow of one transfer metric (dimension values are data). */
function searchExpression(namespace: string, metric: TransferMetricDefinition): string {
  const schema = [`"${namespace}"`, ...TRANSFER_METRIC_DIMENSIONS].join(',');
  return `SEARCH('{${schema}} MetricName="${metric.name}"', '${metric.statistic}', ${PERIOD_SECONDS})`;
}
