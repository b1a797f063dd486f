/**
 * What a compliance rule is: a pure function from one synthesized resource (and the stack
 * around it) to a verdict, in the manner of cdk-nag v2.
 */
import type { StackResource, StackView } from './stack-view';

/** A rule's verdict on one resource. */
export enum Compliance {
  /** The resource meets the rule. */
  COMPLIANT = 'COMPLIANT',
  /** The resource breaks the rule: synth fails unless the construct suppresses it with a reason. */
  NON_COMPLIANT = 'NON_COMPLIANT',
  /** The rule does not speak about this resource (another type, or not owned by this stack). */
  NOT_APPLICABLE = 'NOT_APPLICABLE',
}

/** One compliance rule of a policy pack. */
export interface PolicyRule {
  /** Stable id, named in violation messages and in suppressions: `FF-<SERVICE>-<n>`. */
  readonly id: string;
  /** What a compliant resource looks like, phrased so that it tells the fix. */
  readonly description: string;
  /**
   * The verdict on `resource`; `stack` holds every resource of the same stack, for the
   * properties that live on sibling resources. Must not have side effects.
   */
  readonly evaluate: (resource: StackResource, stack: StackView) => Compliance;
}

/** The verdict for a condition on a resource the rule applies to. */
export function compliantIf(condition: boolean): Compliance {
  return condition ? Compliance.COMPLIANT : Compliance.NON_COMPLIANT;
}
