/**
 * The pipeline's dependencies on AWS, built once per Lambda module from its environment:
 * the same {@link PipelineDeps} the local runtime builds from local servers.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { resolveSecret } from '../secrets';
import { SftpSessionPool } from '../sftp/session-pool';
import { tableNamesFromEnvironment } from '../tracking/tables';
import type { MetricsSink, PipelineDeps } from './deps';

/**
 * Clients for the AWS runtime. Table names come from the tracking tables' environment
 * variables (`FILE_TRANSFER_STATUS_TABLE`, …); SDK clients are created without network
 * calls, so a handler pays only for the ones it uses.
 */
export function pipelineDepsFromEnvironment(env: NodeJS.ProcessEnv, metrics?: MetricsSink): PipelineDeps {
  const secretsManager = new SecretsManagerClient({});
  const sns = new SNSClient({});
  return {
    s3: new S3Client({}),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    tables: tableNamesFromEnvironment(env),
    // Warm invocations reuse the SSH session to the same partner server.
    endpointClients: { sftpPool: new SftpSessionPool(), secretsManager },
    sns: async (request) => {
      const { MessageId } = await sns.send(new PublishCommand(request));
      return { MessageId: MessageId ?? '' };
    },
    secrets: (secretArn) => resolveSecret({ secretArn }, { secretsManager }),
    ...(metrics ? { metrics } : {}),
  };
}
