import { expect } from 'chai';
import { Testing } from 'cdktf';
import { ENVIRONMENTS } from '../../environments';
import { parseEnvironmentConfig } from '../../environments/config';
import { FileflowStack, stackIdFor } from '../../modules/fileflow-stack';
import { HARNESS_HANDLERS } from '../../modules/flow-test-harness';
import { findViolations } from '../../modules/policy';
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
        'fileflow-test-harness-alerts',
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

    it('THEN the transfer pipeline, the flow-test harness and the analytics export are named after the environment and alarm the alarm topic', () => {
      const functions = Object.values(resourcesOf(synth, 'aws_lambda_function')).map((fn) => fn.function_name);
      expect(functions).to.have.members(
        [...Object.values(TRANSFER_HANDLERS), ...Object.values(HARNESS_HANDLERS), 'analytics-export'].map(
          (file) => `fileflow-test-${file}`,
        ),
      );
      const machines = Object.values(resourcesOf(synth, 'aws_sfn_state_machine')).map((machine) => machine.name);
      expect(machines).to.have.members(['fileflow-test-transfer', 'fileflow-test-harness']);
      const alarms = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm'));
      expect(alarms.map((alarm) => alarm.alarm_name)).to.include.members([
        'fileflow-test-harness-executions-failed',
        'fileflow-test-harness-run-success',
      ]);
      for (const alarm of alarms) {
        expect(alarm.alarm_actions).to.deep.equal([`\${aws_sns_topic.${alarmTopicId(synth)}.arn}`]);
      }
    });

    it("THEN the pipeline's streaming tracking tables are exported to the environment's Athena database", () => {
      const mappings = Object.values(resourcesOf(synth, 'aws_lambda_event_source_mapping'));
      const streaming = Object.entries(resourcesOf(synth, 'aws_dynamodb_table'))
        .filter(([, table]) => table.stream_enabled === true)
        .map(([id]) => `\${aws_dynamodb_table.${id}.stream_arn}`);
      expect(streaming).to.have.length(5);
      expect(mappings.map((m) => m.event_source_arn)).to.include.members(streaming);
      const databases = Object.values(resourcesOf(synth, 'aws_glue_catalog_database')).map((d) => d.name);
      expect(databases).to.include('fileflow_test_analytics');
    });

    it('THEN the harness runs daily at 06:00 Los Angeles time, four flows at once, with no critical schedule', () => {
      const schedule = onlyResource(synth, 'aws_scheduler_schedule');
      expect(schedule).to.include({
        name: 'fileflow-test-harness-daily',
        schedule_expression: 'cron(0 6 * * ? *)',
        schedule_expression_timezone: 'America/Los_Angeles',
      });
      const harness = Object.values(resourcesOf(synth, 'aws_sfn_state_machine')).find(
        (machine) => machine.name === 'fileflow-test-harness',
      );
      const definition = JSON.parse(harness?.definition as string) as {
        States: { TestFlows: { MaxConcurrency: number } };
      };
      expect(definition.States.TestFlows.MaxConcurrency).to.equal(ENVIRONMENTS.test.harness.maxConcurrency);
    });

    it('THEN the harness may seed test files under inbound/ of the landing bucket, and nowhere else in it', () => {
      const landingId = Object.entries(resourcesOf(synth, 'aws_s3_bucket')).find(([, bucket]) =>
        String(bucket.bucket_prefix).startsWith('fileflow-test-landing'),
      )?.[0];
      const landing = `\${aws_s3_bucket.${landingId}.arn}`;
      const seedRole = Object.entries(resourcesOf(synth, 'aws_iam_role')).find(
        ([, role]) => role.name === 'fileflow-test-harness-seed-source',
      )?.[0];
      const policy = Object.values(resourcesOf(synth, 'aws_iam_role_policy')).find(
        (p) => p.role === `\${aws_iam_role.${seedRole}.name}` && p.name === 'least-privilege',
      );
      const statements = (
        JSON.parse(policy?.policy as string) as { Statement: { Action: string[]; Resource: string[] }[] }
      ).Statement;
      const onLanding = statements.flatMap((s) => s.Resource).filter((r) => r.startsWith(landing));
      expect(onLanding).to.deep.equal([`${landing}/inbound/*`]);
    });
  });

  describe('GIVEN the prod environment', () => {
    it('THEN the critical group runs hourly besides the daily run, in the environment time zone', () => {
      const synth = synthJson(new FileflowStack(testApp(), ENVIRONMENTS.prod));
      const schedules = Object.values(resourcesOf(synth, 'aws_scheduler_schedule')).map((s) => [
        s.name,
        s.schedule_expression,
        s.schedule_expression_timezone,
        JSON.parse((s.target as { input: string }).input),
      ]);
      expect(schedules).to.have.deep.members([
        ['fileflow-prod-harness-daily', 'cron(0 6 * * ? *)', 'America/Los_Angeles', { group: 'daily' }],
        ['fileflow-prod-harness-critical', 'rate(1 hour)', 'America/Los_Angeles', { group: 'critical' }],
      ]);
    });
  });

  describe('GIVEN the dev environment (Terraform Cloud)', () => {
    it('THEN state goes to its Terraform Cloud workspace', () => {
      const synth = synthJson(new FileflowStack(testApp(), ENVIRONMENTS.dev));
      const terraform = synth.terraform as { cloud: Record<string, unknown> };
      expect(terraform.cloud).to.deep.equal({ organization: 'fileflow', workspaces: { name: 'fileflow-dev' } });
    });
  });

  describe('GIVEN an environment with the chat bot configured', () => {
    const SIGNING = 'arn:aws:secretsmanager:us-west-2:222222222222:secret:fileflow-test/slack-signing-AbCdEf';
    const config = parseEnvironmentConfig(
      { ...ENVIRONMENTS.test, chatBot: { slackSigningSecretArn: SIGNING, retryAllowedUserIds: ['U024BE7LH'] } },
      'test',
    );
    const stack = new FileflowStack(testApp(), config);
    const synth = synthJson(stack);

    it('THEN the bot reads the pipeline tables, may only retry on its transfer machine, and its URL is an output', () => {
      const bot = Object.values(resourcesOf(synth, 'aws_lambda_function')).find(
        (fn) => fn.function_name === 'fileflow-test-chatbot',
      );
      expect(bot, 'the chat-bot function').not.to.equal(undefined);
      const variables = JSON.stringify(bot?.environment);
      expect(variables).to.contain('U024BE7LH');
      const policies = JSON.stringify(resourcesOf(synth, 'aws_iam_role_policy'));
      expect(policies).to.contain(SIGNING);
      expect(Object.keys(synth.output as Record<string, unknown>)).to.include('chat-bot-url');
      expect(findViolations(stack)).to.deep.equal([]);
    });

    it('THEN a malformed secret ARN is refused before any resource is made', () => {
      expect(() =>
        parseEnvironmentConfig({ ...ENVIRONMENTS.test, chatBot: { slackSigningSecretArn: 'slack-secret' } }, 'test'),
      ).to.throw(/chatBot.slackSigningSecretArn: a Secrets Manager secret ARN/);
    });
  });

  describe('GIVEN an environment with a partner SFTP server to pull from', () => {
    const KEY = 'arn:aws:secretsmanager:us-west-2:222222222222:secret:fileflow-test/initech-key-AbCdEf';
    const config = parseEnvironmentConfig(
      {
        ...ENVIRONMENTS.test,
        pull: {
          sources: {
            initech: {
              host: 'sftp.initech.example',
              username: 'fileflow',
              privateKeySecretArn: KEY,
              hostKeyFingerprint: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
            },
          },
        },
      },
      'test',
    );
    const stack = new FileflowStack(testApp(), config);
    const synth = synthJson(stack);

    it('THEN the pipeline polls it on a schedule, and the harness may ask that poller for a pull flow', () => {
      const poller = stack.pipeline.pullPoller;
      expect(poller, 'the pull poller').not.to.equal(undefined);
      const names = Object.values(resourcesOf(synth, 'aws_scheduler_schedule')).map((s) => s.name);
      expect(names).to.include('fileflow-test-pull-poller');
      const policies = JSON.stringify(resourcesOf(synth, 'aws_iam_role_policy'));
      expect(policies).to.contain(KEY);
      expect(findViolations(stack)).to.deep.equal([]);
    });

    it('THEN a fingerprint that is not an OpenSSH SHA256 one is refused before any resource is made', () => {
      const raw = JSON.parse(JSON.stringify(config)) as {
        pull: { sources: { initech: { hostKeyFingerprint: string } } };
      };
      raw.pull.sources.initech.hostKeyFingerprint = 'md5:aa:bb';
      expect(() => parseEnvironmentConfig(raw, 'test')).to.throw(/pull.sources.initech.hostKeyFingerprint/);
    });
  });

  describe('GIVEN an environment whose flows deliver to a partner bucket and an SFTP server', () => {
    const TARGET = 'arn:aws:s3:::acme-deliveries';
    const TARGET_KEY = 'arn:aws:kms:us-west-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const SFTP_KEY = 'arn:aws:secretsmanager:us-west-2:222222222222:secret:fileflow-test/harness-sftp-AbCdEf';
    const config = parseEnvironmentConfig(
      {
        ...ENVIRONMENTS.test,
        harness: {
          ...ENVIRONMENTS.test.harness,
          flowIds: ['s3-to-s3', 'sftp-to-s3'],
          targetLocations: [{ bucketArn: TARGET, prefix: 'inbox/acme/', kmsKeyArn: TARGET_KEY }],
          sftpSecretArns: [SFTP_KEY],
        },
      },
      'test',
    );
    const stack = new FileflowStack(testApp(), config);
    const synth = synthJson(stack);

    it('THEN the harness may read and clean up only that prefix, read only that key, and alarms per flow', () => {
      const policies = JSON.stringify(resourcesOf(synth, 'aws_iam_role_policy'));
      expect(policies).to.contain(`${TARGET}/inbox/acme/*`);
      expect(policies).not.to.contain(`${TARGET}/*"`);
      expect(policies).to.contain(SFTP_KEY);
      const alarms = Object.values(resourcesOf(synth, 'aws_cloudwatch_metric_alarm')).map((a) => String(a.alarm_name));
      expect(alarms.filter((name) => /s3-to-s3|sftp-to-s3/.test(name))).to.have.length(2);
      expect(findViolations(stack)).to.deep.equal([]);
    });

    it('THEN a target prefix without its trailing slash is refused before any resource is made', () => {
      expect(() =>
        parseEnvironmentConfig(
          {
            ...ENVIRONMENTS.test,
            harness: { ...ENVIRONMENTS.test.harness, targetLocations: [{ bucketArn: TARGET, prefix: 'inbox' }] },
          },
          'test',
        ),
      ).to.throw(/harness.targetLocations.0.prefix/);
    });
  });

  describe('GIVEN the shipped environments', () => {
    it('THEN none serves a chat bot until it names its signing secret', () => {
      for (const config of Object.values(ENVIRONMENTS)) {
        expect(new FileflowStack(testApp(), config).chatBot, config.name).to.equal(undefined);
      }
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
