/**
 * Log Notification: records the SNS publish that Send Notification made (a direct
 * integration), then notifies the workflow's own channels — its SNS topic and its
 * webhook, whose URL (and headers) live in Secrets Manager — and records each attempt in
 * the TransferNotificationLog. A failed notification is logged, never thrown: the
 * transfer's outcome does not depend on it.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { NotificationInput } from '../tracking/repository';
import { postJson, redactedUrl } from '../webhook';
import { repositoryOf, type NotificationDeps } from './deps';
import { WorkflowState } from './state';
import { eventIdFor } from './validate';

/** What Log Notification receives: the state and the pipeline topic Send Notification published to. */
export const NotificationPayload = z.object({ state: WorkflowState, topicArn: z.string().min(1) });
/** What Log Notification receives. */
export type NotificationPayload = z.infer<typeof NotificationPayload>;

/** A webhook secret: a bare URL, or JSON with the URL and headers (e.g. an authorization token). */
const WebhookSecret = z.union([
  z.url(),
  z.object({ url: z.url(), headers: z.record(z.string(), z.string()).default({}) }),
]);

/** Channel → status of every attempt made. */
export type NotificationSummary = Record<string, 'SENT' | 'FAILED'>;

/** Logs the pipeline topic's publish and notifies the workflow's channels. */
export async function logNotification(
  payload: NotificationPayload,
  deps: NotificationDeps,
): Promise<NotificationSummary> {
  const { state, topicArn } = payload;
  const notice = state.notice;
  if (!notice) throw new Error('Log Notification needs the notice of Log Success or Log Failure');
  const repository = repositoryOf(deps);
  const { file, executionId } = state;
  const summary: NotificationSummary = {};
  const log = async (entry: Pick<NotificationInput, 'channel' | 'target' | 'status' | 'messageId' | 'response'>) => {
    summary[`${entry.channel} ${entry.target}`] = entry.status;
    await repository.logNotification({
      customerId: file.customerId,
      fileName: file.fileName,
      workflowId: file.workflowId,
      executionId,
      event: notice.event,
      notificationId: eventIdFor(executionId, `${notice.event}-${entry.channel}-${digest(entry.target)}`),
      ...entry,
    });
  };

  await log(
    notice.sns
      ? { channel: 'SNS', target: topicArn, status: 'SENT', messageId: notice.sns.messageId, response: 'published' }
      : {
          channel: 'SNS',
          target: topicArn,
          status: 'FAILED',
          response: notice.snsError?.Cause ?? notice.snsError?.Error ?? 'not published',
        },
  );

  const channels = state.transfer?.notifications;
  const message = { event: notice.event, reasonCode: notice.reasonCode, ...file, executionId, message: notice.message };
  if (channels?.snsTopicArn && channels.snsTopicArn !== topicArn) {
    const target = channels.snsTopicArn;
    try {
      if (!deps.sns) throw new Error('no SNS client in this runtime');
      const { MessageId } = await deps.sns({
        TopicArn: target,
        Subject: notice.subject,
        Message: JSON.stringify(message),
      });
      await log({ channel: 'SNS', target, status: 'SENT', messageId: MessageId, response: 'published' });
    } catch (error) {
      await log({ channel: 'SNS', target, status: 'FAILED', response: (error as Error).message });
    }
  }
  if (channels?.webhookSecretArn) {
    let target = channels.webhookSecretArn;
    try {
      if (!deps.secrets) throw new Error('no Secrets Manager client in this runtime');
      const raw = await deps.secrets(channels.webhookSecretArn);
      const secret = WebhookSecret.parse(raw.trim().startsWith('{') ? JSON.parse(raw) : raw.trim());
      const { url, headers } = typeof secret === 'string' ? { url: secret, headers: {} } : secret;
      target = redactedUrl(url);
      const { status } = await (deps.webhook ?? postJson)(url, message, headers);
      const ok = status >= 200 && status < 300;
      await log({ channel: 'WEBHOOK', target, status: ok ? 'SENT' : 'FAILED', response: `HTTP ${status}` });
    } catch (error) {
      await log({ channel: 'WEBHOOK', target, status: 'FAILED', response: (error as Error).message });
    }
  }
  return summary;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
