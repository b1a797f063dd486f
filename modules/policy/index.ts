/**
 * Synth-time policy pack for fileflow stacks: `applyPolicyPack(stack)` holds a stack to
 * {@link FILEFLOW_RULES}; `suppress(construct, [{ id, reason }])` opts a construct out of a rule.
 */
export {
  applyPolicyPack,
  findViolations,
  SUPPRESSION_RULE_ID,
  type PolicyPackOptions,
  type Violation,
} from './policy-pack';
export { FILEFLOW_RULES } from './pack';
export { Compliance, type PolicyRule } from './rule';
export { StackView, type StackResource } from './stack-view';
export { suppress, MIN_REASON_LENGTH, type RuleSuppression } from './suppressions';
