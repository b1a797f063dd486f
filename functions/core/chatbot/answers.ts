/**
 * The read-only commands: each reads the tracking tables (through the
 * repository, or the notification scan) and returns a {@link Reply}.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { formatFileId, parseFileId, type FileRef } from '../tracking/keys';
import type { NotificationRecord } from '../tracking/records';
import type { TrackingRepository } from '../tracking/repository';
import type { TrackingTableNames } from '../tracking/tables';
import { ALERT_SUMMARY_WINDOWS, type AlertSummaryWindow, type ReadCommand } from './commands';
import { scanNotifications } from './notification-scan';
import type { Reply, ReplyField, ReplySection } from './replies';

/** What the read commands read. */
export interface ReadDeps {
  readonly repository: TrackingRepository;
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableNames: Pick<TrackingTableNames, 'transferNotificationLog'>;
  readonly clock: () => Date;
}

/** The answer to a read command. */
export function readReply(deps: ReadDeps, command: ReadCommand): Promise<Reply> {
  switch (command.kind) {
    case 'status':
      return statusReply(deps, command.fileName);
    case 'notifications':
      return customerNotificationsReply(deps, command.customerId);
    case 'failed-notifications':
      return failedNotificationsReply(deps);
    case 'alert-summary':
      return alertSummaryReply(deps, command.window);
  }
}

/** Files shown by `/transfer-status` when several customers sent one name. */
const MAX_FILES_PER_NAME = 5;
/** Notifications listed by `/transfer-notifications`. */
const MAX_CUSTOMER_NOTIFICATIONS = 10;
/** Recent files of a customer looked at for their notifications. */
const MAX_CUSTOMER_FILES = 20;
/** The seed: "last 5 failed notifications across the system". */
const MAX_FAILED_NOTIFICATIONS = 5;

/**
 * The files a name refers to: `customer/file` names one file; a bare name
 * names every customer's file of that name.
 */
export async function filesNamed(repository: TrackingRepository, name: string): Promise<FileRef[]> {
  const byName = await repository.findFilesByName(name);
  if (byName.length > 0 || !name.includes('/')) return byName;
  let ref: FileRef;
  try {
    ref = parseFileId(name);
  } catch {
    return [];
  }
  const [report, failure] = await Promise.all([repository.statusForFile(ref), repository.getFailure(ref)]);
  return report.history.length > 0 || failure !== undefined ? [ref] : [];
}

/** `/transfer-status <file>`: the latest state and latest notification of each file of that name. */
async function statusReply(deps: ReadDeps, fileName: string): Promise<Reply> {
  const files = await filesNamed(deps.repository, fileName);
  if (files.length === 0) {
    return {
      title: `No transfer of ${fileName}`,
      sections: [{ text: 'No file of this name is in the status history.' }],
    };
  }
  const sections = await Promise.all(
    files.slice(0, MAX_FILES_PER_NAME).map(async (file): Promise<ReplySection> => {
      const [report, notifications] = await Promise.all([
        deps.repository.statusForFile(file),
        deps.repository.notificationsForFile(file),
      ]);
      const latest = report.latest;
      const notification = notifications.at(-1);
      const fields: ReplyField[] = [
        { label: 'Customer', value: file.customerId },
        { label: 'Workflow', value: latest?.workflowId ?? '—' },
        { label: 'Status', value: latest ? `${statusIcon(latest.status)} ${latest.status}` : '—' },
        { label: 'Time', value: latest?.timestamp ?? '—' },
        { label: 'Retries', value: String(latest?.retryCount ?? 0) },
      ];
      if (latest?.errorMessage) fields.push({ label: 'Error', value: latest.errorMessage });
      if (notification) fields.push(...notificationFields(notification));
      else fields.push({ label: 'Notification', value: 'none sent' });
      return { text: formatFileId(file), fields };
    }),
  );
  const more = files.length - MAX_FILES_PER_NAME;
  return {
    title: `Transfer status: ${fileName}`,
    sections,
    note: more > 0 ? `${more} more customers sent a file of this name; ask for customer/${fileName}` : undefined,
  };
}

