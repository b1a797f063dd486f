/**
 * S3 buckets: the protections live on sibling resources that point at the bucket
 * (`aws_s3_bucket_public_access_block`, `…_server_side_encryption_configuration`,
 * `…_versioning`, `…_policy`); the deprecated inline blocks of `aws_s3_bucket` count too, so a
 * bucket that is protected is never reported. A bucket passed in from outside is not a
 * resource of the stack and so is never a subject.
 */
import { compliantIf, Compliance, type PolicyRule } from '../rule';
import { readPolicy, type PolicyStatement } from '../policy-document';
import { block, blocks, isSet, isTrue, refersTo, type StackResource, type StackView } from '../stack-view';

/** FF-S3-1: a public access block with all four switches on. */
export const S3_PUBLIC_ACCESS_BLOCKED: PolicyRule = {
  id: 'FF-S3-1',
  description:
    'S3 bucket needs an aws_s3_bucket_public_access_block with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all true',
  evaluate: (bucket, stack) =>
    onBucket(bucket, () =>
      compliantIf(
        siblings(bucket, stack, 'aws_s3_bucket_public_access_block').some(
          ({ config }) =>
            isTrue(config.block_public_acls) &&
            isTrue(config.block_public_policy) &&
            isTrue(config.ignore_public_acls) &&
            isTrue(config.restrict_public_buckets),
        ),
      ),
    ),
};

/** FF-S3-2: default server-side encryption. */
export const S3_ENCRYPTED: PolicyRule = {
  id: 'FF-S3-2',
  description:
    'S3 bucket needs an aws_s3_bucket_server_side_encryption_configuration with apply_server_side_encryption_by_default.sse_algorithm set',
  evaluate: (bucket, stack) =>
    onBucket(bucket, () => {
      const configurations = [
        ...siblings(bucket, stack, 'aws_s3_bucket_server_side_encryption_configuration').map((c) => c.config),
        ...blocks(bucket.config, 'server_side_encryption_configuration'),
      ];
      return compliantIf(
        configurations.some((c) =>
          blocks(c, 'rule').some((rule) =>
            isSet(block(rule, 'apply_server_side_encryption_by_default')?.sse_algorithm),
          ),
        ),
      );
    }),
};

/** FF-S3-3: versioning enabled, so an overwritten or deleted transfer can be recovered. */
export const S3_VERSIONED: PolicyRule = {
  id: 'FF-S3-3',
  description: 'S3 bucket needs an aws_s3_bucket_versioning with versioning_configuration.status = "Enabled"',
  evaluate: (bucket, stack) =>
    onBucket(bucket, () =>
      compliantIf(
        siblings(bucket, stack, 'aws_s3_bucket_versioning').some(
          (v) => block(v.config, 'versioning_configuration')?.status === 'Enabled',
        ) || isTrue(block(bucket.config, 'versioning')?.enabled),
      ),
    ),
};

/** FF-S3-4: a bucket policy that denies every request not made over TLS. */
export const S3_TLS_ONLY: PolicyRule = {
  id: 'FF-S3-4',
  description:
    'S3 bucket needs an aws_s3_bucket_policy with a Deny of s3:* for Principal "*" when Bool aws:SecureTransport = false',
  evaluate: (bucket, stack) =>
    onBucket(bucket, () => {
      const policies = [
        ...siblings(bucket, stack, 'aws_s3_bucket_policy').map((p) => p.config.policy),
        bucket.config.policy,
      ];
      return compliantIf(policies.some((policy) => (readPolicy(policy, stack) ?? []).some(deniesInsecureTransport)));
    }),
};

function deniesInsecureTransport(statement: PolicyStatement): boolean {
  return (
    statement.effect === 'Deny' &&
    statement.actions.some((a) => a === 's3:*' || a === '*') &&
    statement.principals.includes('*') &&
    statement.conditions.some(
      (c) =>
        (c.test === 'Bool' || c.test === 'BoolIfExists') &&
        c.variable.toLowerCase() === 'aws:securetransport' &&
        c.values.includes('false'),
    )
  );
}

function onBucket(resource: StackResource, evaluate: () => Compliance): Compliance {
  return resource.mode === 'managed' && resource.type === 'aws_s3_bucket' ? evaluate() : Compliance.NOT_APPLICABLE;
}

/** Resources of `type` whose `bucket` attribute is this bucket. */
function siblings(bucket: StackResource, stack: StackView, type: string): StackResource[] {
  return stack.ofType(type).filter((sibling) => refersTo(sibling.config.bucket, bucket));
}
