/**
 * System-wide reads of the notification log that the repository has no query
 * for: "the last failed notifications" and "notifications since a time". The
 * log is keyed per file and has no time index, so these are a filtered Scan.
 * The table stays small — one item per notification, expired by TTL after
 * 90 days — so a scan per bot command is a few read units; should the log
 * grow large, a sparse time index on the table is the way forward.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalTimestamp } from '../tracking/keys';
import { notificationRecordSchema, parseOrThrow, type NotificationRecord } from '../tracking/records';
import { TRACKING_TABLES, derivedAttributes, type TrackingTableNames } from '../tracking/tables';

/** What {@link scanNotifications} reads. */
export interface NotificationScan {
  readonly client: DynamoDBDocumentClient;
  readonly tableNames: Pick<TrackingTableNames, 'transferNotificationLog'>;
  /** Only notifications at or after this time. */
  readonly since: Date;
  /** Only notifications with this delivery status. @default both */
  readonly status?: NotificationRecord['status'];
}

const DERIVED = derivedAttributes(TRACKING_TABLES.transferNotificationLog);

/** Every matching notification, newest first. */
export async function scanNotifications(scan: NotificationScan): Promise<NotificationRecord[]> {
  const names: Record<string, string> = { '#timestamp': 'timestamp' };
  const values: Record<string, unknown> = { ':since': canonicalTimestamp(scan.since) };
  let filter = '#timestamp >= :since';
  if (scan.status !== undefined) {
    names['#status'] = 'status';
    values[':status'] = scan.status;
    filter += ' AND #status = :status';
  }
  const records: NotificationRecord[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await scan.client.send(
      new ScanCommand({
        TableName: scan.tableNames.transferNotificationLog,
        FilterExpression: filter,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const record = Object.fromEntries(Object.entries(item).filter(([name]) => !DERIVED.has(name)));
      records.push(parseOrThrow(notificationRecordSchema, record, 'notification'));
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey !== undefined);
  return records.sort((a, b) => b.timestamp.localeCompare(a.timestamp));
}
