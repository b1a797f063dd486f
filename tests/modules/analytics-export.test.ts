import { marshall } from '@aws-sdk/util-dynamodb';
import { expect } from 'chai';
import { TerraformResource, TerraformStack } from 'cdktf';
import { Parser } from 'node-sql-parser';
import {
  exportedTables,
  exportRow,
  exportStreamBatch,
  ROUTE_DAY_FIELD,
  ROUTE_TABLE_FIELD,
  type StreamEvent,
} from '../../functions/core/analytics/export';
import { derivedAttributes, TRACKING_TABLES } from '../../functions/core/tracking/tables';
import {
  ANALYTICS_EXPORT_DEFAULTS,
  AnalyticsExport,
  type AnalyticsExportProps,
  streamingTablesOf,
  type ExportedTableInput,
} from '../../modules/analytics-export';
import { SAVED_QUERIES } from '../../modules/analytics-queries';
import { findViolations } from '../../modules/policy';
import { TrackingTables } from '../../modules/tracking-tables';
import { onlyResource, resourcesOf, synthJson, testApp, type SynthesizedStack } from '../helpers/cdktf';

const ACCOUNT = '111111111111';
const ALARM_TOPIC = `arn:aws:sns:us-west-2:${ACCOUNT}:ff-dev-alarms`;
const TABLES_KEY = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const streamOf = (table: string) =>
  `arn:aws:dynamodb:us-west-2:${ACCOUNT}:table/${table}/stream/2025-06-28T00:00:00.000`;
const table = (logicalName: ExportedTableInput['logicalName'], prefix = 'ff-dev'): ExportedTableInput => {
  const tableName = `${prefix}-${TRACKING_TABLES[logicalName].nameSuffix}`;
  return { logicalName, tableName, streamArn: streamOf(tableName) };
};
const BASE: AnalyticsExportProps = {
  namePrefix: 'ff-dev',
  logRetentionDays: 14,
  alarmTopicArn: ALARM_TOPIC,
  tablesKmsKeyArn: TABLES_KEY,
  tables: [table('fileTransferStatus'), table('transferNotificationLog'), table('fileTransferAuditLog')],
};

function exportStack(...props: AnalyticsExportProps[]): { stack: TerraformStack; synth: SynthesizedStack } {
  const stack = new TerraformStack(testApp(), 'analytics');
  props.forEach((p, index) => new AnalyticsExport(stack, `analytics-${index}`, p));
  return { stack, synth: synthJson(stack) };
}

type Statement = { Effect: string; Action: string[]; Resource: string[] };

function roleStatements(synth: SynthesizedStack, roleName: string): Statement[] {
  const roleId = Object.entries(resourcesOf(synth, 'aws_iam_role')).find(([, r]) => r.name === roleName)?.[0];
  const policy = Object.values(resourcesOf(synth, 'aws_iam_role_policy')).find(
    (p) => p.role === `\${aws_iam_role.${roleId}.name}`,
  );
  if (!policy) throw new Error(`no role policy for ${roleName}`);
  return (JSON.parse(policy.policy as string) as { Statement: Statement[] }).Statement;
}

