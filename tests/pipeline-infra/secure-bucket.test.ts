import { expect } from 'chai';
import { SecureBucket } from '../../modules/secure-bucket';
import { onlyResource, resourcesOf, synthJson } from '../helpers/cdktf';
import { errorOf, expectCompliant, newStack, statementsOf } from './support';

/** Logical id of the only bucket in a synthesized stack. */
const bucketId = (synth: ReturnType<typeof synthJson>): string => Object.keys(resourcesOf(synth, 'aws_s3_bucket'))[0];

const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('SecureBucket', () => {
  describe('GIVEN only a name prefix', () => {
    const stack = newStack();
    new SecureBucket(stack, 'config', { namePrefix: 'fileflow-dev-config' });
    const synth = synthJson(stack);

    it('THEN the bucket gets a unique name from the prefix', () => {
      expect(onlyResource(synth, 'aws_s3_bucket')).to.include({ bucket_prefix: 'fileflow-dev-config-' });
    });

    it('THEN every public access switch is on and ACLs are disabled', () => {
      expect(onlyResource(synth, 'aws_s3_bucket_public_access_block')).to.include({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(onlyResource(synth, 'aws_s3_bucket_ownership_controls').rule).to.deep.equal({
        object_ownership: 'BucketOwnerEnforced',
      });
    });

    it('THEN objects are encrypted with SSE-S3 and versioned', () => {
      expect(onlyResource(synth, 'aws_s3_bucket_server_side_encryption_configuration').rule).to.deep.equal([
        { apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } },
      ]);
      expect(onlyResource(synth, 'aws_s3_bucket_versioning').versioning_configuration).to.deep.equal({
        status: 'Enabled',
      });
    });

    it('THEN unfinished multipart uploads are aborted after 7 days and nothing else expires', () => {
      expect(onlyResource(synth, 'aws_s3_bucket_lifecycle_configuration').rule).to.deep.equal([
        {
          id: 'housekeeping',
          status: 'Enabled',
          filter: [{}],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
      ]);
    });

    it('THEN the only bucket policy refuses plain HTTP and TLS below 1.2 on the bucket and its objects', () => {
      const arn = `\${aws_s3_bucket.${bucketId(synth)}.arn}`;
      const resources = [arn, `${arn}/*`];
      expect(statementsOf(onlyResource(synth, 'aws_s3_bucket_policy').policy)).to.deep.equal([
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: resources,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'DenyOutdatedTls',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: resources,
          Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
        },
      ]);
    });

    it('THEN no EventBridge notification is configured and the policy pack finds nothing', () => {
      expect(resourcesOf(synth, 'aws_s3_bucket_notification')).to.deep.equal({});
      expectCompliant(stack);
    });
  });

  describe('GIVEN a KMS key, expiry rules and EventBridge notifications', () => {
    const stack = newStack();
    new SecureBucket(stack, 'landing', {
      namePrefix: 'landing',
      bucketName: 'acme-landing-zone',
      kmsKeyArn: KEY_ARN,
      abortIncompleteMultipartUploadDays: 2,
      noncurrentVersionExpirationDays: 30,
      expiryRules: [
        { id: 'scratch', prefix: 'tmp/', expirationDays: 1 },
        { id: 'done', tags: { state: 'done' }, expirationDays: 90 },
        { id: 'done-inbound', prefix: 'inbound/', tags: { state: 'done', kind: 'csv' }, expirationDays: 30 },
      ],
      eventBridgeNotifications: true,
    });
    const synth = synthJson(stack);

    it('THEN objects are encrypted with SSE-KMS under that key with a bucket key', () => {
      expect(onlyResource(synth, 'aws_s3_bucket')).to.deep.include({ bucket: 'acme-landing-zone' });
      expect(onlyResource(synth, 'aws_s3_bucket_server_side_encryption_configuration').rule).to.deep.equal([
        {
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KEY_ARN },
          bucket_key_enabled: true,
        },
      ]);
    });

    it('THEN each expiry rule selects by prefix, by one tag, or by both inside "and"', () => {
      expect(onlyResource(synth, 'aws_s3_bucket_lifecycle_configuration').rule).to.deep.equal([
        {
          id: 'housekeeping',
          status: 'Enabled',
          filter: [{}],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 2 }],
          noncurrent_version_expiration: [{ noncurrent_days: 30 }],
        },
        { id: 'scratch', status: 'Enabled', filter: [{ prefix: 'tmp/' }], expiration: [{ days: 1 }] },
        {
          id: 'done',
          status: 'Enabled',
          filter: [{ tag: [{ key: 'state', value: 'done' }] }],
          expiration: [{ days: 90 }],
        },
        {
          id: 'done-inbound',
          status: 'Enabled',
          filter: [{ and: [{ prefix: 'inbound/', tags: { state: 'done', kind: 'csv' } }] }],
          expiration: [{ days: 30 }],
        },
      ]);
    });

    it('THEN object events go to EventBridge', () => {
      expect(onlyResource(synth, 'aws_s3_bucket_notification')).to.include({ eventbridge: true });
      expectCompliant(stack);
    });
  });

  describe('GIVEN another construct adds statements after the bucket is built', () => {
    const stack = newStack();
    const bucket = new SecureBucket(stack, 'config', { namePrefix: 'config' });
    const reader = 'arn:aws:iam::111111111111:role/flow-runner';
    const result = bucket.addToPolicy({
      Sid: 'FlowRunnerReads',
      Effect: 'Allow',
      Principal: { AWS: reader },
      Action: 's3:GetObject',
      Resource: `${bucket.bucketArn}/flows/*`,
    });
    const synth = synthJson(stack);

    it('THEN the statement joins the TLS statements in the one bucket policy, scoped as given', () => {
      expect(result).to.deep.equal({ statementAdded: true });
      const statements = statementsOf(onlyResource(synth, 'aws_s3_bucket_policy').policy);
      expect(statements.map((s) => s.Sid)).to.deep.equal([
        'DenyInsecureTransport',
        'DenyOutdatedTls',
        'FlowRunnerReads',
      ]);
      expect(statements[2]).to.deep.equal({
        Sid: 'FlowRunnerReads',
        Effect: 'Allow',
        Principal: { AWS: reader },
        Action: 's3:GetObject',
        Resource: `\${aws_s3_bucket.${bucketId(synth)}.arn}/flows/*`,
      });
    });

    it('WHEN a second statement reuses a Sid THEN it is refused', () => {
      expect(() =>
        bucket.addToPolicy({
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: '*',
        }),
      ).to.throw(/Sid 'DenyInsecureTransport' is already in the policy/);
    });
  });

  describe('GIVEN two buckets in one stack', () => {
    it('THEN each has its own resources and a name from its own prefix', () => {
      const stack = newStack();
      new SecureBucket(stack, 'landing', { namePrefix: 'fileflow-dev-landing' });
      new SecureBucket(stack, 'config', { namePrefix: 'fileflow-dev-config' });
      const synth = synthJson(stack);
      const prefixes = Object.values(resourcesOf(synth, 'aws_s3_bucket')).map((b) => b.bucket_prefix);
      expect(prefixes).to.have.members(['fileflow-dev-landing-', 'fileflow-dev-config-']);
      for (const type of ['aws_s3_bucket_policy', 'aws_s3_bucket_public_access_block', 'aws_s3_bucket_versioning']) {
        expect(Object.keys(resourcesOf(synth, type)), type).to.have.length(2);
      }
      expectCompliant(stack);
    });
  });

  describe('GIVEN an existing bucket', () => {
    const existing = {
      bucketName: 'acme-shared-landing',
      bucketArn: 'arn:aws:s3:::acme-shared-landing',
      kmsKeyArn: KEY_ARN,
    };

    it('THEN nothing is created, its fields are exposed and its policy is left alone', () => {
      const stack = newStack();
      const bucket = new SecureBucket(stack, 'landing', { namePrefix: 'landing', existingBucket: existing });
      expect({ name: bucket.bucketName, arn: bucket.bucketArn, key: bucket.kmsKeyArn }).to.deep.equal({
        name: existing.bucketName,
        arn: existing.bucketArn,
        key: KEY_ARN,
      });
      expect(bucket.bucket).to.equal(undefined);
      expect(
        bucket.addToPolicy({
          Sid: 'X',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: existing.bucketArn,
        }),
      ).to.deep.equal({ statementAdded: false });
      expect(synthJson(stack).resource ?? {}).to.deep.equal({});
    });

    it('WHEN bucket-creation options are given as well THEN every conflict is reported at once, before anything is built', () => {
      const stack = newStack();
      const error = errorOf(
        () =>
          new SecureBucket(stack, 'landing', {
            namePrefix: 'landing',
            existingBucket: existing,
            kmsKeyArn: KEY_ARN,
            eventBridgeNotifications: true,
            expiryRules: [{ id: 'x', expirationDays: 0 }],
          }),
      );
      expect(error.message).to.equal(
        [
          "SecureBucket 'landing':",
          '  existingBucket cannot be combined with kmsKeyArn',
          '  existingBucket cannot be combined with expiryRules',
          '  existingBucket cannot be combined with eventBridgeNotifications',
          "  expiry rule 'x': expirationDays 0 must be a whole number ≥ 1",
        ].join('\n'),
      );
      expect(synthJson(stack).resource ?? {}).to.deep.equal({});
    });
  });

  describe('GIVEN invalid names and periods', () => {
    it('THEN the construct refuses them with one message', () => {
      const error = errorOf(
        () =>
          new SecureBucket(newStack(), 'b', {
            namePrefix: 'Bad_Prefix',
            bucketName: 'x',
            abortIncompleteMultipartUploadDays: 0,
            expiryRules: [
              { id: 'a', expirationDays: 1 },
              { id: 'a', expirationDays: 2 },
            ],
          }),
      );
      expect(error.message.split('\n').slice(1)).to.deep.equal([
        "  namePrefix 'Bad_Prefix' must be 1–36 lowercase letters, digits or '-', starting with a letter or digit",
        "  bucketName 'x' is not a valid S3 bucket name",
        '  abortIncompleteMultipartUploadDays 0 must be a whole number of days ≥ 1',
        "  expiry rule id 'a' is used twice (or is the reserved 'housekeeping')",
      ]);
    });
  });
});
