/**
 * Log Notification of the transfer workflow: logs the SNS publish of Send Notification,
 * notifies the workflow's own SNS topic and webhook, and logs each attempt. Env: the six
 * tracking table variables. IAM: PutItem/GetItem on TransferNotificationLog;
 * sns:Publish on the workflows' topics; secretsmanager:GetSecretValue on their webhook
 * secrets; HTTPS egress. Writes the catalogue's notification metrics (EMF) to
 * `POWERTOOLS_METRICS_NAMESPACE`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { emitNotificationMetrics, notificationMetrics } from '../core/metrics/emf';
import { notificationDepsFromEnvironment } from '../core/pipeline/aws-deps';
import { logNotification, NotificationPayload, type NotificationSummary } from '../core/pipeline/notification';

const logger = new Logger({ serviceName: 'fileflow-transfer' });
const deps = notificationDepsFromEnvironment(process.env);
const metrics = notificationMetrics();

/** Lambda entry point. */
export async function handler(event: unknown): Promise<NotificationSummary> {
  const payload = NotificationPayload.parse(event);
  const started = performance.now();
  const summary = await logNotification(payload, deps);
  const { customerId, workflowId, fileName } = payload.state.file;
  const seconds = (performance.now() - started) / 1000;
  emitNotificationMetrics(metrics, { customerId, workflowId, fileName, statuses: Object.values(summary), seconds });
  logger.info('notified', { file: payload.state.file, summary });
  return summary;
}
