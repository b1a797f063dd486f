import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { Construct } from 'constructs';

/** Days a deleted key waits before it is gone: AWS's longest, so a mistaken destroy can be undone. */
export const KEY_DELETION_WINDOW_DAYS = 30;

/** What a module says of the key it creates. */
export interface AccountKeyProps {
  /** The key's description, shown in the KMS console. */
  readonly description: string;
  /** The alias, with its `alias/` prefix. */
  readonly alias: string;
  /** Statements after the account's own, for principals that only a key policy can allow. */
  readonly moreStatements?: (account: KeyAccount) => readonly object[];
}

/** The account and partition a key policy is written for (Terraform references at synth). */
export interface KeyAccount {
  readonly partition: string;
  readonly accountId: string;
}

/** A created key and its alias. */
export interface AccountKey {
  readonly key: KmsKey;
  readonly alias: KmsAlias;
}

/**
 * A customer managed key of this account, rotated every year, and its alias. The resources
 * are children of `scope` itself (`account`, `partition`, `key`, `alias`), so a module that
 * moves to this function keeps its Terraform addresses and its existing key.
 */
export function createAccountKey(scope: Construct, props: AccountKeyProps): AccountKey {
  const account = new DataAwsCallerIdentity(scope, 'account');
  const partition = new DataAwsPartition(scope, 'partition');
  const key = new KmsKey(scope, 'key', {
    description: props.description,
    enableKeyRotation: true,
    deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
    policy: JSON.stringify(
      accountKeyPolicy({ partition: partition.partition, accountId: account.accountId }, props.moreStatements),
    ),
  });
  const alias = new KmsAlias(scope, 'alias', { name: props.alias, targetKeyId: key.keyId });
  return { key, alias };
}

/**
 * A created key's policy. In a key policy `Resource: "*"` means this key and nothing else:
 * the account administers the key and delegates its use to IAM policies, which name the key
 * exactly; `moreStatements` follow.
 */
export function accountKeyPolicy(account: KeyAccount, moreStatements?: AccountKeyProps['moreStatements']): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministersKeyAndDelegatesToIam',
        Effect: 'Allow',
        Principal: { AWS: `arn:${account.partition}:iam::${account.accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      ...(moreStatements?.(account) ?? []),
    ],
  };
}