/** `/transfer-notifications <customer>`: the customer's most recent notifications, newest first. */
async function customerNotificationsReply(deps: ReadDeps, customerId: string): Promise<Reply> {
  const entries = await deps.repository.filesForCustomer(customerId, undefined, MAX_CUSTOMER_FILES);
  const names = [...new Set(entries.map((entry) => entry.fileName))];
  const perFile = await Promise.all(
    names.map((fileName) => deps.repository.notificationsForFile({ customerId, fileName })),
  );
  const notifications = perFile
    .flat()
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
    .slice(0, MAX_CUSTOMER_NOTIFICATIONS);
  if (notifications.length === 0) {
    return {
      title: `No notifications for ${customerId}`,
      sections: [{ text: `None of ${customerId}'s ${names.length} recent files has a notification.` }],
    };
  }
  return {
    title: `Notifications for ${customerId}`,
    sections: notifications.map((n) => ({ text: n.fileName, fields: notificationFields(n) })),
    note: `The ${notifications.length} most recent, over ${customerId}'s last ${names.length} files`,
  };
}

/** `/transfer-failed-notifications`: the last five notifications that could not be delivered. */
async function failedNotificationsReply(deps: ReadDeps): Promise<Reply> {
  const failed = await scanNotifications({
    client: deps.dynamo,
    tableNames: deps.tableNames,
    since: new Date(0),
    status: 'FAILED',
  });
  if (failed.length === 0) {
    return { title: 'No failed notifications', sections: [{ text: 'Every logged notification was delivered.' }] };
  }
  return {
    title: 'Failed notifications',
    sections: failed.slice(0, MAX_FAILED_NOTIFICATIONS).map((n) => ({
      text: formatFileId(n),
      fields: [...notificationFields(n), ...(n.response ? [{ label: 'Response', value: n.response }] : [])],
    })),
    note: `${Math.min(failed.length, MAX_FAILED_NOTIFICATIONS)} most recent of ${failed.length} failed`,
  };
}

/** `/transfer-alert-summary [24h|7d]`: notifications in the window, by event and delivery status. */
async function alertSummaryReply(deps: ReadDeps, window: AlertSummaryWindow): Promise<Reply> {
  const now = deps.clock();
  const since = new Date(now.getTime() - ALERT_SUMMARY_WINDOWS[window] * 3_600_000);
  const notifications = await scanNotifications({ client: deps.dynamo, tableNames: deps.tableNames, since });
  const count = (predicate: (n: NotificationRecord) => boolean) => String(notifications.filter(predicate).length);
  const failedByCustomer = new Map<string, number>();
  for (const n of notifications.filter((n) => n.status === 'FAILED')) {
    failedByCustomer.set(n.customerId, (failedByCustomer.get(n.customerId) ?? 0) + 1);
  }
  const sections: ReplySection[] = [
    {
      fields: [
        { label: 'Notifications', value: String(notifications.length) },
        { label: 'Delivered', value: count((n) => n.status === 'SENT') },
        { label: 'Not delivered', value: count((n) => n.status === 'FAILED') },
        { label: 'Failure alerts', value: count((n) => n.event === 'FAILURE') },
        { label: 'Success notices', value: count((n) => n.event === 'SUCCESS') },
        { label: 'Customers', value: String(new Set(notifications.map((n) => n.customerId)).size) },
      ],
    },
  ];
  if (failedByCustomer.size > 0) {
    sections.push({
      text: 'Not delivered, by customer',
      fields: [...failedByCustomer]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([customer, failed]) => ({ label: customer, value: String(failed) })),
    });
  }
  return {
    title: `Alert summary, last ${window}`,
    sections,
    note: `From ${since.toISOString()} to ${now.toISOString()}`,
  };
}

function notificationFields(n: NotificationRecord): ReplyField[] {
  return [
    { label: 'Notification', value: `${n.channel} ${n.event === 'FAILURE' ? 'failure alert' : 'success notice'}` },
    { label: 'Delivery', value: `${n.status === 'SENT' ? '✅' : '❌'} ${n.status}` },
    { label: 'Sent to', value: n.target },
    { label: 'Sent at', value: n.timestamp },
    ...(n.messageId ? [{ label: 'Message id', value: n.messageId }] : []),
  ];
}

function statusIcon(status: string): string {
  return { SUCCESS: '✅', FAILED: '❌', IN_PROGRESS: '⏳', PENDING: '🕒' }[status] ?? '';
}
