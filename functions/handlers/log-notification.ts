/**
 * Log Notification of the transfer workflow: logs the SNS publish of Send Notification,
 * notifies the workflow's own SNS topic and webhook, and logs each attempt. Env: the six
 * tracking table variables. IAM: PutItem/GetItem on TransferNotificationLog;
 * sns:Publish on the workflows' topics; secretsmanager:GetSecretValue on their webhook
 * secrets; HTTPS egress.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { pipelineDepsFromEnvironment } from '../core/pipeline/aws-deps';
import { logNotification, NotificationPayload, type NotificationSummary } from '../core/pipeline/notification';

const logger = new Logger({ serviceName: 'fileflow-transfer' });
const deps = pipelineDepsFromEnvironment(process.env);

/** Lambda entry point. */
export async function handler(event: unknown): Promise<NotificationSummary> {
  const payload = NotificationPayload.parse(event);
  const summary = await logNotification(payload, deps);
  logger.info('notified', { file: payload.state.file, summary });
  return summary;
}
