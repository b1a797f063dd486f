/**
 * The harness's results as a table Athena can query without crawlers or `MSCK REPAIR`:
 * a Glue database and table over `s3://<bucket>/results/dt=<date>/flow_id=<flow>/run_id=<run>/run.json`
 * with partition projection on `dt` and `flow_id`, and an Athena workgroup whose query
 * results are KMS-encrypted in the same bucket.
 */
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup';
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database';
import { GlueCatalogTable } from '@cdktf/provider-aws/lib/glue-catalog-table';
import { Construct } from 'constructs';
import type { BucketReference } from './secure-bucket';
import { glueColumns } from '../functions/core/analytics/glue-types';
import { RunRecord } from '../functions/core/harness/record';

/** Props of {@link ResultsCatalog}. */
export interface ResultsCatalogProps {
  /** Prefix of the physical names (workgroup; the database turns `-` into `_`). */
  readonly namePrefix: string;
  /** The bucket holding the results, and where Athena writes its query results. */
  readonly bucket: BucketReference;
  /** Key that encrypts Athena's query results. */
  readonly kmsKeyArn: string;
  /** Key prefix of the run results, ending in `/`. */
  readonly resultsPrefix: string;
  /** Key prefix Athena writes query results under, ending in `/`. */
  readonly queryResultsPrefix: string;
  /**
   * The flow ids the table knows without being told: with them, `flow_id` is an `enum`
   * projection and a query may span every flow; without them it is `injected`, and every
   * query must name its flows (`WHERE flow_id = '…'` or `IN (…)`).
   * @default none (`injected`)
   */
  readonly flowIds?: readonly string[];
  /**
   * First day `dt` projects from (yyyy-MM-dd).
   * @default '2025-01-01'
   */
  readonly firstDate?: string;
}

/**
 * The columns of `run.json`, from the schema every record is checked against before it is
 * written. `flow_id` is left out: it is the partition key, filled from the path.
 */
const RUN_RECORD_COLUMNS = glueColumns(RunRecord, { omit: ['flow_id'] });

/** Partition keys, in path order. */
const RESULT_PARTITION_KEYS = ['dt', 'flow_id'] as const;

/** Glue database, run table and Athena workgroup over the harness results. */
export class ResultsCatalog extends Construct {
  /** The Glue database. */
  public readonly database: GlueCatalogDatabase;
  /** The `runs` table: one row per `run.json`. */
  public readonly table: GlueCatalogTable;
  /** The workgroup to query it in; its settings override the client's. */
  public readonly workgroup: AthenaWorkgroup;

  constructor(scope: Construct, id: string, props: ResultsCatalogProps) {
    super(scope, id);
    const location = `s3://${props.bucket.bucketName}/${props.resultsPrefix}`;
    const flowIds = props.flowIds ?? [];

    this.database = new GlueCatalogDatabase(this, 'database', {
      name: glueDatabaseName(props.namePrefix),
      description: `fileflow flow-test results of ${props.namePrefix}`,
    });
    this.table = new GlueCatalogTable(this, 'runs', {
      databaseName: this.database.name,
      name: 'runs',
      description: 'One row per harness run (run.json); summary.txt lines in the same folders read as empty rows',
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        EXTERNAL: 'TRUE',
        classification: 'json',
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': `${props.firstDate ?? '2025-01-01'},NOW`,
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        ...(flowIds.length > 0
          ? { 'projection.flow_id.type': 'enum', 'projection.flow_id.values': flowIds.join(',') }
          : { 'projection.flow_id.type': 'injected' }),
        'storage.location.template': `${location}dt=\${dt}/flow_id=\${flow_id}/`,
      },
      partitionKeys: RESULT_PARTITION_KEYS.map((name) => ({ name, type: 'string' })),
      storageDescriptor: {
        location,
        inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        // Athena reads the run_id=<run>/ folders below each partition too.
        parameters: { 'serialization.format': '1' },
        serDeInfo: {
          name: 'run-json',
          serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
          // summary.txt shares the run folder: its lines become empty rows instead of failing the query.
          parameters: { 'ignore.malformed.json': 'TRUE' },
        },
        columns: RUN_RECORD_COLUMNS.map((column) => ({ ...column })),
      },
    });
    this.workgroup = new AthenaWorkgroup(this, 'workgroup', {
      name: `${props.namePrefix}-harness`,
      description: `Queries over the flow-test results of ${props.namePrefix}`,
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        // A runaway query over years of results stops at 10 GiB.
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        resultConfiguration: {
          outputLocation: `s3://${props.bucket.bucketName}/${props.queryResultsPrefix}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: props.kmsKeyArn },
        },
      },
    });
  }
}

/** Glue database names are lowercase letters, digits and `_`. */
function glueDatabaseName(namePrefix: string): string {
  return `${namePrefix.replace(/-/g, '_')}_harness`;
}
