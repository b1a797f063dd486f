/**
 * The typed repository over the six tracking tables. Handlers, the local
 * runtime and the CLI read and write tracking state only through this class;
 * keys come from `keys.ts`, shapes from `records.ts`.
 *
 * Every write is a single-item operation (conditional put, conditional update,
 * atomic ADD): no transactions, so the same code runs against dynalite, which
 * has no TransactWriteItems. TTL attributes are written everywhere the seed
 * asks for them; AWS expires the items, dynalite ignores the attribute.
 */
import { randomUUID } from 'node:crypto';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import {
  CLAIM_PREFIX,
  OPEN_FAILURES_PARTITION,
  TIMESTAMP_PREFIX,
  auditSortKey,
  calendarDate,
  canonicalTimestamp,
  claimSortKey,
  customerDatePrefix,
  customerDateSortKey,
  customerKey,
  failureKey,
  fileKey,
  notificationKey,
  notificationSortKey,
  parseFileKey,
  parsePollFingerprint,
  pollFingerprint,
  pollSortKey,
  statusSortKey,
  workflowKey,
  workflowStatusPrefix,
  workflowStatusSortKey,
  type FileRef,
} from './keys';
import {
  auditEntrySchema,
  claimRecordSchema,
  customerFileEntrySchema,
  failureRecordSchema,
  notificationRecordSchema,
  parseOrThrow,
  parseWorkflowDefinition,
  polledFileRecordSchema,
  statusRecordSchema,
  workflowDefinitionSchema,
  type AuditEntry,
  type ClaimRecord,
  type CustomerFileEntry,
  type FailureRecord,
  type FailureResolution,
  type NotificationRecord,
  type PolledFileRecord,
  type StatusRecord,
  type TransferStatus,
  type WorkflowDefinition,
} from './records';
import {
  TRACKING_TABLES,
  TTL_ATTRIBUTE,
  derivedAttributes,
  type TrackingTableName,
  type TrackingTableNames,
} from './tables';

/** Days an item lives before its TTL expires it. */
export interface RetentionDays {
  /** Status history, claims and retry counters. */
  readonly statusHistory: number;
  /** Poller looks, counted from the last look (a kept file is looked at, and kept alive, on every poll). */
  readonly polledFile: number;
  /** Audit events; the seed suggests a year. */
  readonly audit: number;
  /** Failures after an operator resolved them; the seed suggests 30 days. Open failures never expire. */
  readonly resolvedFailure: number;
  /** Notification attempts. */
  readonly notification: number;
}

/** The retention used unless the repository is told otherwise. */
export const DEFAULT_RETENTION_DAYS: RetentionDays = {
  statusHistory: 90,
  polledFile: 30,
  audit: 365,
  resolvedFailure: 30,
  notification: 90,
};

/** What the repository needs. */
export interface TrackingRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableNames: TrackingTableNames;
  /**
   * Source of "now" for timestamps and TTLs.
   * @default () => new Date()
   */
  readonly clock?: () => Date;
  /**
   * Overrides of the item lifetimes.
   * @default DEFAULT_RETENTION_DAYS
   */
  readonly retentionDays?: Partial<RetentionDays>;
}

