/** SNS topics: messages at rest encrypted with a KMS key. */
import { compliantIf, Compliance, type PolicyRule } from '../rule';
import { isSet } from '../stack-view';

/** FF-SNS-1: a KMS key. */
export const SNS_ENCRYPTED: PolicyRule = {
  id: 'FF-SNS-1',
  description: 'SNS topic needs kms_master_key_id (e.g. alias/aws/sns or a customer key)',
  evaluate: (topic) =>
    topic.mode === 'managed' && topic.type === 'aws_sns_topic'
      ? compliantIf(isSet(topic.config.kms_master_key_id))
      : Compliance.NOT_APPLICABLE,
};
