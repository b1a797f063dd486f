/**
 * The analytics export, one data flow: the tracking tables' DynamoDB streams → the Analytics
 * Export function (flat JSON rows) → Kinesis Data Firehose (dynamic partitioning by table and
 * day, GZIP, KMS) → an encrypted, TLS-only bucket under `tables/<table>/dt=YYYY-MM-DD/` → Glue
 * tables with partition projection on `dt` → an Athena workgroup with the saved reporting
 * queries.
 *
 * Why streams and not scheduled point-in-time exports: an `ExportTableToPointInTime` lands
 * under `AWSDynamoDB/<export id>/data/` next to its manifests, in DynamoDB JSON, as a full
 * snapshot each time: no date folder to partition by, every row typed (`item.status.s`), and
 * each day's export repeating all history. The stream carries every version once, within
 * seconds, and Firehose files it by the day it was written. The trade-offs: a table must have
 * its stream on (the tracking tables' specs say which), and a Firehose retry can deliver a row
 * twice (the saved queries count files, not rows, where it matters).
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogStream } from '@cdktf/provider-aws/lib/cloudwatch-log-stream';
import type { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { AthenaNamedQuery } from '@cdktf/provider-aws/lib/athena-named-query';
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup';
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database';
import { GlueCatalogTable } from '@cdktf/provider-aws/lib/glue-catalog-table';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import type { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import type { PolicyStatement } from '../asl/iam';
import {
  DAY_PARTITION,
  exportedTables,
  ROUTE_DAY_FIELD,
  ROUTE_TABLE_FIELD,
  type ExportedTable,
  type ExportedTableName,
} from '../functions/core/analytics/export';
import { createAccountKey } from './account-key';
import { functionErrorsAlarm, topicAlarm } from './alarm-topic';
import { SAVED_QUERIES, type SavedQuery } from './analytics-queries';
import { BundledFunction } from './bundled-function';
import { namePrefixProblems } from './name-prefix';
import { SecureBucket, type BucketReference } from './secure-bucket';
import { createServiceRole } from './service-role';
import type { TrackingTables } from './tracking-tables';

/** One tracking table to export: its name and stream. */
export interface ExportedTableInput {
  /** Which tracking table (decides the columns and the Athena table name). */
  readonly logicalName: ExportedTableName;
  /** Physical table name. */
  readonly tableName: string;
  /** The table's DynamoDB stream ARN (`NEW_IMAGE` or `NEW_AND_OLD_IMAGES`). */
  readonly streamArn: string;
}

