/**
 * The poller's dependencies on AWS, built once per Lambda module from its environment:
 * the same {@link PullPollerDeps} the local runtime builds from its servers.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SftpSessionPool } from '../sftp/session-pool';
import { TrackingRepository } from '../tracking/repository';
import { tableNamesFromEnvironment } from '../tracking/tables';
import { TRANSFER_STATE_MACHINE_VARIABLE } from './environment';
import type { PullPollerDeps } from './poller';
import { pullSourcesFromEnvironment } from './sources';

/**
 * Clients for the AWS runtime: tables from the tracking tables' variables, pull servers
 * from `FILEFLOW_PULL_SOURCES`, the state machine from `FILEFLOW_TRANSFER_STATE_MACHINE_ARN`.
 * A missing variable fails the cold start, not the first poll.
 */
export function pullPollerDepsFromEnvironment(env: NodeJS.ProcessEnv): PullPollerDeps {
  const stateMachineArn = env[TRANSFER_STATE_MACHINE_VARIABLE];
  if (!stateMachineArn) throw new Error(`$${TRANSFER_STATE_MACHINE_VARIABLE} is not set`);
  const sources = pullSourcesFromEnvironment(env);
  const sfn = new SFNClient({});
  return {
    repository: new TrackingRepository({
      client: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableNames: tableNamesFromEnvironment(env),
    }),
    // Warm invocations reuse the SSH session to the same partner server.
    endpointClients: { sftpPool: new SftpSessionPool(), secretsManager: new SecretsManagerClient({}) },
    resolveSource: (ref) => (Object.hasOwn(sources, ref) ? sources[ref] : undefined),
    startExecution: async ({ name, input }) => {
      await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    },
  };
}