/** A workflow as stored: the definition plus when it was first stored and last changed. */
export interface StoredWorkflow {
  readonly definition: WorkflowDefinition;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One version of one file: the identity a claim and its retry counter belong to. */
export interface FileVersionRef extends FileRef {
  /** S3: the event's object `sequencer` (or version id); pull sources: {@link pollFingerprint}. */
  readonly fingerprint: string;
}

/** Input of {@link TrackingRepository.claimTransfer}. */
export interface ClaimInput extends FileVersionRef {
  readonly workflowId: string;
  /** The Step Functions execution that will copy the file. */
  readonly executionId: string;
}

/** `claimed`: this execution owns the file version (also on a retried call by the same execution). `duplicate`: another does. */
export type ClaimOutcome =
  | { readonly outcome: 'claimed'; readonly claim: ClaimRecord }
  | { readonly outcome: 'duplicate'; readonly claim: ClaimRecord };

/** `appended`: the item is new. `duplicate`: an item with the same key existed and was left untouched. */
export interface AppendOutcome<T> {
  readonly outcome: 'appended' | 'duplicate';
  /** The stored item: the new one, or on `duplicate` the one that was already there. */
  readonly entry: T;
}

/** Input of {@link TrackingRepository.recordStatus}. */
export type StatusInput = Omit<StatusRecord, 'timestamp'> & { readonly timestamp?: string };

/** Input of {@link TrackingRepository.indexCustomerFile}; `date` defaults to the UTC day of `timestamp`. */
export type CustomerFileInput = Omit<CustomerFileEntry, 'date' | 'timestamp'> & {
  readonly date?: string;
  readonly timestamp?: string;
};

/** Input of {@link TrackingRepository.appendAudit}; give a deterministic `eventId` so a retried write is recognised. */
export type AuditInput = Omit<AuditEntry, 'eventId' | 'timestamp'> & {
  readonly eventId?: string;
  readonly timestamp?: string;
};

/** Input of {@link TrackingRepository.enqueueFailure}. */
export type FailureInput = Omit<FailureRecord, 'failedAt' | 'failureCount' | 'resolution'> & {
  readonly failedAt?: string;
};

/** Input of {@link TrackingRepository.resolveFailure}. */
export interface ResolveFailureInput {
  /** `REDRIVEN` also releases the file version's claim, so the new execution may claim it. */
  readonly outcome: FailureResolution;
  /** Who resolved it (operator name or tool). */
  readonly resolvedBy: string;
  readonly note?: string;
}

/** `already-resolved`: someone resolved it before; nothing was changed. */
export interface ResolveFailureOutcome {
  readonly outcome: 'resolved' | 'already-resolved';
  readonly failure: FailureRecord;
}

/** Input of {@link TrackingRepository.logNotification}. */
export type NotificationInput = Omit<NotificationRecord, 'notificationId' | 'timestamp'> & {
  readonly notificationId?: string;
  readonly timestamp?: string;
};

/** Input of {@link TrackingRepository.markPolledFile}: what the poller saw. */
export interface PollInput extends FileRef {
  readonly workflowId: string;
  readonly size: number;
  readonly mtime: Date | string;
}

/**
 * The poller's verdict on one look:
 * - `first-look`: never seen; wait for the next look.
 * - `changed`: size or mtime moved since the last look (still being written, or a new version); wait.
 * - `start`: unchanged across two looks and not started yet; this caller starts it (exactly one caller gets this).
 * - `already-started`: unchanged, and a transfer was started for this version before.
 */
export interface PollLook {
  readonly outcome: 'first-look' | 'changed' | 'start' | 'already-started';
  readonly startTransfer: boolean;
  /** Claim fingerprint of the version seen. */
  readonly fingerprint: string;
  /** The look as stored after this call (`starts` counts the transfers started for this version). */
  readonly record: PolledFileRecord;
}

/** One polled version of a file for one workflow: what {@link TrackingRepository.settlePolledFile} and `rearmPolledFile` act on. */
export interface PolledVersionRef extends FileVersionRef {
  readonly workflowId: string;
}

/** Everything the status table holds about one file. */
export interface FileStatusReport {
  readonly file: FileRef;
  /** The newest status-history item. */
  readonly latest?: StatusRecord;
  /** Status history, newest first. */
  readonly history: readonly StatusRecord[];
  readonly claims: readonly ClaimRecord[];
  readonly polls: readonly PolledFileRecord[];
}

/** A status change as the `byWorkflowStatus` index projects it. */
export type WorkflowStatusEntry = Pick<
  StatusRecord,
  'customerId' | 'fileName' | 'workflowId' | 'status' | 'timestamp' | 'executionId' | 'errorMessage'
>;

/** Thrown when a retry is counted for a file version nobody claimed. */
export class ClaimNotFoundError extends Error {
  constructor(readonly ref: FileVersionRef) {
    super(`no claim for ${ref.customerId}/${ref.fileName} (${ref.fingerprint})`);
    this.name = 'ClaimNotFoundError';
  }
}

/** Thrown when a failure to resolve is not in the queue. */
export class FailureNotFoundError extends Error {
  constructor(readonly ref: FileRef) {
    super(`no failure recorded for ${ref.customerId}/${ref.fileName}`);
    this.name = 'FailureNotFoundError';
  }
}

/** Thrown when a failure was replaced by a newer one while it was being resolved; review it again. */
export class FailureChangedError extends Error {
  constructor(readonly ref: FileRef) {
    super(`the failure of ${ref.customerId}/${ref.fileName} changed while it was being resolved; review it again`);
    this.name = 'FailureChangedError';
  }
}

const DAY_SECONDS = 86_400;
const DEFAULT_PAGE_LIMIT = 100;
/** Optimistic single-item protocols retry a few times when another writer got in between. */
const MAX_CONTENTION_ATTEMPTS = 5;

/** Typed access to the tracking tables. */
export class TrackingRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableNames: TrackingTableNames;
  private readonly clock: () => Date;
  private readonly retention: RetentionDays;

