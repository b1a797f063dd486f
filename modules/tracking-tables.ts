/**
 * The six tracking tables (status, customer index, workflows, audit, failures,
 * notifications), created from the specs in `functions/core/tracking/tables.ts`
 * — the same specs the local runtime creates its dynalite tables from.
 */
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { PolicyStatement } from '../asl/iam';
import {
  physicalTableName,
  trackingTableSpecs,
  type TableSpec,
  type TrackingTableName,
} from '../functions/core/tracking/tables';

/** Props of {@link TrackingTables}. */
export interface TrackingTablesProps {
  /** Prefix of every table name: `<namePrefix>-<table suffix>`, e.g. `fileflow-prod-file-transfer-status`. */
  readonly namePrefix: string;
  /**
   * Customer managed KMS key (ARN) that encrypts every table; the access statements then include the key.
   * @default the AWS managed key `aws/dynamodb` (server-side encryption stays on either way)
   */
  readonly kmsKeyArn?: string;
  /**
   * Point-in-time recovery, so a bad write can be undone.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /**
   * How far back point-in-time recovery reaches, 1–35 days. Only with point-in-time recovery on.
   * @default 35
   */
  readonly pointInTimeRecoveryDays?: number;
  /**
   * Refuse `terraform destroy` and deletes until switched off: these tables are the transfer ledger.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/** One created table as other constructs need it. */
export interface TrackingTable {
  readonly tableName: string;
  readonly tableArn: string;
  /** Stream ARN, for tables whose spec asks for a stream. */
  readonly streamArn?: string;
  readonly resource: DynamodbTable;
}

/** Which data access a principal needs. */
export type TrackingTableAccess = 'read' | 'readWrite';

/** Secure defaults, kept apart so they can be read and tested without a stack. */
export const TRACKING_TABLE_DEFAULTS = {
  pointInTimeRecovery: true,
  pointInTimeRecoveryDays: 35,
  deletionProtection: true,
} as const;

const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:DescribeTable',
];
// No DeleteItem: the repository never deletes (the audit log is append-only; TTL expires old items).
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];
const KMS_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KMS_WRITE_ACTIONS = ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** The longest table-name suffix, for the name-length check. */
const LONGEST_SUFFIX = Math.max(...trackingTableSpecs().map((spec) => spec.nameSuffix.length));

/** Every tracking table, encrypted, recoverable, on-demand, with TTL where its spec has one. */
export class TrackingTables extends Construct {
  /** The tables by logical name. */
  public readonly tables: Readonly<Record<TrackingTableName, TrackingTable>>;
  /** Environment variables naming every table, for handlers (read back by `tableNamesFromEnvironment`). */
  public readonly environment: Readonly<Record<string, string>>;
  /** The customer managed key, when there is one. */
  public readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: TrackingTablesProps) {
    super(scope, id);
    checkTrackingTablesProps(props);
    this.kmsKeyArn = props.kmsKeyArn;

    const tables: Partial<Record<TrackingTableName, TrackingTable>> = {};
    const environment: Record<string, string> = {};
    for (const spec of trackingTableSpecs()) {
      const resource = new DynamodbTable(this, spec.logicalName, tableConfig(spec, props));
      tables[spec.logicalName] = {
        tableName: resource.name,
        tableArn: resource.arn,
        streamArn: spec.stream === undefined ? undefined : resource.streamArn,
        resource,
      };
      environment[spec.environmentVariable] = resource.name;
    }
    this.tables = tables as Record<TrackingTableName, TrackingTable>;
    this.environment = environment;
  }

  /**
   * IAM statements granting `access` to the given tables (default: all), scoped
   * to the exact table ARNs and, for tables with indexes, `<arn>/index/*`; plus
   * the KMS key when the tables use a customer managed one.
   */
  policyStatements(
    access: TrackingTableAccess,
    tables: readonly TrackingTableName[] = trackingTableSpecs().map((spec) => spec.logicalName),
  ): PolicyStatement[] {
    const resources = tables.flatMap((name) => {
      const arn = this.tables[name].tableArn;
      const spec = trackingTableSpecs().find((s) => s.logicalName === name) as TableSpec;
      return spec.indexes.length > 0 ? [arn, `${arn}/index/*`] : [arn];
    });
    const statements: PolicyStatement[] = [
      { actions: access === 'read' ? [...READ_ACTIONS] : [...READ_ACTIONS, ...WRITE_ACTIONS], resources },
    ];
    if (this.kmsKeyArn !== undefined) {
      const actions = access === 'read' ? KMS_READ_ACTIONS : [...KMS_READ_ACTIONS, ...KMS_WRITE_ACTIONS];
      statements.push({ actions: [...actions], resources: [this.kmsKeyArn] });
    }
    return statements;
  }
}

