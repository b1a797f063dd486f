/**
 * Copy To SFTP of the transfer workflow: one file to one target through the copy engine.
 * A failure is thrown as `TransientTransferError` or `PermanentTransferError`, the
 * names the workflow's Catch rules match. Env: none (the copy functions touch no table). IAM:
 * s3:GetObject on the landing bucket (and kms:Decrypt); secretsmanager:GetSecretValue on the targets' key secrets; network egress to the partner servers.
 */
import { createCopyHandler } from '../core/pipeline/copy-handler';

/** Lambda entry point. */
export const handler = createCopyHandler();