  constructor(options: TrackingRepositoryOptions) {
    this.client = options.client;
    this.tableNames = options.tableNames;
    this.clock = options.clock ?? (() => new Date());
    this.retention = { ...DEFAULT_RETENTION_DAYS, ...options.retentionDays };
  }

  // ------------------------------------------------------------ workflow definitions

  /** Validates and stores a workflow definition (replacing any earlier version, keeping its `createdAt`). */
  async putWorkflow(input: unknown): Promise<StoredWorkflow> {
    const definition = parseWorkflowDefinition(input);
    const now = this.now();
    const previous = await this.getWorkflow(definition.id);
    const stored: StoredWorkflow = { definition, createdAt: previous?.createdAt ?? now, updatedAt: now };
    await this.client.send(
      new PutCommand({
        TableName: this.tableNames.workflowDefinition,
        Item: { PK: workflowKey(definition.id), ...compact(definition), createdAt: stored.createdAt, updatedAt: now },
      }),
    );
    return stored;
  }

  /** One workflow, or `undefined` when there is none with this id. */
  async getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableNames.workflowDefinition,
        Key: { PK: workflowKey(workflowId) },
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : this.storedWorkflow(Item);
  }

  /** Every workflow, ordered by id. The table holds one small item per workflow, so a scan is the right tool. */
  async listWorkflows(): Promise<StoredWorkflow[]> {
    const workflows: StoredWorkflow[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.tableNames.workflowDefinition, ExclusiveStartKey }),
      );
      for (const item of page.Items ?? []) workflows.push(this.storedWorkflow(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey !== undefined);
    return workflows.sort((a, b) => a.definition.id.localeCompare(b.definition.id));
  }

  private storedWorkflow(item: Record<string, unknown>): StoredWorkflow {
    const { createdAt, updatedAt, ...rest } = this.stripDerived('workflowDefinition', item);
    return {
      definition: parseOrThrow(workflowDefinitionSchema, rest, 'stored workflow definition'),
      createdAt: String(createdAt),
      updatedAt: String(updatedAt),
    };
  }

  // ------------------------------------------------------------ claims and retries

  /**
   * Claims one version of a file for one execution with a conditional write, so
   * a duplicate event (EventBridge and SQS deliver at least once) does not copy
   * twice. The claim succeeds when nobody holds it, when a re-drive released
   * it, or when the same execution asks again (a retried Lambda call).
   */
  async claimTransfer(input: ClaimInput): Promise<ClaimOutcome> {
    const claim = parseOrThrow(
      claimRecordSchema,
      { ...input, claimState: 'ACTIVE', claimedAt: this.now(), retryCount: 0 },
      'claim',
    );
    const key = { PK: fileKey(input), SK: claimSortKey(input.fingerprint) };
    for (let attempt = 0; attempt < MAX_CONTENTION_ATTEMPTS; attempt++) {
      const written = await this.putIf({
        TableName: this.tableNames.fileTransferStatus,
        Item: { ...key, ...claim, [TTL_ATTRIBUTE]: this.expiry(this.retention.statusHistory) },
        ConditionExpression: 'attribute_not_exists(PK) OR claimState = :released',
        ExpressionAttributeValues: { ':released': 'RELEASED' },
      });
      if (written) return { outcome: 'claimed', claim };
      const existing = await this.getItem('fileTransferStatus', key);
      if (existing === undefined) continue; // expired between the two calls: claim again
      const held = parseOrThrow(claimRecordSchema, this.stripDerived('fileTransferStatus', existing), 'stored claim');
      const sameExecution = held.executionId === input.executionId && held.claimState === 'ACTIVE';
      return { outcome: sameExecution ? 'claimed' : 'duplicate', claim: held };
    }
    throw new Error(`could not claim ${input.customerId}/${input.fileName}: too much contention`);
  }

  /** Counts one more retry of a claimed file version with an atomic ADD and returns the new count. */
  async incrementRetry(ref: FileVersionRef): Promise<number> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableNames.fileTransferStatus,
          Key: { PK: fileKey(ref), SK: claimSortKey(ref.fingerprint) },
          UpdateExpression: 'ADD retryCount :one',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.retryCount);
    } catch (error) {
      if (isConditionFailure(error)) throw new ClaimNotFoundError(ref);
      throw error;
    }
  }

  // ------------------------------------------------------------ status history

  /** Appends one state change to the file's status history (with the attributes its indexes read). */
  async recordStatus(input: StatusInput): Promise<StatusRecord> {
    const record = parseOrThrow(
      statusRecordSchema,
      compact({ ...input, timestamp: canonicalTimestamp(input.timestamp ?? this.clock()) }),
      'status record',
    );
    await this.client.send(
      new PutCommand({
        TableName: this.tableNames.fileTransferStatus,
        Item: {
          PK: fileKey(record),
          SK: statusSortKey(record.timestamp, record.status),
          ...record,
          byCustomerTimePk: customerKey(record.customerId),
          byCustomerTimeSk: statusSortKey(record.timestamp, record.status),
          byWorkflowStatusPk: workflowKey(record.workflowId),
          byWorkflowStatusSk: workflowStatusSortKey(record.status, record.timestamp),
          byFileNamePk: record.fileName,
          [TTL_ATTRIBUTE]: this.expiry(this.retention.statusHistory),
        },
      }),
    );
    return record;
  }

  /** Status history, claims and poller looks of one file, in one query. */
  async statusForFile(file: FileRef): Promise<FileStatusReport> {
    const items = await this.queryAll({
      TableName: this.tableNames.fileTransferStatus,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': fileKey(file) },
      ScanIndexForward: false,
      ConsistentRead: true,
    });
    const history: StatusRecord[] = [];
    const claims: ClaimRecord[] = [];
    const polls: PolledFileRecord[] = [];
    for (const item of items) {
      const sortKey = String(item.SK);
      const record = this.stripDerived('fileTransferStatus', item);
      if (sortKey.startsWith(TIMESTAMP_PREFIX)) history.push(parseOrThrow(statusRecordSchema, record, 'status record'));
      else if (sortKey.startsWith(CLAIM_PREFIX)) claims.push(parseOrThrow(claimRecordSchema, record, 'claim'));
      else polls.push(parseOrThrow(polledFileRecordSchema, record, 'poller look'));
    }
    return {
      file: { customerId: file.customerId, fileName: file.fileName },
      latest: history[0],
      history,
      claims,
      polls,
    };
  }

  /** Which customers' files carry this name (for `fileflow status --file NAME`), ordered by customer. */
  async findFilesByName(fileName: string): Promise<FileRef[]> {
    const items = await this.queryAll({
      TableName: this.tableNames.fileTransferStatus,
      IndexName: 'byFileName',
      KeyConditionExpression: 'byFileNamePk = :name',
      ExpressionAttributeValues: { ':name': fileName },
    });
    const keys = [...new Set(items.map((item) => String(item.PK)))].sort();
    return keys.map(parseFileKey);
  }

  /** A customer's most recent status changes across all files, newest first. */
  async recentStatusForCustomer(customerId: string, limit = DEFAULT_PAGE_LIMIT): Promise<StatusRecord[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableNames.fileTransferStatus,
        IndexName: 'byCustomerTime',
        KeyConditionExpression: 'byCustomerTimePk = :customer',
        ExpressionAttributeValues: { ':customer': customerKey(customerId) },
        ScanIndexForward: false,
      },
      limit,
    );
    return items.map((item) =>
      parseOrThrow(statusRecordSchema, this.stripDerived('fileTransferStatus', item), 'status record'),
    );
  }

  /** A workflow's status changes with one status (e.g. every FAILED), newest first. */
  async statusesForWorkflow(
    workflowId: string,
    status: TransferStatus,
    limit = DEFAULT_PAGE_LIMIT,
  ): Promise<WorkflowStatusEntry[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableNames.fileTransferStatus,
        IndexName: 'byWorkflowStatus',
        KeyConditionExpression: 'byWorkflowStatusPk = :workflow AND begins_with(byWorkflowStatusSk, :status)',
        ExpressionAttributeValues: { ':workflow': workflowKey(workflowId), ':status': workflowStatusPrefix(status) },
        ScanIndexForward: false,
      },
      limit,
    );
    const entry = statusRecordSchema.pick({
      customerId: true,
      fileName: true,
      workflowId: true,
      status: true,
      timestamp: true,
      executionId: true,
      errorMessage: true,
    });
    return items.map((item) =>
      parseOrThrow(entry, { ...this.stripDerived('fileTransferStatus', item), workflowId }, 'workflow status entry'),
    );
  }

  // ------------------------------------------------------------ customer file index

  /** Writes (or overwrites) a file's outcome for its day in the customer file index. */
  async indexCustomerFile(input: CustomerFileInput): Promise<CustomerFileEntry> {
    const timestamp = canonicalTimestamp(input.timestamp ?? this.clock());
    const entry = parseOrThrow(
      customerFileEntrySchema,
      compact({ ...input, timestamp, date: input.date ?? calendarDate(timestamp) }),
      'customer file entry',
    );
    await this.client.send(
      new PutCommand({
        TableName: this.tableNames.customerFileIndex,
        Item: { PK: customerKey(entry.customerId), SK: customerDateSortKey(entry.date, entry.fileName), ...entry },
      }),
    );
    return entry;
  }

  /** A customer's files on one day, or on every day when `date` is left out; newest day first. */
  async filesForCustomer(customerId: string, date?: string, limit = DEFAULT_PAGE_LIMIT): Promise<CustomerFileEntry[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableNames.customerFileIndex,
        KeyConditionExpression: 'PK = :customer AND begins_with(SK, :date)',
        ExpressionAttributeValues: { ':customer': customerKey(customerId), ':date': customerDatePrefix(date) },
        ScanIndexForward: false,
      },
      limit,
    );
    return items.map((item) =>
      parseOrThrow(customerFileEntrySchema, this.stripDerived('customerFileIndex', item), 'customer file entry'),
    );
  }

  // ------------------------------------------------------------ audit log

  /** Appends one event to a file's audit trail; an existing item with the same key is never overwritten. */
  async appendAudit(input: AuditInput): Promise<AppendOutcome<AuditEntry>> {
    const entry = parseOrThrow(
      auditEntrySchema,
      compact({
        ...input,
        eventId: input.eventId ?? randomUUID(),
        timestamp: canonicalTimestamp(input.timestamp ?? this.clock()),
      }),
      'audit entry',
    );
    const key = { PK: fileKey(entry), SK: auditSortKey(entry.timestamp, entry.eventId) };
    return this.appendOnce('fileTransferAuditLog', key, entry, this.retention.audit, auditEntrySchema);
  }

  /** A file's audit trail, oldest first. */
  async auditTrail(file: FileRef): Promise<AuditEntry[]> {
    const items = await this.queryAll({
      TableName: this.tableNames.fileTransferAuditLog,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': fileKey(file) },
      ConsistentRead: true,
    });
    return items.map((item) =>
      parseOrThrow(auditEntrySchema, this.stripDerived('fileTransferAuditLog', item), 'audit entry'),
    );
  }

  // ------------------------------------------------------------ failure queue

  /**
   * Puts a file in the failure queue (or replaces its earlier failure, counting
   * it): open, so it shows in {@link listFailures} until resolved.
   */
  async enqueueFailure(input: FailureInput): Promise<FailureRecord> {
    const failedAt = canonicalTimestamp(input.failedAt ?? this.clock());
    const fields = compact({ ...input, failedAt });
    // Validate the whole record before writing; failureCount is added by the update itself.
    parseOrThrow(failureRecordSchema, { ...fields, failureCount: 1 }, 'failure');
    const update = setExpression({
      ...fields,
      openFailuresPk: OPEN_FAILURES_PARTITION,
      openFailuresSk: failedAt,
    });
    const remove = ['resolution', TTL_ATTRIBUTE, ...(input.sourceUri === undefined ? ['sourceUri'] : [])];
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableNames.transferFailureQueue,
        Key: { PK: failureKey(input) },
        UpdateExpression: `${update.expression} ADD failureCount :one REMOVE ${remove.join(', ')}`,
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: { ...update.values, ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return parseOrThrow(failureRecordSchema, this.stripDerived('transferFailureQueue', Attributes ?? {}), 'failure');
  }

  /** Unresolved failures, newest first. */
  async listFailures(limit = DEFAULT_PAGE_LIMIT): Promise<FailureRecord[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableNames.transferFailureQueue,
        IndexName: 'openFailures',
        KeyConditionExpression: 'openFailuresPk = :open',
        ExpressionAttributeValues: { ':open': OPEN_FAILURES_PARTITION },
        ScanIndexForward: false,
      },
      limit,
    );
    return items.map((item) =>
      parseOrThrow(failureRecordSchema, this.stripDerived('transferFailureQueue', item), 'failure'),
    );
  }

  /** A file's failure, open or resolved, or `undefined`. */
  async getFailure(file: FileRef): Promise<FailureRecord | undefined> {
    const item = await this.getItem('transferFailureQueue', { PK: failureKey(file) });
    return item === undefined
      ? undefined
      : parseOrThrow(failureRecordSchema, this.stripDerived('transferFailureQueue', item), 'failure');
  }

  /**
   * Closes an open failure. `REDRIVEN` first releases the claim of the failed
   * file version, so the execution the operator starts next can claim it; the
   * release is harmless if the re-drive is then not started. The failure
   * leaves the open list and expires after the resolved-failure retention.
   */
  async resolveFailure(file: FileRef, resolution: ResolveFailureInput): Promise<ResolveFailureOutcome> {
    const failure = await this.getFailure(file);
    if (failure === undefined) throw new FailureNotFoundError(file);
    if (failure.resolution !== undefined) return { outcome: 'already-resolved', failure };
    if (resolution.outcome === 'REDRIVEN') await this.releaseClaim({ ...file, fingerprint: failure.fingerprint });
    const resolved = compact({ ...resolution, resolvedAt: this.now() });
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableNames.transferFailureQueue,
          Key: { PK: failureKey(file) },
          UpdateExpression: 'SET resolution = :resolution, #ttl = :ttl REMOVE openFailuresPk, openFailuresSk',
          ConditionExpression: 'failedAt = :failedAt AND attribute_not_exists(resolution)',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':resolution': resolved,
            ':ttl': this.expiry(this.retention.resolvedFailure),
            ':failedAt': failure.failedAt,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const stored = this.stripDerived('transferFailureQueue', Attributes ?? {});
      return { outcome: 'resolved', failure: parseOrThrow(failureRecordSchema, stored, 'failure') };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.getFailure(file);
      if (current?.resolution !== undefined) return { outcome: 'already-resolved', failure: current };
      throw new FailureChangedError(file);
    }
  }

  private async releaseClaim(ref: FileVersionRef): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableNames.fileTransferStatus,
          Key: { PK: fileKey(ref), SK: claimSortKey(ref.fingerprint) },
          UpdateExpression: 'SET claimState = :released',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':released': 'RELEASED' },
        }),
      );
    } catch (error) {
      // An expired claim blocks nothing, so there is nothing to release.
      if (!isConditionFailure(error)) throw error;
    }
  }

  // ------------------------------------------------------------ notification log

  /** Records one notification attempt; give a deterministic `notificationId` so a retried write is recognised. */
  async logNotification(input: NotificationInput): Promise<AppendOutcome<NotificationRecord>> {
    const record = parseOrThrow(
      notificationRecordSchema,
      compact({
        ...input,
        notificationId: input.notificationId ?? randomUUID(),
        timestamp: canonicalTimestamp(input.timestamp ?? this.clock()),
      }),
      'notification record',
    );
    const key = { PK: notificationKey(record), SK: notificationSortKey(record.timestamp, record.notificationId) };
    return this.appendOnce(
      'transferNotificationLog',
      key,
      record,
      this.retention.notification,
      notificationRecordSchema,
    );
  }

  /** A file's notification attempts, oldest first. */
  async notificationsForFile(file: FileRef): Promise<NotificationRecord[]> {
    const items = await this.queryAll({
      TableName: this.tableNames.transferNotificationLog,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': notificationKey(file) },
      ConsistentRead: true,
    });
    return items.map((item) =>
      parseOrThrow(notificationRecordSchema, this.stripDerived('transferNotificationLog', item), 'notification'),
    );
  }

  // ------------------------------------------------------------ pull poller

  /**
   * Records one look of the pull poller at a remote file. A file is started
   * once its size and mtime are unchanged across two looks, and only once per
   * version: the `start` verdict is a conditional update that exactly one
   * concurrent poller wins. A file that changes after it was started is a new
   * version and goes through the two-look check again.
   */
  async markPolledFile(input: PollInput): Promise<PollLook> {
    const mtime = canonicalTimestamp(input.mtime);
    const fingerprint = pollFingerprint(input.size, mtime);
    const now = this.now();
    const key = { PK: fileKey(input), SK: pollSortKey(input.workflowId) };
    const sameVersion = { ':size': input.size, ':mtime': mtime };
    const touch = { ':now': now, ':ttl': this.expiry(this.retention.polledFile), ':one': 1 };
    const look = (outcome: PollLook['outcome'], stored: Record<string, unknown>): PollLook => ({
      outcome,
      startTransfer: outcome === 'start',
      fingerprint,
      record: parseOrThrow(polledFileRecordSchema, this.stripDerived('fileTransferStatus', stored), 'poller look'),
    });

    for (let attempt = 0; attempt < MAX_CONTENTION_ATTEMPTS; attempt++) {
      const started = await this.updateReturning({
        Key: key,
        UpdateExpression: 'SET startedAt = :now, lastSeenAt = :now, #ttl = :ttl ADD looks :one, starts :one',
        ConditionExpression: '#size = :size AND mtime = :mtime AND attribute_not_exists(startedAt)',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#size': 'size' },
        ExpressionAttributeValues: { ...sameVersion, ...touch },
      });
      if (started) return look('start', started);
      const seen = await this.updateReturning({
        Key: key,
        UpdateExpression: 'SET lastSeenAt = :now, #ttl = :ttl ADD looks :one',
        ConditionExpression: '#size = :size AND mtime = :mtime',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#size': 'size' },
        ExpressionAttributeValues: { ...sameVersion, ...touch },
      });
      if (seen) return look('already-started', seen);
      const record = parseOrThrow(
        polledFileRecordSchema,
        {
          customerId: input.customerId,
          fileName: input.fileName,
          workflowId: input.workflowId,
          size: input.size,
          mtime,
          firstSeenAt: now,
          lastSeenAt: now,
          looks: 1,
        },
        'poller look',
      );
      try {
        const { Attributes } = await this.client.send(
          new PutCommand({
            TableName: this.tableNames.fileTransferStatus,
            Item: { ...key, ...record, [TTL_ATTRIBUTE]: touch[':ttl'] },
            ConditionExpression: 'attribute_not_exists(PK) OR #size <> :size OR mtime <> :mtime',
            ExpressionAttributeNames: { '#size': 'size' },
            ExpressionAttributeValues: sameVersion,
            ReturnValues: 'ALL_OLD',
          }),
        );
        return look(Attributes === undefined ? 'first-look' : 'changed', record);
      } catch (error) {
        // Another poller recorded this very version in between: look again.
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`could not record a look at ${input.customerId}/${input.fileName}: too much contention`);
  }

  /**
   * Marks a started version as settled: every target had it and the post-action ran, so
   * later looks (a kept file is listed on every poll) need not read its status again.
   * `false` when the file changed in between (the new version is not settled).
   */
  async settlePolledFile(ref: PolledVersionRef): Promise<boolean> {
    return this.updateIf({
      Key: { PK: fileKey(ref), SK: pollSortKey(ref.workflowId) },
      UpdateExpression: 'SET settledAt = :now',
      ConditionExpression: '#size = :size AND mtime = :mtime AND attribute_exists(startedAt)',
      ExpressionAttributeNames: { '#size': 'size' },
      ExpressionAttributeValues: { ...this.versionValues(ref), ':now': this.now() },
    });
  }

  /**
   * Lets the poller start a version again: after a re-drive released its claim, or when a
   * start was refused before any execution ran. `false` when there is no started look of
   * that version (the file changed, or its look expired): the poller treats it as new anyway.
   */
  async rearmPolledFile(ref: PolledVersionRef): Promise<boolean> {
    return this.updateIf({
      Key: { PK: fileKey(ref), SK: pollSortKey(ref.workflowId) },
      UpdateExpression: 'REMOVE startedAt, settledAt',
      ConditionExpression: '#size = :size AND mtime = :mtime AND attribute_exists(startedAt)',
      ExpressionAttributeNames: { '#size': 'size' },
      ExpressionAttributeValues: this.versionValues(ref),
    });
  }

  private versionValues(ref: PolledVersionRef): Record<string, unknown> {
    const version = parsePollFingerprint(ref.fingerprint);
    if (!version) throw new Error(`${ref.fingerprint} is not the fingerprint of a polled file version`);
    return { ':size': version.size, ':mtime': version.mtime };
  }

  // ------------------------------------------------------------ helpers

  private now(): string {
    return canonicalTimestamp(this.clock());
  }

  /** TTL value: epoch seconds `days` from now. */
  private expiry(days: number): number {
    return Math.floor(this.clock().getTime() / 1000) + days * DAY_SECONDS;
  }

  /** Removes keys, index attributes and the TTL, leaving the record its schema describes. */
  private stripDerived(table: TrackingTableName, item: Record<string, unknown>): Record<string, unknown> {
    const derived = derivedAttributes(TRACKING_TABLES[table]);
    return Object.fromEntries(Object.entries(item).filter(([name]) => !derived.has(name)));
  }

  private async getItem(
    table: TrackingTableName,
    key: Record<string, string>,
  ): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableNames[table], Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  private async appendOnce<T extends Record<string, unknown>>(
    table: TrackingTableName,
    key: Record<string, string>,
    entry: T,
    retentionDays: number,
    schema: z.ZodType<T>,
  ): Promise<AppendOutcome<T>> {
    const written = await this.putIf({
      TableName: this.tableNames[table],
      Item: { ...key, ...entry, [TTL_ATTRIBUTE]: this.expiry(retentionDays) },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    if (written) return { outcome: 'appended', entry };
    const existing = await this.getItem(table, key);
    return {
      outcome: 'duplicate',
      entry: parseOrThrow(schema, this.stripDerived(table, existing ?? {}), 'stored entry'),
    };
  }

  /** A conditional put; `false` when the condition failed. */
  private async putIf(input: ConstructorParameters<typeof PutCommand>[0]): Promise<boolean> {
    try {
      await this.client.send(new PutCommand(input));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** A conditional update of the status table; `false` when the condition failed. */
  private async updateIf(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableNames.fileTransferStatus, ...input }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** A conditional update of the status table returning the item after it; `undefined` when the condition failed. */
  private async updateReturning(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'ReturnValues'>,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({ TableName: this.tableNames.fileTransferStatus, ...input, ReturnValues: 'ALL_NEW' }),
      );
      return Attributes;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Follows pages until the end or until `limit` items. */
  private async queryAll(input: QueryCommandInput, limit?: number): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey = input.ExclusiveStartKey;
    do {
      const remaining = limit === undefined ? undefined : limit - items.length;
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey, Limit: remaining }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey !== undefined && (limit === undefined || items.length < limit));
    return items;
  }
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * Drops `undefined` values at any depth: optional fields left out by a caller
 * must not reach the marshaller, whatever options the injected client has.
 */
function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Set) return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.map(([k, v]) => [k, compact(v)])) as T;
}

/** `SET #a = :a, #b = :b` over the fields of a record. */
function setExpression(fields: Record<string, unknown>): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const assignments = Object.entries(fields).map(([name, value], i) => {
    names[`#f${i}`] = name;
    values[`:f${i}`] = value;
    return `#f${i} = :f${i}`;
  });
  return { expression: `SET ${assignments.join(', ')}`, names, values };
}
