/**
 * Suppressions: a construct opts out of named rules, for itself and every construct below
 * it, and says why. The reason is kept on the construct so the check, review and audit all
 * read the same text.
 */
import type { IConstruct } from 'constructs';

/** One rule a construct opts out of. */
export interface RuleSuppression {
  /** The rule id, e.g. `FF-S3-3`. */
  readonly id: string;
  /** Why the rule does not hold here; at least {@link MIN_REASON_LENGTH} characters. */
  readonly reason: string;
}

/** The shortest reason accepted: enough to rule out `"n/a"` and `"todo"` (as cdk-nag does). */
export const MIN_REASON_LENGTH = 10;

const SUPPRESSION_METADATA = 'fileflow/policy-suppression';

/**
 * Suppresses `suppressions` on `construct` and everything below it. A suppression whose
 * reason is missing or shorter than {@link MIN_REASON_LENGTH}, or whose id is not a rule of
 * the applied pack, suppresses nothing and fails synth itself.
 */
export function suppress(construct: IConstruct, suppressions: readonly RuleSuppression[]): void {
  for (const suppression of suppressions) {
    construct.node.addMetadata(SUPPRESSION_METADATA, { id: suppression.id, reason: suppression.reason });
  }
}

/** The suppressions written on `construct` itself (not inherited). */
export function ownSuppressions(construct: IConstruct): RuleSuppression[] {
  return construct.node.metadata
    .filter((entry) => entry.type === SUPPRESSION_METADATA)
    .map((entry) => entry.data as RuleSuppression);
}

/** Whether a suppression carries a reason long enough to count. */
export function hasReason(suppression: RuleSuppression): boolean {
  return typeof suppression.reason === 'string' && suppression.reason.trim().length >= MIN_REASON_LENGTH;
}
