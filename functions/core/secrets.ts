import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { classifyError, NotFoundError } from './errors';
import type { SecretSource } from './locations';

/**
 * Reads an SFTP private key or password: from a file locally, from Secrets
 * Manager on AWS (the client is injected, so tests and Lambda share the code).
 */
export async function resolveSecret(
  source: SecretSource,
  clients: { secretsManager?: SecretsManagerClient } = {},
): Promise<string> {
  try {
    if ('file' in source) return await readFile(source.file, 'utf8');
    if (!clients.secretsManager) throw new Error(`a Secrets Manager client is needed to read ${source.secretArn}`);
    const secret = await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: source.secretArn }));
    const value =
      secret.SecretString ?? (secret.SecretBinary ? Buffer.from(secret.SecretBinary).toString('utf8') : undefined);
    if (value === undefined) throw new NotFoundError(`secret ${source.secretArn} has no value`);
    return value;
  } catch (error) {
    throw classifyError(error);
  }
}