/** The `aws_dynamodb_table` arguments for one spec. */
function tableConfig(spec: TableSpec, props: TrackingTablesProps): ConstructorParameters<typeof DynamodbTable>[2] {
  const pitr = props.pointInTimeRecovery ?? TRACKING_TABLE_DEFAULTS.pointInTimeRecovery;
  const keyAttributes = [spec.partitionKey, spec.sortKey, ...spec.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const attributes = new Map(keyAttributes.filter((a) => a !== undefined).map((a) => [a.name, a.type]));
  return {
    name: physicalTableName(spec, props.namePrefix),
    billingMode: 'PAY_PER_REQUEST',
    hashKey: spec.partitionKey.name,
    rangeKey: spec.sortKey?.name,
    attribute: [...attributes].map(([name, type]) => ({ name, type })),
    globalSecondaryIndex: spec.indexes.map((index) => ({
      name: index.name,
      hashKey: index.partitionKey.name,
      rangeKey: index.sortKey?.name,
      projectionType: index.projection.type,
      nonKeyAttributes: index.projection.type === 'INCLUDE' ? [...index.projection.nonKeyAttributes] : undefined,
    })),
    ttl: spec.ttlAttribute === undefined ? undefined : { attributeName: spec.ttlAttribute, enabled: true },
    pointInTimeRecovery: pitr
      ? {
          enabled: true,
          recoveryPeriodInDays: props.pointInTimeRecoveryDays ?? TRACKING_TABLE_DEFAULTS.pointInTimeRecoveryDays,
        }
      : { enabled: false },
    serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
    deletionProtectionEnabled: props.deletionProtection ?? TRACKING_TABLE_DEFAULTS.deletionProtection,
    streamEnabled: spec.stream === undefined ? undefined : true,
    streamViewType: spec.stream,
  };
}

/** Collects every problem with the props and throws once, before any resource exists. */
function checkTrackingTablesProps(props: TrackingTablesProps): void {
  const problems: string[] = [];
  const maxPrefix = 255 - 1 - LONGEST_SUFFIX;
  if (!new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,${maxPrefix - 1}}$`).test(props.namePrefix)) {
    problems.push(
      `namePrefix '${props.namePrefix}' must be 1–${maxPrefix} letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  if (
    props.kmsKeyArn !== undefined &&
    !Token.isUnresolved(props.kmsKeyArn) &&
    !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(props.kmsKeyArn)
  ) {
    problems.push(`kmsKeyArn '${props.kmsKeyArn}' must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
  }
  if (props.pointInTimeRecoveryDays !== undefined) {
    if (props.pointInTimeRecovery === false) {
      problems.push('pointInTimeRecoveryDays cannot be combined with pointInTimeRecovery: false');
    }
    const days = props.pointInTimeRecoveryDays;
    if (!Number.isInteger(days) || days < 1 || days > 35) {
      problems.push(`pointInTimeRecoveryDays ${days} must be a whole number of days from 1 to 35`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`TrackingTables: invalid props:\n  - ${problems.join('\n  - ')}`);
  }
}
