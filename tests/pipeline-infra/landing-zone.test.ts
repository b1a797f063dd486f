import { expect } from 'chai';
import { LandingZone, landingPrefixes } from '../../modules/landing-zone';
import { onlyResource, resourcesOf, synthJson } from '../helpers/cdktf';
import { errorOf, expectCompliant, newStack, statementsOf } from './support';

const EXISTING_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('LandingZone', () => {
  describe('GIVEN two customers and the defaults', () => {
    const stack = newStack();
    const zone = new LandingZone(stack, 'landing', { namePrefix: 'fileflow-dev', customers: ['acme', 'globex'] });
    const synth = synthJson(stack);
    const keyId = Object.keys(resourcesOf(synth, 'aws_kms_key'))[0];

    it('THEN a rotating KMS key with a 30-day deletion window and an alias is created', () => {
      expect(onlyResource(synth, 'aws_kms_key')).to.include({ enable_key_rotation: true, deletion_window_in_days: 30 });
      expect(onlyResource(synth, 'aws_kms_alias')).to.include({
        name: 'alias/fileflow-dev-landing',
        target_key_id: `\${aws_kms_key.${keyId}.key_id}`,
      });
      expect(zone.kmsKeyArn).to.match(/TfToken/);
    });

    it('THEN the key policy lets the account administer it and EventBridge of this account queue events with it', () => {
      const account = `\${data.aws_caller_identity.${Object.keys(synth.data?.aws_caller_identity ?? {})[0]}.account_id}`;
      const partition = `\${data.aws_partition.${Object.keys(synth.data?.aws_partition ?? {})[0]}.partition}`;
      expect(statementsOf(onlyResource(synth, 'aws_kms_key').policy)).to.deep.equal([
        {
          Sid: 'AccountAdministersKeyAndDelegatesToIam',
          Effect: 'Allow',
          Principal: { AWS: `arn:${partition}:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'EventBridgeEncryptsQueuedEventsOfThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': account } },
        },
      ]);
    });

    it('THEN the landing bucket is encrypted with that key and sends its events to EventBridge', () => {
      expect(onlyResource(synth, 'aws_s3_bucket')).to.include({ bucket_prefix: 'fileflow-dev-landing-' });
      expect(onlyResource(synth, 'aws_s3_bucket_server_side_encryption_configuration').rule).to.deep.equal([
        {
          apply_server_side_encryption_by_default: {
            sse_algorithm: 'aws:kms',
            kms_master_key_id: `\${aws_kms_key.${keyId}.arn}`,
          },
          bucket_key_enabled: true,
        },
      ]);
      expect(onlyResource(synth, 'aws_s3_bucket_notification')).to.include({ eventbridge: true });
      expect(zone.bucket.kmsKeyArn).to.equal(zone.kmsKeyArn);
    });

    it('THEN each customer has a from-sftp/ and an inbound/ prefix, and the zone lists them all', () => {
      expect(zone.prefixesOf('globex')).to.deep.equal({ fromSftp: 'from-sftp/globex/', inbound: 'inbound/globex/' });
      expect(zone.keyPrefixes).to.deep.equal([
        'from-sftp/acme/',
        'inbound/acme/',
        'from-sftp/globex/',
        'inbound/globex/',
      ]);
      expect(() => zone.prefixesOf('initech')).to.throw(/'initech' is not one of its customers/);
    });

    it('THEN the policy pack finds nothing', () => expectCompliant(stack));
  });

  describe('GIVEN two landing zones in one stack', () => {
    it('THEN their buckets, keys and aliases do not collide', () => {
      const stack = newStack();
      new LandingZone(stack, 'partners', { namePrefix: 'ff-partners', customers: ['acme'] });
      new LandingZone(stack, 'internal', { namePrefix: 'ff-internal', customers: ['acme'] });
      const synth = synthJson(stack);
      const aliases = Object.values(resourcesOf(synth, 'aws_kms_alias')).map((a) => a.name);
      expect(aliases).to.have.members(['alias/ff-partners-landing', 'alias/ff-internal-landing']);
      const prefixes = Object.values(resourcesOf(synth, 'aws_s3_bucket')).map((b) => b.bucket_prefix);
      expect(prefixes).to.have.members(['ff-partners-landing-', 'ff-internal-landing-']);
      expect(Object.keys(resourcesOf(synth, 'aws_kms_key'))).to.have.length(2);
      expectCompliant(stack);
    });
  });

  describe('GIVEN an existing bucket and an existing key', () => {
    it('THEN nothing is created and the zone exposes them', () => {
      const stack = newStack();
      const zone = new LandingZone(stack, 'landing', {
        namePrefix: 'fileflow-dev',
        customers: ['acme'],
        existingBucket: { bucketName: 'acme-landing', bucketArn: 'arn:aws:s3:::acme-landing' },
        existingKmsKey: { keyArn: EXISTING_KEY },
      });
      expect(synthJson(stack).resource ?? {}).to.deep.equal({});
      expect(zone.kmsKey).to.equal(undefined);
      expect({ name: zone.bucket.bucketName, arn: zone.bucket.bucketArn, key: zone.bucket.kmsKeyArn }).to.deep.equal({
        name: 'acme-landing',
        arn: 'arn:aws:s3:::acme-landing',
        key: EXISTING_KEY,
      });
      expect(zone.kmsKeyArn).to.equal(EXISTING_KEY);
    });

    it('WHEN only the key exists THEN a new bucket is encrypted with it and no key is created', () => {
      const stack = newStack();
      new LandingZone(stack, 'landing', {
        namePrefix: 'fileflow-dev',
        customers: [],
        existingKmsKey: { keyArn: EXISTING_KEY },
      });
      const synth = synthJson(stack);
      expect(resourcesOf(synth, 'aws_kms_key')).to.deep.equal({});
      expect(onlyResource(synth, 'aws_s3_bucket_server_side_encryption_configuration').rule).to.deep.equal([
        {
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: EXISTING_KEY },
          bucket_key_enabled: true,
        },
      ]);
      expectCompliant(stack);
    });
  });

  describe('GIVEN conflicting or invalid props', () => {
    it('THEN every problem is reported at once and nothing is created', () => {
      const stack = newStack();
      const error = errorOf(
        () =>
          new LandingZone(stack, 'landing', {
            namePrefix: 'fileflow-dev',
            customers: ['acme', 'Acme Corp', 'acme'],
            existingBucket: { bucketName: 'acme-landing', bucketArn: 'arn:aws:s3:::acme-landing' },
            bucketName: 'another-name',
            existingKmsKey: { keyArn: 'alias/landing' },
          }),
      );
      expect(error.message).to.equal(
        [
          "LandingZone 'fileflow-dev':",
          '  existingBucket cannot be combined with bucketName',
          "  existingKmsKey.keyArn 'alias/landing' must be a key ARN (not an alias or key id)",
          "  customer 'Acme Corp' must be 1–32 lowercase letters, digits, '-' or '_', starting with a letter or digit",
          "  customer 'acme' is listed twice",
        ].join('\n'),
      );
      expect(synthJson(stack).resource ?? {}).to.deep.equal({});
    });
  });

  describe('GIVEN the prefix convention on its own', () => {
    it('THEN it needs no construct', () => {
      expect(landingPrefixes('acme')).to.deep.equal({ fromSftp: 'from-sftp/acme/', inbound: 'inbound/acme/' });
    });
  });
});
