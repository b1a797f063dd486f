/**
 * Transfers of every customer in a date range, for the results report. The
 * customer file index is keyed by customer, and no index answers "every
 * customer, these days", so this reads it with a scan filtered on the entry's
 * own `date` field: the table holds one small item per file and day, and a
 * report is an occasional read. A failed file gets its reason code from the
 * failure queue.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { customerFileEntrySchema, parseOrThrow } from '../tracking/records';
import type { TrackingRepository } from '../tracking/repository';
import { TRACKING_TABLES, derivedAttributes, type TrackingTableNames } from '../tracking/tables';
import type { ReportRange, TransferEntry } from './model';

/** Failure-queue look-ups in flight at once. */
const LOOKUPS_AT_ONCE = 16;

/** What {@link readTransfers} reads through. */
export interface TransferSources {
  readonly client: DynamoDBDocumentClient;
  readonly tableNames: TrackingTableNames;
  readonly repository: TrackingRepository;
}

/** The code the pipeline puts before the message of a failed entry (`PERMISSION_DENIED: …`). */
function leadingCode(message: string | undefined): string | undefined {
  return /^([A-Z][A-Z0-9_]*): /.exec(message ?? '')?.[1];
}

/** Every customer file index entry dated inside `range` (both ends included), failed ones with their reason code. */
export async function readTransfers(sources: TransferSources, range: ReportRange): Promise<TransferEntry[]> {
  const derived = derivedAttributes(TRACKING_TABLES.customerFileIndex);
  const entries = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await sources.client.send(
      new ScanCommand({
        TableName: sources.tableNames.customerFileIndex,
        FilterExpression: '#date BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#date': 'date' },
        ExpressionAttributeValues: { ':from': range.from, ':to': range.to },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const record = Object.fromEntries(Object.entries(item).filter(([name]) => !derived.has(name)));
      entries.push(parseOrThrow(customerFileEntrySchema, record, 'customer file entry'));
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey !== undefined);

  const withReasons: TransferEntry[] = [];
  for (let start = 0; start < entries.length; start += LOOKUPS_AT_ONCE) {
    const batch = entries.slice(start, start + LOOKUPS_AT_ONCE);
    withReasons.push(
      ...(await Promise.all(
        batch.map(async (entry): Promise<TransferEntry> => {
          if (entry.status !== 'FAILED') return entry;
          const failure = await sources.repository.getFailure(entry);
          const reasonCode = failure?.reasonCode ?? leadingCode(entry.errorMessage);
          return reasonCode === undefined ? entry : { ...entry, reasonCode };
        }),
      )),
    );
  }
  return withReasons;
}
