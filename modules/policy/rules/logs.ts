/** CloudWatch log groups: every group expires its events, so logs do not pile up forever. */
import { compliantIf, Compliance, type PolicyRule } from '../rule';
import type { StackResource } from '../stack-view';

/** FF-LOGS-1: a retention period. */
export const LOG_GROUP_RETENTION: PolicyRule = {
  id: 'FF-LOGS-1',
  description: 'CloudWatch log group needs retention_in_days > 0 (0 or unset keeps events forever)',
  evaluate: (resource) =>
    resource.mode === 'managed' && resource.type === 'aws_cloudwatch_log_group'
      ? compliantIf(hasRetention(resource))
      : Compliance.NOT_APPLICABLE,
};

/**
 * Whether a log group expires its events. An expression (`${var.retention}`) is trusted:
 * its value is unknown at synth time and Terraform validates the allowed values.
 */
export function hasRetention(logGroup: StackResource): boolean {
  const days = logGroup.config.retention_in_days;
  if (typeof days === 'number') return days > 0;
  return typeof days === 'string' && (days.startsWith('${') || Number(days) > 0);
}
