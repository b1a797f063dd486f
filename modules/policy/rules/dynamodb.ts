/** DynamoDB tables: the transfer ledger must survive a bad write and be encrypted at rest. */
import { compliantIf, Compliance, type PolicyRule } from '../rule';
import { block, isTrue, type StackResource } from '../stack-view';

/** FF-DDB-1: point-in-time recovery. */
export const DYNAMODB_PITR: PolicyRule = {
  id: 'FF-DDB-1',
  description: 'DynamoDB table needs point_in_time_recovery { enabled = true }',
  evaluate: (table) =>
    onTable(table, () => compliantIf(isTrue(block(table.config, 'point_in_time_recovery')?.enabled))),
};

/**
 * FF-DDB-2: server-side encryption declared explicitly. An explicit block makes the key
 * choice visible in review (a customer key when `kms_key_arn` is set, the AWS managed key
 * otherwise), rather than relying on the AWS-owned default.
 */
export const DYNAMODB_ENCRYPTED: PolicyRule = {
  id: 'FF-DDB-2',
  description: 'DynamoDB table needs server_side_encryption { enabled = true }',
  evaluate: (table) =>
    onTable(table, () => compliantIf(isTrue(block(table.config, 'server_side_encryption')?.enabled))),
};

function onTable(resource: StackResource, evaluate: () => Compliance): Compliance {
  return resource.mode === 'managed' && resource.type === 'aws_dynamodb_table' ? evaluate() : Compliance.NOT_APPLICABLE;
}
