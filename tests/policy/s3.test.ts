import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsS3Bucket } from '@cdktf/provider-aws/lib/data-aws-s3-bucket';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { expect } from 'chai';
import { Fn, type TerraformStack } from 'cdktf';
import { Compliance, findViolations } from '../../modules/policy';
import { S3_ENCRYPTED, S3_PUBLIC_ACCESS_BLOCKED, S3_TLS_ONLY, S3_VERSIONED } from '../../modules/policy/rules/s3';
import { newStack, removeTestOutput, verdict } from './harness';

const S3_RULES = [S3_PUBLIC_ACCESS_BLOCKED, S3_ENCRYPTED, S3_VERSIONED, S3_TLS_ONLY];

/** A bucket with every protection the S3 rules ask for, as fileflow modules build it. */
function protectedBucket(stack: TerraformStack, id: string): S3Bucket {
  const bucket = new S3Bucket(stack, id, { bucketPrefix: `${id}-` });
  new S3BucketPublicAccessBlock(stack, `${id}-pab`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketServerSideEncryptionConfigurationA(stack, `${id}-sse`, {
    bucket: bucket.bucket,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }],
  });
  new S3BucketVersioningA(stack, `${id}-versioning`, {
    bucket: bucket.id,
    versioningConfiguration: { status: 'Enabled' },
  });
  new S3BucketPolicy(stack, `${id}-policy`, {
    bucket: bucket.id,
    policy: Fn.jsonencode({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucket.arn, `${bucket.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    }),
  });
  return bucket;
}

describe('policy pack: S3 buckets', () => {
  after(removeTestOutput);

  it('GIVEN a bucket with public access block, encryption, versioning and a TLS-only policy THEN every S3 rule is COMPLIANT', () => {
    const bucket = protectedBucket(newStack(), 'uploads');
    for (const rule of S3_RULES) expect(verdict(rule, bucket), rule.id).to.equal(Compliance.COMPLIANT);
  });

  it('GIVEN a bare bucket THEN every S3 rule is NON_COMPLIANT', () => {
    const bucket = new S3Bucket(newStack(), 'uploads', {});
    for (const rule of S3_RULES) expect(verdict(rule, bucket), rule.id).to.equal(Compliance.NON_COMPLIANT);
  });

  it('GIVEN two buckets WHEN only one has the sibling protections THEN the other is still NON_COMPLIANT', () => {
    const stack = newStack();
    protectedBucket(stack, 'uploads');
    const archive = new S3Bucket(stack, 'archive', {});
    for (const rule of S3_RULES) expect(verdict(rule, archive), rule.id).to.equal(Compliance.NON_COMPLIANT);
  });

  it('GIVEN sibling resources that name the bucket by its literal name THEN they count for the bucket', () => {
    const stack = newStack();
    const bucket = new S3Bucket(stack, 'uploads', { bucket: 'fileflow-uploads' });
    new S3BucketVersioningA(stack, 'versioning', {
      bucket: 'fileflow-uploads',
      versioningConfiguration: { status: 'Enabled' },
    });
    expect(verdict(S3_VERSIONED, bucket)).to.equal(Compliance.COMPLIANT);
  });

  it('GIVEN a bucket from outside the stack (a name, or a data source) WHEN the stack adds siblings for it THEN no S3 rule applies in this stack', () => {
    const stack = newStack();
    const existing = new DataAwsS3Bucket(stack, 'partner-drop', { bucket: 'partner-drop' });
    new S3BucketVersioningA(stack, 'versioning', {
      bucket: existing.bucket,
      versioningConfiguration: { status: 'Suspended' },
    });
    for (const rule of S3_RULES) expect(verdict(rule, existing), rule.id).to.equal(Compliance.NOT_APPLICABLE);
    expect(findViolations(stack, S3_RULES)).to.deep.equal([]);
  });

  describe('FF-S3-1 public access block', () => {
    it('GIVEN a public access block with restrict_public_buckets false THEN the bucket is NON_COMPLIANT', () => {
      const stack = newStack();
      const bucket = new S3Bucket(stack, 'uploads', {});
      new S3BucketPublicAccessBlock(stack, 'pab', {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: false,
      });
      expect(verdict(S3_PUBLIC_ACCESS_BLOCKED, bucket)).to.equal(Compliance.NON_COMPLIANT);
    });
  });

  describe('FF-S3-2 server-side encryption', () => {
    it('GIVEN the deprecated inline encryption block on the bucket THEN the bucket is COMPLIANT', () => {
      const bucket = new S3Bucket(newStack(), 'uploads', {
        serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } } },
      });
      expect(verdict(S3_ENCRYPTED, bucket)).to.equal(Compliance.COMPLIANT);
    });
  });

  describe('FF-S3-3 versioning', () => {
    it('GIVEN versioning Suspended THEN the bucket is NON_COMPLIANT', () => {
      const stack = newStack();
      const bucket = new S3Bucket(stack, 'uploads', {});
      new S3BucketVersioningA(stack, 'versioning', {
        bucket: bucket.id,
        versioningConfiguration: { status: 'Suspended' },
      });
      expect(verdict(S3_VERSIONED, bucket)).to.equal(Compliance.NON_COMPLIANT);
    });
  });

  describe('FF-S3-4 TLS-only bucket policy', () => {
    it('GIVEN the TLS deny written in a policy document data source THEN the bucket is COMPLIANT', () => {
      const stack = newStack();
      const bucket = new S3Bucket(stack, 'uploads', {});
      const document = new DataAwsIamPolicyDocument(stack, 'tls-only', {
        statement: [
          {
            effect: 'Deny',
            principals: [{ type: '*', identifiers: ['*'] }],
            actions: ['s3:*'],
            resources: [bucket.arn, `${bucket.arn}/*`],
            condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
          },
        ],
      });
      new S3BucketPolicy(stack, 'policy', { bucket: bucket.id, policy: document.json });
      expect(verdict(S3_TLS_ONLY, bucket)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN the TLS deny as a literal JSON string with Principal {AWS: "*"} THEN the bucket is COMPLIANT', () => {
      const stack = newStack();
      const bucket = new S3Bucket(stack, 'uploads', {});
      new S3BucketPolicy(stack, 'policy', {
        bucket: bucket.id,
        policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: ['s3:*'],
              Resource: [`${bucket.arn}/*`],
              Condition: { Bool: { 'aws:SecureTransport': false } },
            },
          ],
        }),
      });
      expect(verdict(S3_TLS_ONLY, bucket)).to.equal(Compliance.COMPLIANT);
    });

    it('GIVEN a bucket policy that only allows a role THEN the bucket is NON_COMPLIANT', () => {
      const stack = newStack();
      const bucket = new S3Bucket(stack, 'uploads', {});
      new S3BucketPolicy(stack, 'policy', {
        bucket: bucket.id,
        policy: Fn.jsonencode({
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::111122223333:role/reader' },
              Action: 's3:GetObject',
              Resource: `${bucket.arn}/*`,
            },
          ],
        }),
      });
      expect(verdict(S3_TLS_ONLY, bucket)).to.equal(Compliance.NON_COMPLIANT);
    });
  });
});
