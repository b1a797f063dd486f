/**
 * The analytics export: the tracking tables' DynamoDB stream records, flattened into one
 * JSON row per item version, sent to Kinesis Data Firehose, which writes them to S3 under
 * `tables/<table>/dt=<YYYY-MM-DD>/` for Athena. The row columns are derived from the
 * tracking record schemas (`tracking/records.ts`), the same schemas the repository writes
 * with, so the Glue tables (`modules/analytics-export.ts`) cannot drift from the data.
 *
 * A row is the item as the repository stored it (keys included, so `sk` tells status
 * history from claims), top-level scalars as they are and nested maps and lists as JSON
 * text, plus the stream event and its time. Deletes (TTL expiry) are not exported: the
 * export is the history, the tables are the present.
 */
import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import {
  auditEntrySchema,
  claimRecordSchema,
  customerFileEntrySchema,
  failureRecordSchema,
  notificationRecordSchema,
  polledFileRecordSchema,
  statusRecordSchema,
} from '../tracking/records';
import { TRACKING_TABLES, type TrackingTableName } from '../tracking/tables';

/** Tracking tables that are exported; workflow definitions are configuration, not history. */
export type ExportedTableName = Exclude<TrackingTableName, 'workflowDefinition'>;

/** A Glue column type the export writes. */
export type ColumnType = 'string' | 'bigint' | 'double' | 'boolean';

/** One column of an exported table. */
export interface ExportColumn {
  /** Lower case, as Athena reports it; the JSON field is matched case-insensitively. */
  readonly name: string;
  readonly type: ColumnType;
  readonly comment: string;
}

/** One exported table: its Athena name and columns. */
export interface ExportedTable {
  readonly logicalName: ExportedTableName;
  /** Athena/Glue table name and S3 folder, e.g. `file_transfer_status`. */
  readonly exportName: string;
  readonly columns: readonly ExportColumn[];
}

/** Column of every row: `INSERT` or `MODIFY`, the stream event that carried this version. */
export const STREAM_EVENT_COLUMN = 'stream_event';
/** Column of every row: when DynamoDB wrote this version (ISO-8601 UTC, from the stream record). */
export const STREAM_TIME_COLUMN = 'stream_time';
/** Row field Firehose partitions by: the exported table name. Not a column (it is the folder). */
export const ROUTE_TABLE_FIELD = 'export_table';
/** Row field Firehose partitions by: the day of `stream_time`, `YYYY-MM-DD`. Not a column (it is `dt`). */
export const ROUTE_DAY_FIELD = 'export_day';
/** The date partition of every exported table. */
export const DAY_PARTITION = 'dt';

/** The record schemas each exported table holds (a status table item is one of three kinds). */
const RECORD_SCHEMAS: Readonly<Record<ExportedTableName, readonly z.ZodType[]>> = {
  fileTransferStatus: [statusRecordSchema, claimRecordSchema, polledFileRecordSchema],
  customerFileIndex: [customerFileEntrySchema],
  fileTransferAuditLog: [auditEntrySchema],
  transferFailureQueue: [failureRecordSchema],
  transferNotificationLog: [notificationRecordSchema],
};

const JSON_TYPES: Readonly<Record<string, ColumnType>> = {
  string: 'string',
  integer: 'bigint',
  number: 'double',
  boolean: 'boolean',
};

/** The exported tables, in the tracking tables' order. */
export function exportedTables(): readonly ExportedTable[] {
  return (Object.keys(RECORD_SCHEMAS) as ExportedTableName[]).map((logicalName) => {
    const spec = TRACKING_TABLES[logicalName];
    const columns = new Map<string, ExportColumn>();
    for (const key of [spec.partitionKey, spec.sortKey]) {
      if (key) columns.set(key.name.toLowerCase(), { name: key.name.toLowerCase(), type: 'string', comment: 'key' });
    }
    for (const schema of RECORD_SCHEMAS[logicalName]) {
      const properties = (z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, { type?: string }> })
        .properties;
      for (const [field, property] of Object.entries(properties)) {
        const name = field.toLowerCase();
        // Nested maps and lists are written as JSON text (query them with json_extract).
        const type = JSON_TYPES[property.type ?? ''] ?? 'string';
        const known = columns.get(name);
        if (known && known.type !== type) {
          throw new Error(`${logicalName}.${field} is ${type} in one record kind and ${known.type} in another`);
        }
        const comment = type === 'string' && !JSON_TYPES[property.type ?? ''] ? 'JSON text' : '';
        columns.set(name, { name, type, comment });
      }
    }
    columns.set(STREAM_EVENT_COLUMN, { name: STREAM_EVENT_COLUMN, type: 'string', comment: 'INSERT or MODIFY' });
    columns.set(STREAM_TIME_COLUMN, { name: STREAM_TIME_COLUMN, type: 'string', comment: 'ISO-8601 write time' });
    return { logicalName, exportName: spec.nameSuffix.replaceAll('-', '_'), columns: [...columns.values()] };
  });
}