/** Logical id of the only resource of `type`. */
function onlyId(synth: SynthesizedStack, type: string): string {
  const ids = Object.keys(resourcesOf(synth, type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0];
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, none was thrown');
}

const SQL = new Parser();

/** Columns and tables a query reads, as the Trino (Athena engine 3) grammar parses it. */
function referencesOf(sql: string): { columns: string[]; tables: string[]; aliases: string[] } {
  const options = { database: 'trino' };
  SQL.astify(sql, options); // throws on a syntax error
  const name = (entry: string) => entry.split('::')[2].toLowerCase();
  return {
    columns: SQL.columnList(sql, options).map(name),
    tables: SQL.tableList(sql, options).map(name),
    aliases: [...sql.matchAll(/\b(?:AS|WITH)\s+(\w+)/gi)].map((m) => m[1].toLowerCase()),
  };
}

describe('AnalyticsExport', () => {
  describe('GIVEN an export of the status, notification and audit tables with only the required props', () => {
    const { stack, synth } = exportStack(BASE);
    const glueTables = Object.values(resourcesOf(synth, 'aws_glue_catalog_table'));
    const glueColumns = (name: string): string[] => {
      const found = glueTables.find((t) => t.name === name);
      if (!found) return [];
      const descriptor = found.storage_descriptor as { columns: { name: string }[] };
      return descriptor.columns.map((c) => c.name);
    };

    it('THEN Firehose writes GZIP JSON under tables/<table>/dt=<day>/, partitioned dynamically, encrypted with the new key', () => {
      const stream = onlyResource(synth, 'aws_kinesis_firehose_delivery_stream');
      expect(stream).to.include({ name: 'ff-dev-analytics-export', destination: 'extended_s3' });
      expect(stream.server_side_encryption).to.deep.include({ enabled: true, key_type: 'CUSTOMER_MANAGED_CMK' });
      const s3 = stream.extended_s3_configuration as Record<string, unknown>;
      expect(s3).to.include({
        prefix: 'tables/!{partitionKeyFromQuery:table}/dt=!{partitionKeyFromQuery:day}/',
        error_output_prefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        compression_format: 'GZIP',
        buffering_size: 64,
        buffering_interval: ANALYTICS_EXPORT_DEFAULTS.bufferingSeconds,
      });
      expect(s3.kms_key_arn).to.match(/^\$\{aws_kms_key\./);
      expect(s3.dynamic_partitioning_configuration).to.deep.include({ enabled: true });
      const processors = (s3.processing_configuration as { processors: { type: string; parameters: unknown[] }[] })
        .processors;
      expect(processors.map((p) => p.type)).to.deep.equal(['MetadataExtraction', 'AppendDelimiterToRecord']);
      expect(processors[0].parameters).to.deep.include({
        parameter_name: 'MetadataExtractionQuery',
        parameter_value: `{table:.${ROUTE_TABLE_FIELD},day:.${ROUTE_DAY_FIELD}}`,
      });
    });

    it('THEN each stream feeds the export function, which reports partial batches and retries until delivered', () => {
      const mappings = Object.values(resourcesOf(synth, 'aws_lambda_event_source_mapping'));
      expect(mappings.map((m) => m.event_source_arn)).to.have.members(BASE.tables.map((t) => t.streamArn));
      for (const mapping of mappings) {
        expect(mapping).to.include({ starting_position: 'TRIM_HORIZON', bisect_batch_on_function_error: true });
        expect(mapping.function_response_types).to.deep.equal(['ReportBatchItemFailures']);
      }
      const fn = onlyResource(synth, 'aws_lambda_function');
      const variables = (fn.environment as { variables: Record<string, string> }).variables;
      expect(JSON.parse(variables.EXPORT_TABLES)).to.deep.equal({
        'ff-dev-file-transfer-status': 'file_transfer_status',
        'ff-dev-transfer-notification-log': 'transfer_notification_log',
        'ff-dev-file-transfer-audit-log': 'file_transfer_audit_log',
      });
    });

    it('THEN the stream reader reads exactly those streams and writes only to its delivery stream', () => {
      expect(
        roleStatements(synth, 'ff-dev-analytics-export').filter((s) => !/^logs:|^xray:/.test(s.Action[0])),
      ).to.deep.equal([
        {
          Effect: 'Allow',
          Action: [
            'dynamodb:DescribeStream',
            'dynamodb:GetRecords',
            'dynamodb:GetShardIterator',
            'dynamodb:ListStreams',
          ],
          Resource: BASE.tables.map((t) => t.streamArn),
        },
        { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [TABLES_KEY] },
        {
          Effect: 'Allow',
          Action: ['firehose:PutRecordBatch'],
          Resource: [
            `\${aws_kinesis_firehose_delivery_stream.${onlyId(synth, 'aws_kinesis_firehose_delivery_stream')}.arn}`,
          ],
        },
      ]);
    });

    it('THEN the Firehose role writes only the tables/ and errors/ prefixes of the export bucket', () => {
      const statements = roleStatements(synth, 'ff-dev-analytics-delivery');
      const bucketArn = `\${aws_s3_bucket.${onlyId(synth, 'aws_s3_bucket')}.arn}`;
      expect(statements[0]).to.deep.equal({
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
        Resource: [`${bucketArn}/tables/*`, `${bucketArn}/errors/*`],
      });
      expect(statements[1].Resource).to.deep.equal([bucketArn]);
      expect(statements[1].Action).to.not.include('s3:PutObject');
      expect(statements[2].Action).to.deep.equal(['kms:GenerateDataKey', 'kms:Decrypt']);
      expect(statements[2].Resource).to.have.length(1);
      expect(statements[3].Action).to.deep.equal(['logs:PutLogEvents']);
      const role = Object.values(resourcesOf(synth, 'aws_iam_role')).find(
        (r) => r.name === 'ff-dev-analytics-delivery',
      );
      expect(JSON.parse(role?.assume_role_policy as string).Statement[0].Principal).to.deep.equal({
        Service: 'firehose.amazonaws.com',
      });
    });

    it('THEN one Glue table per exported table, partitioned by dt with date projection over its own folder', () => {
      expect(glueTables.map((t) => t.name)).to.have.members([
        'file_transfer_status',
        'transfer_notification_log',
        'file_transfer_audit_log',
      ]);
      for (const glue of glueTables) {
        expect(glue.partition_keys).to.deep.equal([
          { name: 'dt', type: 'string', comment: 'Day the version was written, YYYY-MM-DD' },
        ]);
        const parameters = glue.parameters as Record<string, string>;
        expect(parameters).to.include({
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `${ANALYTICS_EXPORT_DEFAULTS.firstExportDay},NOW`,
        });
        const descriptor = glue.storage_descriptor as {
          location: string;
          ser_de_info: { serialization_library: string };
        };
        expect(descriptor.location).to.match(new RegExp(`/tables/${String(glue.name)}/$`));
        expect(parameters['storage.location.template']).to.equal(`${descriptor.location}dt=\${dt}/`);
        expect(descriptor.ser_de_info.serialization_library).to.equal('org.openx.data.jsonserde.JsonSerDe');
      }
    });

    it('THEN the Glue columns are every field the tracking records of that table can hold', () => {
      expect(glueColumns('transfer_notification_log')).to.include.members([
        'pk',
        'sk',
        'customerid',
        'workflowid',
        'channel',
        'status',
        'timestamp',
        'response',
        'stream_event',
        'stream_time',
      ]);
      expect(glueColumns('file_transfer_status')).to.include.members(['retrycount', 'claimstate', 'errormessage']);
    });

    it('THEN the Athena workgroup enforces KMS-encrypted results in the export bucket', () => {
      const workgroup = onlyResource(synth, 'aws_athena_workgroup');
      expect(workgroup.name).to.equal('ff-dev-analytics');
      const configuration = workgroup.configuration as Record<string, unknown>;
      expect(configuration).to.include({
        enforce_workgroup_configuration: true,
        publish_cloudwatch_metrics_enabled: true,
      });
      const results = configuration.result_configuration as Record<string, Record<string, string>>;
      expect(results.output_location).to.match(/\/athena-results\/$/);
      expect(results.encryption_configuration.encryption_option).to.equal('SSE_KMS');
      expect(results.encryption_configuration.kms_key_arn).to.match(/^\$\{aws_kms_key\./);
    });

    it("THEN the design's four reporting queries are saved, in the workgroup and the database", () => {
      const queries = Object.values(resourcesOf(synth, 'aws_athena_named_query'));
      expect(queries.map((q) => q.name)).to.have.members(SAVED_QUERIES.map((q) => q.name));
      for (const query of queries) {
        expect(query.workgroup).to.match(/^\$\{aws_athena_workgroup\./);
        expect(query.database).to.match(/^\$\{aws_glue_catalog_database\./);
      }
    });

    for (const saved of SAVED_QUERIES) {
      it(`THEN "${saved.name}" parses as Athena SQL and reads only tables and columns Glue declares`, () => {
        const { columns, tables, aliases } = referencesOf(saved.sql);
        const declared = new Set(['dt', ...tables.flatMap(glueColumns)]);
        expect(tables.filter((t) => !aliases.includes(t))).to.have.length.greaterThan(0);
        for (const name of tables) expect([...glueTables.map((t) => t.name), ...aliases], name).to.include(name);
        for (const column of columns) {
          if (!aliases.includes(column)) expect([...declared], `${saved.id}: column ${column}`).to.include(column);
        }
      });
    }

    it('THEN a private, versioned, TLS-only bucket under the new rotating key expires query results', () => {
      expect(onlyResource(synth, 'aws_kms_key')).to.include({ enable_key_rotation: true });
      expect(onlyResource(synth, 'aws_s3_bucket')).to.include({ bucket_prefix: 'ff-dev-analytics-' });
      const rules = onlyResource(synth, 'aws_s3_bucket_lifecycle_configuration').rule as Record<string, unknown>[];
      expect(rules.find((r) => r.id === 'query-results')).to.deep.include({
        expiration: [{ days: ANALYTICS_EXPORT_DEFAULTS.queryResultExpirationDays }],
      });
    });

    it('THEN the export alarms when it falls behind the streams or fails', () => {
      const alarms = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm'));
      expect(alarms.map((a) => a.metric_name)).to.have.members(['IteratorAge', 'Errors']);
      for (const alarm of alarms) expect(alarm.alarm_actions).to.deep.equal([ALARM_TOPIC]);
    });

    it('THEN the policy pack finds nothing', () => {
      expect(findViolations(stack).map((v) => v.message)).to.deep.equal([]);
    });
  });

  describe('GIVEN an existing bucket with its own key and only the notification log', () => {
    const existingKey = `arn:aws:kms:us-west-2:${ACCOUNT}:key/99999999-12ab-34cd-56ef-1234567890ab`;
    const { stack, synth } = exportStack({
      ...BASE,
      tablesKmsKeyArn: undefined,
      tables: [table('transferNotificationLog')],
      existingBucket: {
        bucketName: 'corp-analytics',
        bucketArn: 'arn:aws:s3:::corp-analytics',
        kmsKeyArn: existingKey,
      },
    });

    it('THEN no bucket and no key are created and everything writes with the bucket and its key', () => {
      expect(resourcesOf(synth, 'aws_s3_bucket')).to.deep.equal({});
      expect(resourcesOf(synth, 'aws_kms_key')).to.deep.equal({});
      const stream = onlyResource(synth, 'aws_kinesis_firehose_delivery_stream');
      expect(stream.server_side_encryption).to.deep.include({ key_arn: existingKey });
      expect((stream.extended_s3_configuration as Record<string, unknown>).bucket_arn).to.equal(
        'arn:aws:s3:::corp-analytics',
      );
      expect(
        (onlyResource(synth, 'aws_glue_catalog_table').storage_descriptor as { location: string }).location,
      ).to.equal('s3://corp-analytics/tables/transfer_notification_log/');
    });

    it('THEN only the query over the notification log is saved', () => {
      expect(Object.values(resourcesOf(synth, 'aws_athena_named_query')).map((q) => q.name)).to.deep.equal([
        'Notifications by customer and status (7 days)',
      ]);
    });

    it('THEN the policy pack finds nothing', () => {
      expect(findViolations(stack).map((v) => v.message)).to.deep.equal([]);
    });
  });

  describe('GIVEN conflicting or malformed props', () => {
    it('WHEN constructed THEN every problem is reported at once and nothing is created', () => {
      const stack = new TerraformStack(testApp(), 'bad');
      const error = errorOf(
        () =>
          new AnalyticsExport(stack, 'analytics', {
            ...BASE,
            namePrefix: 'FF',
            tables: [
              table('fileTransferStatus'),
              table('fileTransferStatus'),
              { logicalName: 'workflowDefinition' as never, tableName: 'wd', streamArn: 'not-an-arn' },
            ],
            bufferingSeconds: 30,
            firstExportDay: '2025-13-45',
            existingBucket: { bucketName: 'corp-analytics', bucketArn: 'arn:aws:s3:::corp-analytics' },
            queryResultExpirationDays: 7,
          }),
      );
      expect(
        error.message
          .split('\n')
          .slice(1)
          .map((line) => line.trim()),
      ).to.deep.equal([
        "namePrefix 'FF' must be 2–24 lowercase letters, digits or '-', starting with a letter",
        "tables: 'fileTransferStatus' is listed twice",
        "tables: 'workflowDefinition' is not exported (exported: fileTransferStatus, customerFileIndex, fileTransferAuditLog, transferFailureQueue, transferNotificationLog)",
        "tables: 'workflowDefinition' streamArn 'not-an-arn' is not a DynamoDB stream ARN",
        'bufferingSeconds 30 must be a whole number from 60 to 900',
        "firstExportDay '2025-13-45' must be a day written YYYY-MM-DD",
        'existingBucket cannot be combined with queryResultExpirationDays (its lifecycle is not ours)',
      ]);
      expect(stack.node.findAll().filter((c) => c instanceof TerraformResource)).to.deep.equal([]);
    });
  });

  describe("GIVEN an export of every streaming table of a pipeline's tracking tables", () => {
    const stack = new TerraformStack(testApp(), 'composed');
    const tracking = new TrackingTables(stack, 'tables', { namePrefix: 'ff-dev', kmsKeyArn: TABLES_KEY });
    new AnalyticsExport(stack, 'analytics', {
      ...BASE,
      tables: streamingTablesOf(tracking),
      tablesKmsKeyArn: tracking.kmsKeyArn,
    });
    const synth = synthJson(stack);

    it('THEN every table but the workflow definitions is exported, each through its own stream', () => {
      expect(Object.values(resourcesOf(synth, 'aws_glue_catalog_table')).map((t) => t.name)).to.have.members(
        exportedTables().map((t) => t.exportName),
      );
      const mappings = Object.values(resourcesOf(synth, 'aws_lambda_event_source_mapping'));
      expect(mappings).to.have.length(exportedTables().length);
      expect(mappings.map((m) => m.event_source_arn)).to.have.members(
        Object.entries(resourcesOf(synth, 'aws_dynamodb_table'))
          .filter(([, t]) => t.stream_enabled === true)
          .map(([id]) => `\${aws_dynamodb_table.${id}.stream_arn}`),
      );
    });

    it('THEN the policy pack finds nothing', () => {
      expect(findViolations(stack).map((v) => v.message)).to.deep.equal([]);
    });
  });

  describe('GIVEN two exports in one stack', () => {
    const { stack, synth } = exportStack(BASE, {
      ...BASE,
      namePrefix: 'ff-test',
      tables: [table('fileTransferStatus', 'ff-test')],
    });

    it('THEN no physical name is used twice', () => {
      const names = (type: string, field = 'name') => Object.values(resourcesOf(synth, type)).map((r) => r[field]);
      for (const [type, field] of [
        ['aws_kinesis_firehose_delivery_stream', 'name'],
        ['aws_lambda_function', 'function_name'],
        ['aws_iam_role', 'name'],
        ['aws_glue_catalog_database', 'name'],
        ['aws_athena_workgroup', 'name'],
        ['aws_cloudwatch_log_group', 'name'],
        ['aws_cloudwatch_metric_alarm', 'alarm_name'],
        ['aws_kms_alias', 'name'],
      ] as const) {
        const all = names(type, field);
        expect(new Set(all).size, type).to.equal(all.length);
      }
      expect(Object.values(resourcesOf(synth, 'aws_glue_catalog_database')).map((d) => d.name)).to.have.members([
        'ff_dev_analytics',
        'ff_test_analytics',
      ]);
    });

    it('THEN the policy pack finds nothing', () => {
      expect(findViolations(stack).map((v) => v.message)).to.deep.equal([]);
    });
  });
});

describe('Analytics export rows', () => {
  const tables = {
    'ff-dev-transfer-notification-log': 'transfer_notification_log',
    'ff-dev-file-transfer-status': 'file_transfer_status',
  };
  const record = (
    tableName: string,
    item: Record<string, unknown>,
    eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
    sequence = '100',
  ): StreamEvent['Records'][number] => ({
    eventName,
    eventSourceARN: streamOf(tableName),
    dynamodb: {
      ApproximateCreationDateTime: Date.parse('2025-06-28T22:01:35Z') / 1000,
      SequenceNumber: sequence,
      ...(eventName === 'REMOVE' ? {} : { NewImage: marshall(item, { removeUndefinedValues: true }) }),
    },
  });
  const statusItem = {
    PK: 'FILE#acme#orders.csv',
    SK: 'TS#2025-06-28T22:01:34Z#FAILED',
    byCustomerTimePk: 'acme',
    expiresAt: 1_800_000_000,
    customerId: 'acme',
    fileName: 'orders.csv',
    workflowId: 'acme-orders',
    status: 'FAILED',
    timestamp: '2025-06-28T22:01:34Z',
    retryCount: 3,
    targetSummary: { archive: 'permission denied' },
  };

  describe('GIVEN a status-history item written to the status table', () => {
    const row = exportRow(record('ff-dev-file-transfer-status', statusItem), tables) as Record<string, unknown>;

    it('THEN its row is flat: scalars kept, maps as JSON text, the stream event and time added, routed by table and day', () => {
      expect(row).to.deep.include({
        SK: 'TS#2025-06-28T22:01:34Z#FAILED',
        status: 'FAILED',
        retryCount: 3,
        targetSummary: '{"archive":"permission denied"}',
        stream_event: 'INSERT',
        stream_time: '2025-06-28T22:01:35.000Z',
        [ROUTE_TABLE_FIELD]: 'file_transfer_status',
        [ROUTE_DAY_FIELD]: '2025-06-28',
      });
    });

    it('THEN every field of the row but the derived index attributes and the route is a Glue column', () => {
      const columns = exportedTables()
        .find((t) => t.exportName === 'file_transfer_status')
        ?.columns.map((c) => c.name);
      const derived = new Set([...derivedAttributes(TRACKING_TABLES.fileTransferStatus)].map((a) => a.toLowerCase()));
      const fields = Object.keys(row)
        .map((f) => f.toLowerCase())
        .filter(
          (f) => !(derived.has(f) && f !== 'pk' && f !== 'sk') && f !== ROUTE_TABLE_FIELD && f !== ROUTE_DAY_FIELD,
        );
      expect(columns).to.include.members(fields);
    });
  });

  describe('GIVEN a batch with a delete and a record of a table not exported', () => {
    it('THEN the delete is skipped (the export is history) and the stranger is refused by name', () => {
      expect(exportRow(record('ff-dev-file-transfer-status', statusItem, 'REMOVE'), tables)).to.equal(undefined);
      expect(() => exportRow(record('ff-dev-workflow-definition', { PK: 'WORKFLOW#x' }), tables)).to.throw(
        "stream record of table 'ff-dev-workflow-definition', which is not an exported table",
      );
    });
  });

  describe('GIVEN a delivery stream that refuses some rows', () => {
    const batch: StreamEvent = {
      Records: ['1', '2', '3'].map((sequence) =>
        record(
          'ff-dev-transfer-notification-log',
          { PK: `NOTIFY#f${sequence}`, SK: 'TS#x', status: 'SENT' },
          'INSERT',
          sequence,
        ),
      ),
    };

    it('WHEN it takes them on a retry THEN every row is delivered once and no record is reported failed', async () => {
      const delivered: string[] = [];
      let calls = 0;
      const response = await exportStreamBatch(batch, {
        tables,
        write: async (rows) => {
          calls += 1;
          const refused = calls === 1 ? [1] : [];
          rows.forEach((row, index) => !refused.includes(index) && delivered.push(JSON.parse(row.toString()).PK));
          return refused;
        },
      });
      expect(response).to.deep.equal({ batchItemFailures: [] });
      expect(delivered).to.have.members(['NOTIFY#f1', 'NOTIFY#f2', 'NOTIFY#f3']);
      expect(delivered).to.have.length(3);
    });

    it('WHEN it keeps refusing THEN the first refused record is reported, so Lambda retries from it', async () => {
      const response = await exportStreamBatch(batch, {
        tables,
        attempts: 2,
        write: async (rows) =>
          rows.flatMap((row, index) => (JSON.parse(row.toString()).PK === 'NOTIFY#f1' ? [] : [index])),
      });
      expect(response).to.deep.equal({ batchItemFailures: [{ itemIdentifier: '2' }] });
    });
  });
});
