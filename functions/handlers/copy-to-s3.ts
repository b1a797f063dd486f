/**
 * Copy To S3 of the transfer workflow: one file to one target through the copy engine.
 * A failure is thrown as `TransientTransferError` or `PermanentTransferError`, the
 * names the workflow's Catch rules match. Env: none (the copy functions touch no table). IAM:
 * s3:GetObject on the landing bucket; s3:PutObject, s3:GetObject (server-side copy) and s3:PutObjectTagging on target buckets; kms:Decrypt/GenerateDataKey on their keys.
 */
import { createCopyHandler } from '../core/pipeline/copy-handler';

/** Lambda entry point. */
export const handler = createCopyHandler();
