/**
 * The tracking tables as plain data: the single description read by the CDKTF
 * construct (`modules/tracking-tables.ts`) and by the local runtime's table
 * creation (`cli/local/dynamodb.ts`), so AWS and the laptop cannot drift apart.
 *
 * Key *values* are built in `keys.ts`; this file only names the attributes.
 */

/** The six tracking tables, by logical name (also the construct id and the property name). */
export type TrackingTableName =
  | 'fileTransferStatus'
  | 'customerFileIndex'
  | 'workflowDefinition'
  | 'fileTransferAuditLog'
  | 'transferFailureQueue'
  | 'transferNotificationLog';

/** A key attribute: DynamoDB only needs the type of attributes used in keys. */
export interface KeyAttributeSpec {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** What a global secondary index copies from the table. */
export type IndexProjectionSpec =
  | { readonly type: 'ALL' }
  | { readonly type: 'KEYS_ONLY' }
  | { readonly type: 'INCLUDE'; readonly nonKeyAttributes: readonly string[] };

/** One global secondary index. Its key attributes are dedicated (derived) attributes, so every index is sparse. */
export interface IndexSpec {
  readonly name: string;
  readonly partitionKey: KeyAttributeSpec;
  readonly sortKey?: KeyAttributeSpec;
  readonly projection: IndexProjectionSpec;
  /** The query this index answers. */
  readonly purpose: string;
}

/** One DynamoDB table. */
export interface TableSpec {
  readonly logicalName: TrackingTableName;
  /** Appended to the deployment's name prefix: `<prefix>-<nameSuffix>`. */
  readonly nameSuffix: string;
  /** Environment variable through which handlers receive the physical name. */
  readonly environmentVariable: string;
  readonly purpose: string;
  readonly partitionKey: KeyAttributeSpec;
  readonly sortKey?: KeyAttributeSpec;
  readonly indexes: readonly IndexSpec[];
  /** Attribute holding an expiry time in epoch seconds; absent when items live forever. */
  readonly ttlAttribute?: string;
  /** DynamoDB Streams view type when the table feeds a stream consumer. */
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
}

/** Every table with a TTL uses the same attribute name, in epoch seconds. */
export const TTL_ATTRIBUTE = 'expiresAt';

const PK: KeyAttributeSpec = { name: 'PK', type: 'S' };
const SK: KeyAttributeSpec = { name: 'SK', type: 'S' };

/**
 * The table specifications.
 *
 * `fileTransferStatus` holds three kinds of item under one file partition
 * (`PK = FILE#<customer>#<file>`), told apart by the sort-key prefix:
 * - `TS#<iso>#<STATUS>` — status history, one item per state change (the only items carrying index attributes);
 * - `CLAIM#<fingerprint>` — one per file version: the conditional write that stops a duplicate event from
 *   copying twice, and the durable retry counter (`retryCount`, an atomic ADD);
 * - `POLL#<workflowId>` — the pull poller's last look (size + mtime), so a file is started once, after two
 *   identical looks.
 * Keeping them in one partition lets `fileflow status --file` read everything about a file with one query.
 */
export const TRACKING_TABLES: Readonly<Record<TrackingTableName, TableSpec>> = {
  fileTransferStatus: {
    logicalName: 'fileTransferStatus',
    nameSuffix: 'file-transfer-status',
    environmentVariable: 'FILE_TRANSFER_STATUS_TABLE',
    purpose: 'Status history, duplicate-event claims, retry counters and poller looks per file',
    partitionKey: PK,
    sortKey: SK,
    indexes: [
      {
        name: 'byCustomerTime',
        partitionKey: { name: 'byCustomerTimePk', type: 'S' },
        sortKey: { name: 'byCustomerTimeSk', type: 'S' },
        projection: { type: 'ALL' },
        purpose: 'Status changes of one customer, in time order',
      },
      {
        name: 'byWorkflowStatus',
        partitionKey: { name: 'byWorkflowStatusPk', type: 'S' },
        sortKey: { name: 'byWorkflowStatusSk', type: 'S' },
        projection: {
          type: 'INCLUDE',
          nonKeyAttributes: ['customerId', 'fileName', 'status', 'timestamp', 'executionId', 'errorMessage'],
        },
        purpose: 'Status changes of one workflow with one status, in time order',
      },
      {
        name: 'byFileName',
        partitionKey: { name: 'byFileNamePk', type: 'S' },
        projection: { type: 'KEYS_ONLY' },
        purpose: 'Which customers sent a file of this name (`fileflow status --file NAME`)',
      },
    ],
    // The seed: TTL "for old items if not needed for audit" — the audit log keeps the long history.
    ttlAttribute: TTL_ATTRIBUTE,
    // Streams feed the analytics export (modules/analytics-export.ts), Athena's copy of the history.
    stream: 'NEW_IMAGE',
  },
  customerFileIndex: {
    logicalName: 'customerFileIndex',
    nameSuffix: 'customer-file-index',
    environmentVariable: 'CUSTOMER_FILE_INDEX_TABLE',
    purpose: 'Latest outcome of every file per customer and day, for reports and `fileflow status --customer`',
    partitionKey: PK,
    sortKey: SK,
    indexes: [],
    stream: 'NEW_IMAGE',
  },
  workflowDefinition: {
    logicalName: 'workflowDefinition',
    nameSuffix: 'workflow-definition',
    environmentVariable: 'WORKFLOW_DEFINITION_TABLE',
    purpose: 'Routing, validation, retry and notification settings per workflow',
    partitionKey: PK,
    indexes: [],
  },
  fileTransferAuditLog: {
    logicalName: 'fileTransferAuditLog',
    nameSuffix: 'file-transfer-audit-log',
    environmentVariable: 'FILE_TRANSFER_AUDIT_LOG_TABLE',
    purpose: 'Append-only history of every event in the life of a file',
    partitionKey: PK,
    sortKey: SK,
    indexes: [],
    // The seed: "auto-delete old logs (e.g., after 1 year)" and "Streams → Firehose → S3" for audit export.
    ttlAttribute: TTL_ATTRIBUTE,
    stream: 'NEW_IMAGE',
  },
  transferFailureQueue: {
    logicalName: 'transferFailureQueue',
    nameSuffix: 'transfer-failure-queue',
    environmentVariable: 'TRANSFER_FAILURE_QUEUE_TABLE',
    purpose: 'Transfers that exhausted their retries, waiting for manual review and re-drive',
    partitionKey: PK,
    indexes: [
      {
        name: 'openFailures',
        partitionKey: { name: 'openFailuresPk', type: 'S' },
        sortKey: { name: 'openFailuresSk', type: 'S' },
        projection: { type: 'ALL' },
        purpose: 'Unresolved failures, newest first (`fileflow status --failed`); resolving removes the item',
      },
    ],
    // The seed: "auto-expire records older than 30 days if reprocessed" — only resolved items get a TTL.
    ttlAttribute: TTL_ATTRIBUTE,
    stream: 'NEW_IMAGE',
  },
  transferNotificationLog: {
    logicalName: 'transferNotificationLog',
    nameSuffix: 'transfer-notification-log',
    environmentVariable: 'TRANSFER_NOTIFICATION_LOG_TABLE',
    purpose: 'Every SNS or webhook notification sent about a file, and its outcome',
    partitionKey: PK,
    sortKey: SK,
    indexes: [],
    // The seed: "purge logs older than X days if logs are exported to S3".
    ttlAttribute: TTL_ATTRIBUTE,
    stream: 'NEW_IMAGE',
  },
};

/** Physical table names by logical name. */
export type TrackingTableNames = Readonly<Record<TrackingTableName, string>>;

/** All specs, in a stable order. */
export function trackingTableSpecs(): readonly TableSpec[] {
  return Object.values(TRACKING_TABLES);
}

/** The physical name of one table: `<prefix>-<suffix>`; the construct and the local runtime both use this. */
export function physicalTableName(spec: TableSpec, namePrefix: string): string {
  return `${namePrefix}-${spec.nameSuffix}`;
}

/** Physical names of every table for a name prefix. */
export function physicalTableNames(namePrefix: string): TrackingTableNames {
  return mapTables((spec) => physicalTableName(spec, namePrefix));
}

/** Thrown when a handler starts without the environment variables naming its tables. */
export class MissingTableNameError extends Error {
  constructor(readonly variables: readonly string[]) {
    super(`missing table name environment variable(s): ${variables.join(', ')}`);
    this.name = 'MissingTableNameError';
  }
}

/** Reads every table name from the environment variables set by the construct. */
export function tableNamesFromEnvironment(env: NodeJS.ProcessEnv): TrackingTableNames {
  const missing = trackingTableSpecs()
    .filter((spec) => !env[spec.environmentVariable])
    .map((spec) => spec.environmentVariable);
  if (missing.length > 0) throw new MissingTableNameError(missing);
  return mapTables((spec) => env[spec.environmentVariable] as string);
}

/** The attributes the repository derives from other fields (keys, index keys, TTL); records never carry them. */
export function derivedAttributes(spec: TableSpec): ReadonlySet<string> {
  const names = [spec.partitionKey.name, spec.sortKey?.name, spec.ttlAttribute];
  for (const index of spec.indexes) names.push(index.partitionKey.name, index.sortKey?.name);
  return new Set(names.filter((name): name is string => name !== undefined));
}

function mapTables<T>(fn: (spec: TableSpec) => T): Readonly<Record<TrackingTableName, T>> {
  const entries = trackingTableSpecs().map((spec) => [spec.logicalName, fn(spec)] as const);
  return Object.fromEntries(entries) as Record<TrackingTableName, T>;
}