/** Props of {@link AnalyticsExport}. */
export interface AnalyticsExportProps {
  /** Prefix of every physical name; two exports in one account differ in it. 2–24 lowercase letters, digits or '-'. */
  readonly namePrefix: string;
  /** The tables to export, each once. */
  readonly tables: readonly ExportedTableInput[];
  /** Days CloudWatch keeps the logs of the export function and of Firehose. */
  readonly logRetentionDays: number;
  /** SNS topic the export's alarms (stream falling behind, function errors) notify. */
  readonly alarmTopicArn: string;
  /**
   * Customer managed key encrypting the tables; the export function decrypts stream records with it.
   * @default the tables use the AWS managed key (no key permission needed)
   */
  readonly tablesKmsKeyArn?: string;
  /**
   * Write the export (and Athena's results) to this bucket instead of creating one. Its
   * policy is not changed; its key, if any, encrypts what is written.
   * @default a new private, versioned, TLS-only bucket under a new key with yearly rotation
   */
  readonly existingBucket?: BucketReference;
  /**
   * Seconds Firehose gathers rows before writing a file (60–900): the export's delay.
   * @default 300
   */
  readonly bufferingSeconds?: number;
  /**
   * First day (`YYYY-MM-DD`) Athena's partition projection considers.
   * @default '2025-01-01'
   */
  readonly firstExportDay?: string;
  /**
   * Days Athena query results are kept (a created bucket only).
   * @default 30
   */
  readonly queryResultExpirationDays?: number;
  /**
   * Bytes one query may scan before Athena cancels it.
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
}

/** Secure and sensible defaults, kept apart so they can be read and tested without a stack. */
export const ANALYTICS_EXPORT_DEFAULTS = {
  bufferingSeconds: 300,
  firstExportDay: '2025-01-01',
  queryResultExpirationDays: 30,
  bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
  /** Dynamic partitioning needs at least 64 MiB buffers. */
  bufferingMiB: 64,
  /** Stream records are kept 24 h: alarm well before an unprocessed record would expire. */
  iteratorAgeAlarmSeconds: 3600,
} as const;

/** Bucket prefixes: Firehose writes the first two, Athena the third. */
export const ANALYTICS_PREFIXES = {
  tables: 'tables/',
  errors: 'errors/',
  queryResults: 'athena-results/',
} as const;

/** One exported table as other constructs need it. */
export interface AnalyticsTable {
  readonly exportName: string;
  /** S3 folder of its rows, `s3://<bucket>/tables/<exportName>/`. */
  readonly location: string;
  readonly resource: GlueCatalogTable;
}

/** Tracking tables → Firehose → S3 → Glue → Athena. */
export class AnalyticsExport extends Construct {
  /** Where the export and the query results are written. */
  public readonly bucket: SecureBucket;
  /** The key encrypting the bucket, the delivery stream and the query results. */
  public readonly kmsKeyArn: string;
  /** The created key; undefined with `existingBucket`. */
  public readonly kmsKey?: KmsKey;
  /** Rows → S3, partitioned by table and day. */
  public readonly deliveryStream: KinesisFirehoseDeliveryStream;
  /** Stream records → rows. */
  public readonly exporter: BundledFunction;
  /** One event source mapping per exported table's stream. */
  public readonly streamMappings: readonly LambdaEventSourceMapping[];
  /** The Glue database of the exported tables. */
  public readonly database: GlueCatalogDatabase;
  /** The Glue tables, by tracking table. */
  public readonly tables: Readonly<Partial<Record<ExportedTableName, AnalyticsTable>>>;
  /** Encrypted results, configuration enforced. */
  public readonly workgroup: AthenaWorkgroup;
  /** The saved queries whose tables are exported, by id. */
  public readonly savedQueries: Readonly<Record<string, AthenaNamedQuery>>;
  /** Stream records waiting too long. */
  public readonly iteratorAgeAlarm: CloudwatchMetricAlarm;
  /** The export function failed. */
  public readonly errorsAlarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: AnalyticsExportProps) {
    super(scope, id);
    checkAnalyticsExportProps(props);
    const prefix = props.namePrefix;
    const defaults = ANALYTICS_EXPORT_DEFAULTS;

    if (props.existingBucket) {
      this.bucket = new SecureBucket(this, 'bucket', {
        namePrefix: `${prefix}-analytics`,
        existingBucket: props.existingBucket,
      });
    } else {
      this.kmsKey = createAccountKey(this, {
        description: `fileflow analytics ${prefix}: exported tracking history and Athena results`,
        alias: `alias/${prefix}-analytics`,
      }).key;
      this.bucket = new SecureBucket(this, 'bucket', {
        namePrefix: `${prefix}-analytics`,
        kmsKeyArn: this.kmsKey.arn,
        expiryRules: [
          {
            id: 'query-results',
            prefix: ANALYTICS_PREFIXES.queryResults,
            expirationDays: props.queryResultExpirationDays ?? defaults.queryResultExpirationDays,
          },
        ],
      });
    }
    const bucket = this.bucket;
    const keyArn = props.existingBucket?.kmsKeyArn ?? (this.kmsKey as KmsKey).arn;
    this.kmsKeyArn = keyArn;
    const keyStatements = (actions: string[]): PolicyStatement[] =>
      props.existingBucket && props.existingBucket.kmsKeyArn === undefined ? [] : [{ actions, resources: [keyArn] }];

    // ---------------------------------------------------------------- Firehose
    const logGroup = new CloudwatchLogGroup(this, 'delivery-logs', {
      name: `/aws/kinesisfirehose/${prefix}-analytics-export`,
      retentionInDays: props.logRetentionDays,
    });
    const logStream = new CloudwatchLogStream(this, 'delivery-log-stream', {
      name: 'DestinationDelivery',
      logGroupName: logGroup.name,
    });
    const writablePrefixes = [ANALYTICS_PREFIXES.tables, ANALYTICS_PREFIXES.errors];
    const deliveryRole = createServiceRole(new Construct(this, 'delivery-role'), {
      name: `${prefix}-analytics-delivery`,
      service: 'firehose.amazonaws.com',
      statements: [
        {
          actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
          resources: writablePrefixes.map((p) => `${bucket.bucketArn}/${p}*`),
        },
        {
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [bucket.bucketArn],
        },
        ...keyStatements(['kms:GenerateDataKey', 'kms:Decrypt']),
        { actions: ['logs:PutLogEvents'], resources: [`${logGroup.arn}:log-stream:${logStream.name}`] },
      ],
    });
    this.deliveryStream = new KinesisFirehoseDeliveryStream(this, 'delivery-stream', {
      name: `${prefix}-analytics-export`,
      destination: 'extended_s3',
      serverSideEncryption: {
        enabled: true,
        ...(this.kmsKey || props.existingBucket?.kmsKeyArn
          ? { keyType: 'CUSTOMER_MANAGED_CMK', keyArn }
          : { keyType: 'AWS_OWNED_CMK' }),
      },
      extendedS3Configuration: {
        roleArn: deliveryRole.arn,
        bucketArn: bucket.bucketArn,
        prefix: `${ANALYTICS_PREFIXES.tables}!{partitionKeyFromQuery:table}/${DAY_PARTITION}=!{partitionKeyFromQuery:day}/`,
        errorOutputPrefix: `${ANALYTICS_PREFIXES.errors}!{firehose:error-output-type}/${DAY_PARTITION}=!{timestamp:yyyy-MM-dd}/`,
        bufferingSize: defaults.bufferingMiB,
        bufferingInterval: props.bufferingSeconds ?? defaults.bufferingSeconds,
        compressionFormat: 'GZIP',
        fileExtension: '.json.gz',
        kmsKeyArn: props.existingBucket && props.existingBucket.kmsKeyArn === undefined ? undefined : keyArn,
        cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: logStream.name },
        dynamicPartitioningConfiguration: { enabled: true, retryDuration: 300 },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
                {
                  parameterName: 'MetadataExtractionQuery',
                  parameterValue: `{table:.${ROUTE_TABLE_FIELD},day:.${ROUTE_DAY_FIELD}}`,
                },
              ],
            },
            // One row per line, as Athena's JSON SerDe reads it.
            { type: 'AppendDelimiterToRecord', parameters: [{ parameterName: 'Delimiter', parameterValue: '\\n' }] },
          ],
        },
      },
      dependsOn: [deliveryRole],
    });

    // ---------------------------------------------------------------- stream reader
    const exported = new Map(exportedTables().map((table) => [table.logicalName, table]));
    const streamArns = props.tables.map((table) => table.streamArn);
    this.exporter = new BundledFunction(this, 'exporter', {
      functionName: `${prefix}-analytics-export`,
      entry: 'handlers/analytics-export.ts',
      logRetentionDays: props.logRetentionDays,
      environment: {
        DELIVERY_STREAM_NAME: this.deliveryStream.name,
        EXPORT_TABLES: JSON.stringify(
          Object.fromEntries(
            props.tables.map((t) => [t.tableName, (exported.get(t.logicalName) as ExportedTable).exportName]),
          ),
        ),
      },
      permissions: [
        {
          actions: [
            'dynamodb:DescribeStream',
            'dynamodb:GetRecords',
            'dynamodb:GetShardIterator',
            'dynamodb:ListStreams',
          ],
          resources: streamArns,
        },
        ...(props.tablesKmsKeyArn === undefined
          ? []
          : [{ actions: ['kms:Decrypt'], resources: [props.tablesKmsKeyArn] }]),
        { actions: ['firehose:PutRecordBatch'], resources: [this.deliveryStream.arn] },
      ],
    });
    this.streamMappings = props.tables.map(
      (table) =>
        new LambdaEventSourceMapping(this, `${table.logicalName}-stream`, {
          functionName: this.exporter.function.arn,
          eventSourceArn: table.streamArn,
          startingPosition: 'TRIM_HORIZON',
          batchSize: 100,
          maximumBatchingWindowInSeconds: 5,
          functionResponseTypes: ['ReportBatchItemFailures'],
          bisectBatchOnFunctionError: true,
          // Retry until the record is delivered; the iterator-age alarm says when it is stuck.
          maximumRetryAttempts: -1,
          maximumRecordAgeInSeconds: -1,
        }),
    );

    // ---------------------------------------------------------------- Glue and Athena
    this.database = new GlueCatalogDatabase(this, 'database', {
      name: `${prefix.replaceAll('-', '_')}_analytics`,
      description: `fileflow ${prefix}: tracking tables exported from DynamoDB, partitioned by day (dt)`,
    });
    const firstDay = props.firstExportDay ?? defaults.firstExportDay;
    const tables: Partial<Record<ExportedTableName, AnalyticsTable>> = {};
    for (const input of props.tables) {
      const table = exported.get(input.logicalName) as ExportedTable;
      const location = `s3://${bucket.bucketName}/${ANALYTICS_PREFIXES.tables}${table.exportName}/`;
      const resource = new GlueCatalogTable(this, `${input.logicalName}-table`, {
        name: table.exportName,
        databaseName: this.database.name,
        description: `Every version of every item of ${input.tableName}, one JSON row each`,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'json',
          compressionType: 'gzip',
          'projection.enabled': 'true',
          [`projection.${DAY_PARTITION}.type`]: 'date',
          [`projection.${DAY_PARTITION}.format`]: 'yyyy-MM-dd',
          [`projection.${DAY_PARTITION}.range`]: `${firstDay},NOW`,
          [`projection.${DAY_PARTITION}.interval`]: '1',
          [`projection.${DAY_PARTITION}.interval.unit`]: 'DAYS',
          'storage.location.template': `${location}${DAY_PARTITION}=\${${DAY_PARTITION}}/`,
        },
        partitionKeys: [{ name: DAY_PARTITION, type: 'string', comment: 'Day the version was written, YYYY-MM-DD' }],
        storageDescriptor: {
          location,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serDeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            // Rows carry camelCase fields; Athena columns are lower case.
            parameters: { 'case.insensitive': 'true', 'ignore.malformed.json': 'false' },
          },
          columns: table.columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment || undefined })),
        },
      });
      tables[input.logicalName] = { exportName: table.exportName, location, resource };
    }
    this.tables = tables;

    this.workgroup = new AthenaWorkgroup(this, 'workgroup', {
      name: `${prefix}-analytics`,
      description: `fileflow ${prefix}: reporting over the exported tracking tables`,
      state: 'ENABLED',
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? defaults.bytesScannedCutoffPerQuery,
        resultConfiguration: {
          outputLocation: `s3://${bucket.bucketName}/${ANALYTICS_PREFIXES.queryResults}`,
          encryptionConfiguration:
            props.existingBucket && props.existingBucket.kmsKeyArn === undefined
              ? { encryptionOption: 'SSE_S3' }
              : { encryptionOption: 'SSE_KMS', kmsKeyArn: keyArn },
        },
      },
    });
    this.savedQueries = Object.fromEntries(
      savedQueriesFor(props.tables.map((t) => t.logicalName)).map((query) => [
        query.id,
        new AthenaNamedQuery(this, `query-${query.id}`, {
          name: query.name,
          description: query.description,
          database: this.database.name,
          workgroup: this.workgroup.name,
          query: query.sql,
        }),
      ]),
    );

    // ---------------------------------------------------------------- alarms
    this.iteratorAgeAlarm = topicAlarm(this, 'iterator-age-alarm', props.alarmTopicArn, {
      alarmName: `${prefix}-analytics-export-behind`,
      alarmDescription: 'The analytics export is behind the tracking tables: stream records expire after 24 h',
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensions: { FunctionName: this.exporter.function.functionName },
      statistic: 'Maximum',
      period: 300,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: defaults.iteratorAgeAlarmSeconds * 1000,
    });
    this.errorsAlarm = functionErrorsAlarm(this, 'errors-alarm', {
      alarmName: `${prefix}-analytics-export-errors`,
      alarmDescription: 'The analytics export function failed: see its log group',
      functionName: this.exporter.function.functionName,
      alarmTopicArn: props.alarmTopicArn,
    });
  }
}

