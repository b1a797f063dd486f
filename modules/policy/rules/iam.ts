/**
 * IAM: an Allow on `Resource: "*"` must not reach the data of the platform's stores and keys.
 * Account-level actions that support no resource scoping (`s3:ListAllMyBuckets`,
 * `sqs:ListQueues`, `kms:CreateKey`, …) are not data-plane and stay allowed.
 */
import { documentStatements, readPolicy, referencedDocument, type PolicyStatement } from '../policy-document';
import { compliantIf, Compliance, type PolicyRule } from '../rule';
import { blocks, type StackView } from '../stack-view';

/** Actions that read or change the data in a bucket, table, queue, topic, secret or key. */
const DATA_PLANE_ACTIONS: readonly string[] = [
  ...prefixed('s3', [
    'GetObject',
    'GetObjectVersion',
    'GetObjectAcl',
    'GetObjectTagging',
    'GetObjectAttributes',
    'PutObject',
    'PutObjectAcl',
    'PutObjectTagging',
    'DeleteObject',
    'DeleteObjectVersion',
    'DeleteObjectTagging',
    'RestoreObject',
    'AbortMultipartUpload',
    'ListBucket',
    'ListBucketVersions',
    'ListMultipartUploadParts',
    'ReplicateObject',
  ]),
  ...prefixed('dynamodb', [
    'GetItem',
    'BatchGetItem',
    'PutItem',
    'UpdateItem',
    'DeleteItem',
    'BatchWriteItem',
    'Query',
    'Scan',
    'ConditionCheckItem',
    'PartiQLSelect',
    'PartiQLInsert',
    'PartiQLUpdate',
    'PartiQLDelete',
    'GetRecords',
    'GetShardIterator',
  ]),
  ...prefixed('sqs', [
    'SendMessage',
    'ReceiveMessage',
    'DeleteMessage',
    'ChangeMessageVisibility',
    'PurgeQueue',
    'GetQueueAttributes',
    'GetQueueUrl',
  ]),
  ...prefixed('sns', ['Publish', 'Subscribe']),
  ...prefixed('secretsmanager', [
    'GetSecretValue',
    'PutSecretValue',
    'UpdateSecret',
    'DescribeSecret',
    'DeleteSecret',
    'RotateSecret',
  ]),
  ...prefixed('kms', [
    'Encrypt',
    'Decrypt',
    'ReEncryptFrom',
    'ReEncryptTo',
    'GenerateDataKey',
    'GenerateDataKeyWithoutPlaintext',
    'GenerateDataKeyPair',
    'GenerateDataKeyPairWithoutPlaintext',
    'Sign',
    'Verify',
    'GenerateMac',
    'VerifyMac',
    'DescribeKey',
  ]),
];

/** Resource types whose `policy` attribute is an identity policy. */
const POLICY_RESOURCE_TYPES = ['aws_iam_policy', 'aws_iam_role_policy'];

/** FF-IAM-1: no data-plane action on every resource. */
export const IAM_NO_WILDCARD_DATA_ACCESS: PolicyRule = {
  id: 'FF-IAM-1',
  description:
    'IAM policy must not Allow data-plane actions of s3, dynamodb, sqs, sns, secretsmanager or kms on Resource "*" (or NotResource); name the ARNs. A policy that cannot be read at synth time counts as a violation',
  evaluate: (resource, stack) => {
    if (resource.mode === 'data' && resource.type === 'aws_iam_policy_document') {
      return compliantIf(!documentStatements(resource, stack, false).some(grantsDataOnEverything));
    }
    if (resource.mode !== 'managed') return Compliance.NOT_APPLICABLE;
    if (POLICY_RESOURCE_TYPES.includes(resource.type)) return checkPolicy(resource.config.policy, stack);
    if (resource.type === 'aws_iam_role') {
      const verdicts = blocks(resource.config, 'inline_policy').map((p) => checkPolicy(p.policy, stack));
      return verdicts.includes(Compliance.NON_COMPLIANT) ? Compliance.NON_COMPLIANT : Compliance.COMPLIANT;
    }
    return Compliance.NOT_APPLICABLE;
  },
};

function checkPolicy(policy: unknown, stack: StackView): Compliance {
  // The document is a subject of its own, reported where its statements are written.
  if (referencedDocument(policy, stack)) return Compliance.NOT_APPLICABLE;
  const statements = readPolicy(policy, stack);
  return compliantIf(statements !== undefined && !statements.some(grantsDataOnEverything));
}

function grantsDataOnEverything(statement: PolicyStatement): boolean {
  if (statement.effect !== 'Allow') return false;
  const everyResource = statement.resources.includes('*') || statement.notResources.length > 0;
  if (!everyResource) return false;
  const granted = (action: string) =>
    statement.notActions.length > 0
      ? !statement.notActions.some((pattern) => matchesAction(pattern, action))
      : statement.actions.some((pattern) => matchesAction(pattern, action));
  return DATA_PLANE_ACTIONS.some(granted);
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards. */
function matchesAction(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

function prefixed(service: string, actions: readonly string[]): string[] {
  return actions.map((action) => `${service}:${action}`);
}
