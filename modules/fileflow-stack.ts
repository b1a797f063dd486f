/**
 * One Terraform stack per environment: the AWS provider pinned to the environment's
 * account and region, its state backend, default tags, and the resources every
 * fileflow module shares (the alarm topic). The policy pack checks every resource at synth:
 * a violation fails synth with the rule id and the construct path.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../environments/config';
import { AlarmTopic } from './alarm-topic';
import { applyPolicyPack } from './policy';

/** A deployable fileflow environment. */
export class FileflowStack extends TerraformStack {
  /** The environment this stack deploys. */
  public readonly config: EnvironmentConfig;
  /** Where alarms of every module in this stack are sent. */
  public readonly alarms: AlarmTopic;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, stackIdFor(config));
    this.config = config;

    new AwsProvider(this, 'aws', {
      region: config.region,
      // A plan run with the wrong credentials fails instead of touching another account.
      allowedAccountIds: [config.accountId],
      defaultTags: [{ tags: { ...config.defaultTags } }],
    });
    addBackend(this, config);
    applyPolicyPack(this);

    this.alarms = new AlarmTopic(this, 'alarms', {
      name: `${config.namePrefix}-alarms`,
      email: config.alarmEmail,
    });
  }
}

/** The stack id (and so the `cdktf.out/stacks/<id>` folder) of an environment. */
export function stackIdFor(config: Pick<EnvironmentConfig, 'name'>): string {
  return `fileflow-${config.name}`;
}

function addBackend(stack: TerraformStack, config: EnvironmentConfig): void {
  const backend = config.backend;
  switch (backend.type) {
    case 'cloud':
      new CloudBackend(stack, {
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(backend.workspace),
      });
      return;
    case 's3':
      new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        dynamodbTable: backend.lockTable,
        encrypt: true,
      });
      return;
  }
}
