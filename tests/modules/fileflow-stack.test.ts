import { expect } from 'chai';
import { Testing } from 'cdktf';
import { ENVIRONMENTS } from '../../environments';
import { FileflowStack, stackIdFor } from '../../modules/fileflow-stack';
import { TRANSFER_HANDLERS } from '../../modules/transfer-pipeline';
import { onlyResource, resourcesOf, synthJson, testApp, type SynthesizedStack } from '../helpers/cdktf';

/** Logical id of the environment's alarm topic. */
function alarmTopicId(synth: SynthesizedStack): string | undefined {
  return Object.entries(resourcesOf(synth, 'aws_sns_topic')).find(
    ([, topic]) => topic.name === 'fileflow-test-alarms',
  )?.[0];
}

describe('FileflowStack', () => {
  describe('GIVEN the test environment (S3 backend)', () => {
    const synth = synthJson(new FileflowStack(testApp(), ENVIRONMENTS.test));

    it('THEN the provider is pinned to the account and region, with default tags', () => {
      const provider = (synth.provider as { aws: Record<string, unknown>[] }).aws[0];
      expect(provider).to.deep.equal({
        allowed_account_ids: ['222222222222'],
        default_tags: [{ tags: { Environment: 'test', ManagedBy: 'cdktf', Project: 'fileflow' } }],
        region: 'us-west-2',
      });
    });

    it('THEN state goes to the encrypted S3 backend with its lock table', () => {
      const terraform = synth.terraform as { backend: Record<string, unknown> };
      expect(terraform.backend).to.deep.equal({
        s3: {
          bucket: 'fileflow-terraform-state-222222222222',
          dynamodb_table: 'fileflow-terraform-locks',
          encrypt: true,
          key: 'fileflow/test.tfstate',
          region: 'us-west-2',
        },
      });
    });

    it('THEN alarms go to a KMS-encrypted topic with the e-mail subscribed', () => {
      const topics = Object.values(resourcesOf(synth, 'aws_sns_topic'));
      expect(topics.map((topic) => topic.name)).to.have.members([
        'fileflow-test-alarms',
        'fileflow-test-transfer-notifications',
      ]);
      expect(topics.find((topic) => topic.name === 'fileflow-test-alarms')).to.include({
        name: 'fileflow-test-alarms',
        kms_master_key_id: 'alias/aws/sns',
      });
      expect(onlyResource(synth, 'aws_sns_topic_subscription')).to.include({
        protocol: 'email',
        endpoint: 'fileflow-test-alarms@example.com',
      });
    });

    it('THEN the transfer pipeline is named after the environment and alarms the alarm topic', () => {
      const functions = Object.values(resourcesOf(synth, 'aws_lambda_function')).map((fn) => fn.function_name);
      expect(functions).to.have.members(Object.values(TRANSFER_HANDLERS).map((file) => `fileflow-test-${file}`));
      expect(onlyResource(synth, 'aws_sfn_state_machine')).to.include({ name: 'fileflow-test-transfer' });
      for (const alarm of Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm'))) {
        expect(alarm.alarm_actions).to.deep.equal([`\${aws_sns_topic.${alarmTopicId(synth)}.arn}`]);
      }
    });
  });

  describe('GIVEN the dev environment (Terraform Cloud)', () => {
    it('THEN state goes to its Terraform Cloud workspace', () => {
      const synth = synthJson(new FileflowStack(testApp(), ENVIRONMENTS.dev));
      const terraform = synth.terraform as { cloud: Record<string, unknown> };
      expect(terraform.cloud).to.deep.equal({ organization: 'fileflow', workspaces: { name: 'fileflow-dev' } });
    });
  });

  describe('GIVEN every environment in one app', () => {
    it('THEN each gets its own stack, named after the environment', () => {
      const app = testApp();
      const stacks = Object.values(ENVIRONMENTS).map((config) => new FileflowStack(app, config));
      expect(stacks.map((stack) => stack.node.id)).to.deep.equal(['fileflow-dev', 'fileflow-test', 'fileflow-prod']);
      expect(stackIdFor({ name: 'prod' })).to.equal('fileflow-prod');
      for (const stack of stacks) expect(() => Testing.synth(stack)).not.to.throw();
    });
  });
});

describe('FileflowStack policy check at synth', () => {
  describe('GIVEN a stack with a planted violation (a bare bucket)', () => {
    it('THEN synth fails naming the rule and the resource', () => {
      const { S3Bucket } =
        require('@cdktf/provider-aws/lib/s3-bucket') as typeof import('@cdktf/provider-aws/lib/s3-bucket');
      const app = testApp();
      const stack = new FileflowStack(app, ENVIRONMENTS.dev);
      new S3Bucket(stack, 'uploads', { bucket: 'fileflow-dev-uploads' });
      expect(() => app.synth())
        .to.throw(/Encountered Annotations with level "ERROR"/)
        .with.property('message')
        .that.matches(/\[FF-S3-1\].*aws_s3_bucket\.uploads.* at fileflow-dev\/uploads/)
        .and.matches(/\[FF-S3-4\]/);
    });
  });

  describe('GIVEN every shipped environment', () => {
    it('THEN synth passes the policy pack', () => {
      const app = testApp();
      for (const config of Object.values(ENVIRONMENTS)) new FileflowStack(app, config);
      expect(() => app.synth()).not.to.throw();
    });
  });
});
