/**
 * The saved Athena queries of the analytics export: the design's reporting examples, written
 * against the exported tables (`functions/core/analytics/export.ts`). Values a reader picks
 * (a workflow, a customer) are `?` parameters: the Athena console asks for them on run.
 */
import type { ExportedTableName } from '../functions/core/analytics/export';

/** One saved query. */
export interface SavedQuery {
  /** Unique within a workgroup; also the construct id. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Tables it reads; the query is saved only when every one is exported. */
  readonly tables: readonly ExportedTableName[];
  readonly sql: string;
}

/** Status-history items of the status table (claims and poller looks share its partitions). */
const STATUS_ITEMS = `sk LIKE 'TS#%'`;
const LAST_7_DAYS = `dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d')`;
const LAST_30_DAYS = `dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')`;

/** The saved queries, in the order the design lists them. */
export const SAVED_QUERIES: readonly SavedQuery[] = [
  {
    id: 'failed-files-by-workflow',
    name: 'Failed files by workflow',
    description: 'Files of one workflow (parameter: workflow id) that failed, newest first, with the error',
    tables: ['fileTransferStatus'],
    sql: [
      `SELECT fileName, customerId, status, "timestamp", errorMessage, retryCount`,
      `FROM file_transfer_status`,
      `WHERE ${STATUS_ITEMS} AND workflowId = ? AND status = 'FAILED'`,
      `ORDER BY "timestamp" DESC`,
    ].join('\n'),
  },
  {
    id: 'customer-last-7-days',
    name: "A customer's files in the last 7 days",
    description: 'Every status change of one customer (parameter: customer id) in the last 7 days, newest first',
    tables: ['fileTransferStatus'],
    sql: [
      `SELECT fileName, workflowId, status, "timestamp"`,
      `FROM file_transfer_status`,
      `WHERE ${STATUS_ITEMS} AND customerId = ? AND ${LAST_7_DAYS}`,
      `ORDER BY "timestamp" DESC`,
    ].join('\n'),
  },
  {
    id: 'counts-by-status',
    name: 'Files by latest status (30 days)',
    description: 'How many files of the last 30 days are in each status, counting each file once at its latest status',
    tables: ['fileTransferStatus'],
    sql: [
      `WITH latest AS (`,
      `  SELECT customerId, fileName, max_by(status, "timestamp") AS latest_status`,
      `  FROM file_transfer_status`,
      `  WHERE ${STATUS_ITEMS} AND ${LAST_30_DAYS}`,
      `  GROUP BY customerId, fileName`,
      `)`,
      `SELECT latest_status AS status, COUNT(*) AS total_files`,
      `FROM latest`,
      `GROUP BY latest_status`,
      `ORDER BY total_files DESC`,
    ].join('\n'),
  },
  {
    id: 'notifications-by-customer-status',
    name: 'Notifications by customer and status (7 days)',
    description: 'Notification attempts of the last 7 days per customer and outcome (SENT or FAILED)',
    tables: ['transferNotificationLog'],
    sql: [
      `SELECT customerId, status, COUNT(*) AS notifications`,
      `FROM transfer_notification_log`,
      `WHERE ${LAST_7_DAYS}`,
      `GROUP BY customerId, status`,
      `ORDER BY notifications DESC`,
    ].join('\n'),
  },
];
