import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { expect } from 'chai';
import { GRAFANA_NOTIFICATIONS_FILE } from '../../cli/commands/dashboards';
import { prod } from '../../environments/prod';
import {
  HARNESS_METRIC_FAMILY,
  metricsOf,
  NOTIFICATION_METRIC_FAMILY,
  TRANSFER_METRIC_FAMILY,
  type MetricFamily,
} from '../../functions/core/metrics/catalogue';
import {
  emitHarnessRun,
  emitNotificationMetrics,
  emitTransferMetric,
  notificationMetrics,
  transferMetrics,
} from '../../functions/core/metrics/emf';
import {
  LOG_NOTIFICATION_FUNCTION_SUFFIX,
  notificationDashboard,
  notificationDashboardJson,
  type GrafanaDashboard,
} from '../../functions/core/metrics/grafana';
import { harnessDashboardBody } from '../../modules/harness-dashboard';
import { pipelineDashboardBody } from '../../modules/pipeline-dashboard';
import { TRANSFER_HANDLERS } from '../../modules/transfer-pipeline';
import { emittedEmf, type EmfDocument } from '../helpers/emf';

const REPO_ROOT = join(__dirname, '..', '..');
const FAMILIES: readonly MetricFamily[] = [TRANSFER_METRIC_FAMILY, HARNESS_METRIC_FAMILY, NOTIFICATION_METRIC_FAMILY];
const CATALOGUE_NAMES = new Set(FAMILIES.flatMap((family) => metricsOf(family).map((metric) => metric.name)));

/** Metric names a CloudWatch SEARCH, a Metrics Insights SELECT or a metric widget row names. */
function metricNamesIn(text: string): string[] {
  const searches = [...text.matchAll(/MetricName=\\?"(\w+)\\?"/g)].map((m) => m[1]);
  const selects = [...text.matchAll(/SELECT (?:SUM|AVG|MAX|MIN|COUNT)\((\w+)\)/g)].map((m) => m[1]);
  return [...searches, ...selects];
}

/** Metric names of the rows of CloudWatch metric widgets outside the AWS/ service namespaces. */
function ownMetricRows(body: string): string[] {
  const widgets = (JSON.parse(body) as { widgets: { properties: { metrics?: unknown[][] } }[] }).widgets;
  return widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).flatMap((row) =>
      typeof row[0] === 'string' && !row[0].startsWith('AWS/') ? [row[1] as string] : [],
    ),
  );
}

function emittedNames(documents: EmfDocument[]): string[] {
  return [...new Set(documents.flatMap((d) => d._aws.CloudWatchMetrics.flatMap((c) => c.Metrics.map((m) => m.Name))))];
}

