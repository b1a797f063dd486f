import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Endpoint } from './endpoint';
import { Location } from './locations';
import { S3Endpoint } from './s3/s3-endpoint';
import { SftpEndpoint } from './sftp/sftp-endpoint';
import type { SftpSessionPool } from './sftp/session-pool';

/** The clients endpoints run on, injected so Lambda and the local runtime share the core. */
export interface EndpointClients {
  /** Needed for S3 locations. */
  readonly s3?: S3Client;
  /** Needed for SFTP locations; one per process so sessions are reused. */
  readonly sftpPool?: SftpSessionPool;
  /** Needed when an SFTP credential lives in Secrets Manager. */
  readonly secretsManager?: SecretsManagerClient;
}

/** Builds the endpoint for a location, validating it (schema, path safety) first. */
export function createEndpoint(location: Location, clients: EndpointClients): Endpoint {
  const parsed = Location.parse(location);
  if (parsed.type === 's3') {
    if (!clients.s3) throw new Error(`an S3 client is needed for s3://${parsed.bucket}/${parsed.key}`);
    return new S3Endpoint(parsed, clients.s3);
  }
  if (!clients.sftpPool) throw new Error(`an SFTP session pool is needed for sftp://${parsed.host}`);
  return new SftpEndpoint(parsed, { sftpPool: clients.sftpPool, secretsManager: clients.secretsManager });
}