/** Every exportable table of `tracking` that streams, as {@link AnalyticsExportProps.tables} takes them. */
export function streamingTablesOf(tracking: TrackingTables): ExportedTableInput[] {
  return exportedTables().flatMap(({ logicalName }) => {
    const { tableName, streamArn } = tracking.tables[logicalName];
    return streamArn === undefined ? [] : [{ logicalName, tableName, streamArn }];
  });
}

/** The saved queries whose every table is exported. */
export function savedQueriesFor(exported: readonly ExportedTableName[]): SavedQuery[] {
  return SAVED_QUERIES.filter((query) => query.tables.every((table) => exported.includes(table)));
}

/** Every problem with the props at once; throws before any resource exists. */
function checkAnalyticsExportProps(props: AnalyticsExportProps): void {
  const problems: string[] = [];
  problems.push(...namePrefixProblems(props.namePrefix, { max: 24, first: 'letter' }));
  const exportable = new Set(exportedTables().map((t) => t.logicalName));
  if (props.tables.length === 0) problems.push('tables must name at least one tracking table to export');
  const seen = new Set<string>();
  for (const table of props.tables) {
    if (!exportable.has(table.logicalName)) {
      problems.push(`tables: '${table.logicalName}' is not exported (exported: ${[...exportable].join(', ')})`);
    }
    if (seen.has(table.logicalName)) problems.push(`tables: '${table.logicalName}' is listed twice`);
    seen.add(table.logicalName);
    if (
      !Token.isUnresolved(table.streamArn) &&
      !/^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]+\/stream\/[^/]+$/.test(table.streamArn)
    ) {
      problems.push(`tables: '${table.logicalName}' streamArn '${table.streamArn}' is not a DynamoDB stream ARN`);
    }
  }
  const seconds = props.bufferingSeconds;
  if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 60 || seconds > 900)) {
    problems.push(`bufferingSeconds ${seconds} must be a whole number from 60 to 900`);
  }
  const day = props.firstExportDay;
  if (day !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))) {
    problems.push(`firstExportDay '${day}' must be a day written YYYY-MM-DD`);
  }
  if (props.existingBucket && props.queryResultExpirationDays !== undefined) {
    problems.push('existingBucket cannot be combined with queryResultExpirationDays (its lifecycle is not ours)');
  }
  const days = props.queryResultExpirationDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) {
    problems.push(`queryResultExpirationDays ${days} must be a whole number of days ≥ 1`);
  }
  const cutoff = props.bytesScannedCutoffPerQuery;
  if (cutoff !== undefined && (!Number.isInteger(cutoff) || cutoff < 10 * 1024 ** 2)) {
    problems.push(`bytesScannedCutoffPerQuery ${cutoff} must be a whole number of bytes ≥ 10 MiB (Athena's minimum)`);
  }
  if (problems.length > 0) throw new Error(`AnalyticsExport '${props.namePrefix}':\n  ${problems.join('\n  ')}`);
}
