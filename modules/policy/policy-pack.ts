/**
 * Applies a policy pack to a stack: one Aspect evaluates every rule against every resource
 * once the construct tree is complete, and turns each violation into an error annotation on
 * the offending construct.
 *
 * Why error annotations are enough to fail synth: in cdktf 0.21 `app.synth()` (so
 * `npm run synth`) and `Testing.fullSynth` throw "Encountered Annotations with level ERROR"
 * listing `[<construct path>] <message>` for each one, and `cdktf synth` (which sets
 * CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS to print them itself) exits non-zero after
 * printing them. Only `Testing.synth` ignores annotations; tests use {@link findViolations}.
 */
import { Annotations, Aspects, type IAspect, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { FILEFLOW_RULES } from './pack';
import { Compliance, type PolicyRule } from './rule';
import { StackView } from './stack-view';
import { hasReason, MIN_REASON_LENGTH, ownSuppressions, type RuleSuppression } from './suppressions';

/** The id that reports a suppression which is not valid. */
export const SUPPRESSION_RULE_ID = 'FF-SUPPRESSION';

/** Options of {@link applyPolicyPack}. */
export interface PolicyPackOptions {
  /**
   * The rules to hold the stack to.
   * @default FILEFLOW_RULES
   */
  readonly rules?: readonly PolicyRule[];
}

/** A rule broken by a resource, or a suppression that is not valid. */
export interface Violation {
  /** The rule id, or {@link SUPPRESSION_RULE_ID}. */
  readonly ruleId: string;
  /** Path of the construct the error is reported on. */
  readonly path: string;
  /** The error text: rule id, requirement, resource address and construct path. */
  readonly message: string;
  /** The construct the error is reported on. */
  readonly construct: IConstruct;
}

/**
 * Holds `stack` to a policy pack: every violation becomes an error annotation and fails synth.
 * Call once, after creating the stack (resources added later are still checked).
 */
export function applyPolicyPack(stack: TerraformStack, options: PolicyPackOptions = {}): void {
  Aspects.of(stack).add(new PolicyPackAspect(options.rules ?? FILEFLOW_RULES));
}

/**
 * Every violation in `stack` right now: each rule against each resource and data source,
 * less what a valid suppression on the construct or an ancestor covers, plus every invalid
 * suppression.
 */
export function findViolations(stack: TerraformStack, rules: readonly PolicyRule[] = FILEFLOW_RULES): Violation[] {
  const view = StackView.fromTerraform(stack.toTerraform());
  const constructs = stack.node.findAll();
  const byPath = new Map(constructs.map((c) => [c.node.path, c]));
  const ruleIds = new Set(rules.map((rule) => rule.id));
  const isValid = (s: RuleSuppression) => hasReason(s) && ruleIds.has(s.id);

  const violations = constructs.flatMap((construct) =>
    ownSuppressions(construct)
      .filter((s) => !isValid(s))
      .map((s) => {
        const problem = hasReason(s)
          ? `names no rule of the applied pack (${[...ruleIds].join(', ')})`
          : `needs a reason of at least ${MIN_REASON_LENGTH} characters`;
        return violation(SUPPRESSION_RULE_ID, construct, `suppression of ${s.id} on ${construct.node.path} ${problem}`);
      }),
  );

  for (const resource of view.resources) {
    const construct = byPath.get(resource.path) ?? stack;
    const suppressed = new Set(
      construct.node.scopes
        .flatMap(ownSuppressions)
        .filter(isValid)
        .map((s) => s.id),
    );
    for (const rule of rules) {
      if (suppressed.has(rule.id) || rule.evaluate(resource, view) !== Compliance.NON_COMPLIANT) continue;
      violations.push(
        violation(
          rule.id,
          construct,
          `${rule.description}. Resource ${resource.address} at ${resource.path}: fix it, or suppress(construct, [{ id: '${rule.id}', reason }]).`,
        ),
      );
    }
  }
  return violations;
}

function violation(ruleId: string, construct: IConstruct, text: string): Violation {
  return { ruleId, path: construct.node.path, message: `[${ruleId}] ${text}`, construct };
}

/** Evaluates the whole stack when visiting the stack itself: rules need every sibling at once. */
class PolicyPackAspect implements IAspect {
  /** Aspects run again for each synth of the same tree (`Testing.synth`, then `app.synth`). */
  private readonly reported = new Set<string>();

  constructor(private readonly rules: readonly PolicyRule[]) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    for (const { construct, message } of findViolations(node, this.rules)) {
      const key = `${construct.node.path}\n${message}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      Annotations.of(construct).addError(message);
    }
  }
}
