import { expect } from 'chai';
import { TerraformStack, Testing } from 'cdktf';
import { TrackingTables, type TrackingTablesProps } from '../../modules/tracking-tables';
import {
  MissingTableNameError,
  TRACKING_TABLES,
  physicalTableNames,
  tableNamesFromEnvironment,
  trackingTableSpecs,
} from '../../functions/core/tracking/tables';
import { resourcesOf, synthJson, testApp, type SynthesizedStack } from '../helpers/cdktf';

type Table = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- synthesized JSON

function synthTables(props: TrackingTablesProps): { synth: SynthesizedStack; tables: TrackingTables } {
  const stack = new TerraformStack(testApp(), 'stack');
  const tables = new TrackingTables(stack, 'tracking', props);
  return { synth: synthJson(stack), tables };
}

function tableNamed(synth: SynthesizedStack, name: string): Table {
  const table = Object.values(resourcesOf(synth, 'aws_dynamodb_table')).find((t) => t.name === name);
  if (table === undefined) throw new Error(`no table named ${name}`);
  return table;
}

describe('TrackingTables construct', () => {
  describe('GIVEN only a name prefix', () => {
    const { synth } = synthTables({ namePrefix: 'fileflow-prod' });

    it('THEN it creates all six tables, named <prefix>-<suffix>, on demand', () => {
      const tables = Object.values(resourcesOf(synth, 'aws_dynamodb_table'));
      expect(tables.map((t) => t.name).sort()).to.deep.equal([
        'fileflow-prod-customer-file-index',
        'fileflow-prod-file-transfer-audit-log',
        'fileflow-prod-file-transfer-status',
        'fileflow-prod-transfer-failure-queue',
        'fileflow-prod-transfer-notification-log',
        'fileflow-prod-workflow-definition',
      ]);
      for (const table of tables) expect(table.billing_mode).to.equal('PAY_PER_REQUEST');
    });

    it('THEN every table has point-in-time recovery (35 days), server-side encryption and deletion protection', () => {
      for (const table of Object.values(resourcesOf(synth, 'aws_dynamodb_table'))) {
        expect(table.point_in_time_recovery).to.deep.equal({ enabled: true, recovery_period_in_days: 35 });
        expect(table.server_side_encryption).to.deep.equal({ enabled: true });
        expect(table.deletion_protection_enabled).to.equal(true);
      }
    });

    it('THEN the status table has its keys, three sparse indexes and a TTL on expiresAt', () => {
      const status = tableNamed(synth, 'fileflow-prod-file-transfer-status');
      expect(status.hash_key).to.equal('PK');
      expect(status.range_key).to.equal('SK');
      expect(status.ttl).to.deep.equal({ attribute_name: 'expiresAt', enabled: true });
      expect(status.global_secondary_index).to.deep.equal([
        { name: 'byCustomerTime', hash_key: 'byCustomerTimePk', range_key: 'byCustomerTimeSk', projection_type: 'ALL' },
        {
          name: 'byWorkflowStatus',
          hash_key: 'byWorkflowStatusPk',
          range_key: 'byWorkflowStatusSk',
          projection_type: 'INCLUDE',
          non_key_attributes: ['customerId', 'fileName', 'status', 'timestamp', 'executionId', 'errorMessage'],
        },
        { name: 'byFileName', hash_key: 'byFileNamePk', projection_type: 'KEYS_ONLY' },
      ]);
      expect(status.attribute.map((a: Table) => a.name).sort()).to.deep.equal(
        [
          'PK',
          'SK',
          'byCustomerTimePk',
          'byCustomerTimeSk',
          'byFileNamePk',
          'byWorkflowStatusPk',
          'byWorkflowStatusSk',
        ].sort(),
      );
    });

    it('THEN TTL is on exactly the tables whose spec asks for it, and every table but the workflows streams', () => {
      for (const spec of trackingTableSpecs()) {
        const table = tableNamed(synth, `fileflow-prod-${spec.nameSuffix}`);
        if (spec.ttlAttribute)
          expect(table.ttl, spec.logicalName).to.deep.equal({ attribute_name: 'expiresAt', enabled: true });
        else expect(table.ttl, spec.logicalName).to.equal(undefined);
      }
      for (const spec of trackingTableSpecs()) {
        const table = tableNamed(synth, `fileflow-prod-${spec.nameSuffix}`);
        if (spec.logicalName === 'workflowDefinition')
          expect(table.stream_enabled, spec.logicalName).to.equal(undefined);
        else expect(table, spec.logicalName).to.include({ stream_enabled: true, stream_view_type: 'NEW_IMAGE' });
      }
      expect(tableNamed(synth, 'fileflow-prod-customer-file-index').ttl).to.equal(undefined);
      expect(tableNamed(synth, 'fileflow-prod-workflow-definition').range_key).to.equal(undefined);
    });

    it('THEN the failure queue has the openFailures index for the review list', () => {
      const failures = tableNamed(synth, 'fileflow-prod-transfer-failure-queue');
      expect(failures.global_secondary_index).to.deep.equal([
        { name: 'openFailures', hash_key: 'openFailuresPk', range_key: 'openFailuresSk', projection_type: 'ALL' },
      ]);
    });
  });

  describe('GIVEN a customer managed key and PITR switched off', () => {
    const kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { synth, tables } = synthTables({
      namePrefix: 'dev',
      kmsKeyArn,
      pointInTimeRecovery: false,
      deletionProtection: false,
    });

    it('THEN every table is encrypted with that key, without PITR or deletion protection', () => {
      for (const table of Object.values(resourcesOf(synth, 'aws_dynamodb_table'))) {
        expect(table.server_side_encryption).to.deep.equal({ enabled: true, kms_key_arn: kmsKeyArn });
        expect(table.point_in_time_recovery).to.deep.equal({ enabled: false });
        expect(table.deletion_protection_enabled).to.equal(false);
      }
    });

    it('WHEN read-write statements are asked for THEN they include the key', () => {
      const [, kms] = tables.policyStatements('readWrite', ['workflowDefinition']);
      expect(kms).to.deep.equal({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
        resources: [kmsKeyArn],
      });
    });
  });

  describe('GIVEN a handler that needs access', () => {
    const stack = new TerraformStack(testApp(), 'stack');
    const tracking = new TrackingTables(stack, 'tracking', { namePrefix: 'p' });

    it('WHEN it asks for read access to two tables THEN the statement names exactly those ARNs and their indexes', () => {
      const statements = tracking.policyStatements('read', ['fileTransferStatus', 'workflowDefinition']);
      const status = tracking.tables.fileTransferStatus.tableArn;
      const workflows = tracking.tables.workflowDefinition.tableArn;
      expect(statements).to.deep.equal([
        {
          actions: [
            'dynamodb:GetItem',
            'dynamodb:BatchGetItem',
            'dynamodb:Query',
            'dynamodb:Scan',
            'dynamodb:DescribeTable',
          ],
          resources: [status, `${status}/index/*`, workflows],
        },
      ]);
    });

    it('WHEN it asks for read-write access THEN it may put and update but never delete', () => {
      const [statement] = tracking.policyStatements('readWrite');
      expect(statement.actions).to.include.members(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
      expect(statement.actions).not.to.include('dynamodb:DeleteItem');
      expect(statement.resources).to.have.length(6 + 2); // six tables, two of them with indexes
      expect(statement.resources.some((r) => r === '*' || r.endsWith(':*'))).to.equal(false);
    });

    it('THEN handlers get one environment variable per table, and every streaming table exposes its stream', () => {
      expect(Object.keys(tracking.environment).sort()).to.deep.equal(
        trackingTableSpecs()
          .map((s) => s.environmentVariable)
          .sort(),
      );
      expect(tracking.tables.fileTransferAuditLog.streamArn).to.be.a('string');
      expect(tracking.tables.transferNotificationLog.streamArn).to.be.a('string');
      expect(tracking.tables.workflowDefinition.streamArn).to.equal(undefined);
    });
  });

  describe('GIVEN a handler reading its table names from the environment', () => {
    const names = physicalTableNames('fileflow-prod');
    const env = Object.fromEntries(
      trackingTableSpecs().map((spec) => [spec.environmentVariable, names[spec.logicalName]]),
    );

    it('WHEN every variable is set THEN it gets the same names the construct created', () => {
      expect(tableNamesFromEnvironment(env)).to.deep.equal(names);
    });

    it('WHEN a variable is missing THEN the error names it', () => {
      const { FILE_TRANSFER_AUDIT_LOG_TABLE: _omitted, ...partial } = env; // eslint-disable-line @typescript-eslint/no-unused-vars
      expect(() => tableNamesFromEnvironment(partial)).to.throw(MissingTableNameError, /FILE_TRANSFER_AUDIT_LOG_TABLE/);
    });
  });

  describe('GIVEN conflicting or malformed props', () => {
    it('THEN every problem is reported in one error and no table is created', () => {
      const stack = new TerraformStack(testApp(), 'stack');
      expect(
        () =>
          new TrackingTables(stack, 'tracking', {
            namePrefix: '-bad prefix',
            kmsKeyArn: 'alias/aws/dynamodb',
            pointInTimeRecovery: false,
            pointInTimeRecoveryDays: 40,
          }),
      ).to.throw(
        /namePrefix '-bad prefix'[\s\S]*kmsKeyArn 'alias\/aws\/dynamodb'[\s\S]*cannot be combined with pointInTimeRecovery: false[\s\S]*40 must be a whole number of days from 1 to 35/,
      );
      expect(resourcesOf(synthJson(stack), 'aws_dynamodb_table')).to.deep.equal({});
    });
  });

  describe('GIVEN two instances in one stack with different prefixes', () => {
    it('THEN both sets of six tables synthesize without colliding ids or names', () => {
      const stack = new TerraformStack(testApp(), 'stack');
      new TrackingTables(stack, 'tenant-a', { namePrefix: 'a' });
      new TrackingTables(stack, 'tenant-b', { namePrefix: 'b' });
      const tables = Object.values(resourcesOf(synthJson(stack), 'aws_dynamodb_table'));
      expect(tables).to.have.length(12);
      expect(new Set(tables.map((t) => t.name)).size).to.equal(12);
    });
  });

  describe('GIVEN the construct inside Testing.synthScope', () => {
    it('THEN the status table matches its spec through the cdktf matcher', () => {
      const synthesized = Testing.synthScope((scope) => {
        new TrackingTables(scope, 'tracking', { namePrefix: 'scope' });
      });
      const spec = TRACKING_TABLES.fileTransferStatus;
      expect(
        Testing.toHaveResourceWithProperties(synthesized, 'aws_dynamodb_table', {
          name: `scope-${spec.nameSuffix}`,
          hash_key: spec.partitionKey.name,
          range_key: spec.sortKey?.name,
        }),
      ).to.equal(true);
    });
  });
});