describe('Dashboards', () => {
  describe('GIVEN the Grafana notifications dashboard generated from the catalogue', () => {
    const dashboard: GrafanaDashboard = notificationDashboard({ defaultNamePrefix: prod.namePrefix });
    const text = JSON.stringify(dashboard);

    it('THEN the committed file is exactly what `fileflow dashboards grafana` writes', () => {
      const committed = readFileSync(join(REPO_ROOT, GRAFANA_NOTIFICATIONS_FILE), 'utf8');
      expect(committed).to.equal(notificationDashboardJson({ defaultNamePrefix: prod.namePrefix }));
    });

    it('THEN it imports into Grafana 9+ and asks for a CloudWatch data source, a region and an environment', () => {
      expect(dashboard.schemaVersion).to.be.at.least(36);
      const variables = dashboard.templating.list;
      expect(variables.map((v) => v.name)).to.deep.equal(['datasource', 'region', 'prefix']);
      expect(variables[0]).to.include({ type: 'datasource', query: 'cloudwatch' });
      expect(variables[2]).to.include({ type: 'textbox', query: prod.namePrefix });
      for (const panel of dashboard.panels) {
        expect(panel.datasource, panel.title).to.deep.equal({ type: 'cloudwatch', uid: '${datasource}' });
        for (const target of panel.targets) {
          expect(target.datasource, panel.title).to.deep.equal({ type: 'cloudwatch', uid: '${datasource}' });
          expect(target.region, panel.title).to.equal('$region');
        }
      }
    });

    it('THEN it shows sent vs failed, failures per customer, latency per workflow and recent failures', () => {
      const { sent, failed, latency } = NOTIFICATION_METRIC_FAMILY.metrics;
      const panelText = (title: RegExp) =>
        JSON.stringify(dashboard.panels.find((panel) => title.test(panel.title))?.targets ?? 'missing');
      expect(metricNamesIn(panelText(/sent vs failed/))).to.have.members([sent.name, failed.name]);
      expect(panelText(/most notification failures/))
        .to.include(`SUM(${failed.name})`)
        .and.include('GROUP BY Customer');
      expect(panelText(/latency per workflow/))
        .to.include(`AVG(${latency.name})`)
        .and.include('GROUP BY WorkflowId');
      expect(panelText(/Recent failed/)).to.include(`filter ${failed.name} > 0`);
    });

    it('THEN every metric it names is in the catalogue, and it queries the pipeline namespace', () => {
      const names = metricNamesIn(text);
      expect(names.length).to.be.greaterThan(0);
      for (const name of names) expect(CATALOGUE_NAMES, name).to.include(name);
      expect(text).to.not.match(/"namespace":"[^"]+"/);
      expect(text).to.include('${prefix}-transfers');
    });

    it("THEN the recent-failures table reads Log Notification's own log group", () => {
      expect(LOG_NOTIFICATION_FUNCTION_SUFFIX).to.equal(TRANSFER_HANDLERS.logNotification);
      const logs = dashboard.panels.flatMap((panel) => panel.targets).filter((t) => t.queryMode === 'Logs');
      expect(logs.map((t) => t.logGroupNames)).to.deep.equal([[`/aws/lambda/\${prefix}-log-notification`]]);
    });
  });

  describe('GIVEN the CloudWatch dashboard of the transfer pipeline', () => {
    const body = pipelineDashboardBody({
      region: 'eu-west-1',
      metricsNamespace: 'ff-dev-transfers',
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:ff-dev-transfer',
      functionNames: { recordMetrics: 'ff-dev-record-metrics' },
      queueName: 'ff-dev-transfers',
      deadLetterQueueName: 'ff-dev-transfers-dlq',
    });

    it('THEN every metric of its own it graphs is in the catalogue', () => {
      const names = [...metricNamesIn(body), ...ownMetricRows(body)];
      expect(names).to.include.members(metricsOf(TRANSFER_METRIC_FAMILY).map((metric) => metric.name));
      for (const name of names) expect(CATALOGUE_NAMES, name).to.include(name);
    });
  });

  describe('GIVEN the CloudWatch dashboard of the flow-test harness', () => {
    const body = harnessDashboardBody({
      region: 'eu-west-1',
      metricsNamespace: 'ff-dev-harness',
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:ff-dev-harness',
    });

    it('THEN every metric of its own it graphs is in the catalogue', () => {
      const names = [...metricNamesIn(body), ...ownMetricRows(body)];
      expect(names).to.include.members(metricsOf(HARNESS_METRIC_FAMILY).map((metric) => metric.name));
      for (const name of names) expect(CATALOGUE_NAMES, name).to.include(name);
    });
  });

  describe('GIVEN the emitters', () => {
    it('WHEN the transfer, harness and notification metrics are written THEN they are exactly the catalogue', () => {
      const documents = emittedEmf(() => {
        const transfers = transferMetrics('ns');
        for (const outcome of ['SUCCESS', 'FAILURE'] as const) {
          emitTransferMetric(transfers, {
            customerId: 'acme',
            workflowId: 'acme-orders',
            outcome,
            bytes: 10,
            seconds: 1,
            targetsCopied: 1,
            targetsFailed: 0,
          });
        }
        emitHarnessRun(new Metrics({ namespace: 'ns', serviceName: HARNESS_METRIC_FAMILY.service }), 'flow-1', 1, 2);
        emitNotificationMetrics(notificationMetrics('ns'), {
          customerId: 'acme',
          workflowId: 'acme-orders',
          fileName: 'orders.csv',
          statuses: ['SENT'],
          seconds: 0.1,
        });
      });
      expect(emittedNames(documents)).to.have.members([...CATALOGUE_NAMES]);
    });
  });
});
