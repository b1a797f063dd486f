/**
 * The pipeline's dependencies on AWS, built once per Lambda module from its environment:
 * the same {@link PipelineDeps} the local runtime builds from local servers. Each handler
 * builds only what its core takes, so that its bundle holds no other AWS client: a
 * smaller bundle starts sooner.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { resolveSecret } from '../secrets';
import { SftpSessionPool } from '../sftp/session-pool';
import { trackingDepsFromEnvironment } from './aws-tracking-deps';
import type { CopyDeps, MetricsSink, NotificationDeps, PipelineDeps } from './deps';

/**
 * Clients for the AWS runtime. Table names come from the tracking tables' environment
 * variables (`FILE_TRANSFER_STATUS_TABLE`, …); SDK clients are created without network
 * calls, so a handler pays only for the ones it uses.
 */
export function pipelineDepsFromEnvironment(env: NodeJS.ProcessEnv, metrics?: MetricsSink): PipelineDeps {
  const secretsManager = new SecretsManagerClient({});
  return {
    ...notificationDeps(env, secretsManager),
    ...copyDeps(secretsManager),
    ...(metrics ? { metrics } : {}),
  };
}

/** What Log Notification takes: the tracking tables, SNS and Secrets Manager (webhook secrets). */
export function notificationDepsFromEnvironment(env: NodeJS.ProcessEnv): NotificationDeps {
  return notificationDeps(env, new SecretsManagerClient({}));
}

/** What the copy functions take: S3, and the SFTP session pool with Secrets Manager for keys. */
export function copyDepsFromEnvironment(): CopyDeps {
  return copyDeps(new SecretsManagerClient({}));
}

function notificationDeps(env: NodeJS.ProcessEnv, secretsManager: SecretsManagerClient): NotificationDeps {
  const sns = new SNSClient({});
  return {
    ...trackingDepsFromEnvironment(env),
    sns: async (request) => {
      const { MessageId } = await sns.send(new PublishCommand(request));
      return { MessageId: MessageId ?? '' };
    },
    secrets: (secretArn) => resolveSecret({ secretArn }, { secretsManager }),
  };
}

function copyDeps(secretsManager: SecretsManagerClient): CopyDeps {
  return {
    s3: new S3Client({}),
    // Warm invocations reuse the SSH session to the same partner server.
    endpointClients: { sftpPool: new SftpSessionPool(), secretsManager },
  };
}