/** The DynamoDB stream event Lambda receives (only the fields the export reads). */
export const StreamEvent = z.object({
  Records: z.array(
    z.object({
      eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
      eventSourceARN: z.string().regex(/:table\/[^/]+\/stream\//, 'must be a DynamoDB stream ARN'),
      dynamodb: z.object({
        ApproximateCreationDateTime: z.number(),
        SequenceNumber: z.string().min(1),
        NewImage: z.record(z.string(), z.unknown()).optional(),
      }),
    }),
  ),
});
/** The DynamoDB stream event Lambda receives. */
export type StreamEvent = z.infer<typeof StreamEvent>;

/** Writes rows to the delivery stream; returns the indexes of the rows it could not take. */
export type RowWriter = (rows: readonly Buffer[]) => Promise<readonly number[]>;

/** What the exporter needs: the physical → export table names, and the delivery stream. */
export interface ExportDeps {
  /** Physical DynamoDB table name → exported table name. */
  readonly tables: Readonly<Record<string, string>>;
  readonly write: RowWriter;
  /**
   * Attempts at writing the rows the stream refused.
   * @default 3
   */
  readonly attempts?: number;
}

/** Thrown for a stream record of a table the exporter was not told about (a wiring mistake). */
export class UnknownExportTableError extends Error {
  constructor(readonly tableName: string) {
    super(`stream record of table '${tableName}', which is not an exported table`);
    this.name = 'UnknownExportTableError';
  }
}

/** The Lambda partial-batch response: the first record not delivered, so Lambda retries from it. */
export interface BatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** The row of one stream record, or undefined for a delete. */
export function exportRow(
  record: StreamEvent['Records'][number],
  tables: ExportDeps['tables'],
): Record<string, unknown> | undefined {
  if (record.eventName === 'REMOVE' || !record.dynamodb.NewImage) return undefined;
  const tableName = /:table\/([^/]+)\/stream\//.exec(record.eventSourceARN)?.[1] ?? '';
  const exportName = tables[tableName];
  if (exportName === undefined) throw new UnknownExportTableError(tableName);
  const item = unmarshall(record.dynamodb.NewImage as Parameters<typeof unmarshall>[0]);
  const row: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(item)) row[field] = columnValue(value);
  const time = new Date(record.dynamodb.ApproximateCreationDateTime * 1000).toISOString();
  row[STREAM_EVENT_COLUMN] = record.eventName;
  row[STREAM_TIME_COLUMN] = time;
  row[ROUTE_TABLE_FIELD] = exportName;
  row[ROUTE_DAY_FIELD] = time.slice(0, 10);
  return row;
}

/**
 * Exports one stream batch. Rows the delivery stream refuses are retried; if some are still
 * refused, the batch reports the first of them as failed, so Lambda retries from there and no
 * version is lost (rows after it may then be delivered twice).
 */
export async function exportStreamBatch(event: StreamEvent, deps: ExportDeps): Promise<BatchResponse> {
  const pending = event.Records.flatMap((record) => {
    const row = exportRow(record, deps.tables);
    return row === undefined
      ? []
      : [{ sequence: record.dynamodb.SequenceNumber, data: Buffer.from(JSON.stringify(row)) }];
  });
  let remaining = pending;
  for (let attempt = 0; attempt < (deps.attempts ?? 3) && remaining.length > 0; attempt += 1) {
    const refused = new Set(await deps.write(remaining.map((row) => row.data)));
    remaining = remaining.filter((_, index) => refused.has(index));
  }
  return { batchItemFailures: remaining.length === 0 ? [] : [{ itemIdentifier: remaining[0].sequence }] };
}

/** Scalars stay as they are; sets become lists; maps, lists and binary become JSON text. */
function columnValue(value: NativeAttributeValue): unknown {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner instanceof Set) return [...inner];
    if (inner instanceof Uint8Array) return Buffer.from(inner).toString('base64');
    return inner;
  });
}
