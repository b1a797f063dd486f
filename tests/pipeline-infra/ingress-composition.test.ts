import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { expect } from 'chai';
import { Testing } from 'cdktf';
import { LandingZone } from '../../modules/landing-zone';
import { applyPolicyPack } from '../../modules/policy';
import { SftpIngress } from '../../modules/sftp-ingress';
import { TransferEventQueue } from '../../modules/transfer-queue';
import { onlyResource, resourcesOf, synthJson } from '../helpers/cdktf';
import { expectCompliant, newStack, statementsOf } from './support';

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q acme@laptop';
const STATE_MACHINE = 'arn:aws:states:eu-west-1:111111111111:stateMachine:fileflow-dev-transfer';

describe('Transfer ingress, composed', () => {
  describe('GIVEN a landing zone, its SFTP server and its transfer queue wired together', () => {
    const stack = newStack();
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    applyPolicyPack(stack);
    const landing = new LandingZone(stack, 'landing', { namePrefix: 'fileflow-dev', customers: ['acme', 'globex'] });
    new SftpIngress(stack, 'sftp', {
      namePrefix: 'fileflow-dev',
      landingBucket: landing.bucket,
      users: landing.customers.map((customer) => ({ customer, sshPublicKeys: [ED25519] })),
    });
    new TransferEventQueue(stack, 'transfers', {
      namePrefix: 'fileflow-dev',
      bucketName: landing.bucket.bucketName,
      keyPrefixes: landing.keyPrefixes,
      stateMachineArn: STATE_MACHINE,
      kmsKeyArn: landing.kmsKeyArn,
    });
    const synth = synthJson(stack);
    const bucket = Object.keys(resourcesOf(synth, 'aws_s3_bucket'))[0];
    const key = Object.keys(resourcesOf(synth, 'aws_kms_key'))[0];

    it('THEN a file landing under any customer prefix of that bucket is queued, encrypted with the landing key', () => {
      const pattern = JSON.parse(onlyResource(synth, 'aws_cloudwatch_event_rule').event_pattern as string);
      expect(pattern.detail).to.deep.equal({
        bucket: { name: [`\${aws_s3_bucket.${bucket}.bucket}`] },
        object: {
          key: [
            { prefix: 'from-sftp/acme/' },
            { prefix: 'inbound/acme/' },
            { prefix: 'from-sftp/globex/' },
            { prefix: 'inbound/globex/' },
          ],
        },
      });
      for (const queue of Object.values(resourcesOf(synth, 'aws_sqs_queue'))) {
        expect(queue.kms_master_key_id).to.equal(`\${aws_kms_key.${key}.arn}`);
      }
    });

    it('THEN an SFTP user writes into its prefix of the landing bucket with the landing key', () => {
      const policy = Object.entries(resourcesOf(synth, 'aws_iam_role_policy')).find(([id]) => id.includes('user-acme'));
      const statements = statementsOf(policy?.[1].policy);
      expect(statements[1].Resource).to.equal(`\${aws_s3_bucket.${bucket}.arn}/from-sftp/acme/*`);
      expect(statements[2].Resource).to.equal(`\${aws_kms_key.${key}.arn}`);
    });

    it('THEN the stack holds to the policy pack and synthesizes with it applied', () => {
      expectCompliant(stack);
      // Policy-pack errors are annotations, and a full synth fails on any of them.
      expect(() => Testing.fullSynth(stack)).to.not.throw();
    });
  });
});
