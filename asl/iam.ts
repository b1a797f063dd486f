/**
 * IAM statements declared by Task states, so a module can derive the
 * execution role of a state machine from its definition.
 */

/**
 * One Allow statement. ARNs are opaque strings: at synth time they are often
 * Terraform tokens such as `${aws_lambda_function.copy.arn}`.
 *
 * The shape matches the `statement` blocks of `DataAwsIamPolicyDocument`.
 */
export interface PolicyStatement {
  /** IAM actions, e.g. `lambda:InvokeFunction`. */
  readonly actions: string[];
  /** Resource ARNs the actions are allowed on. */
  readonly resources: string[];
}

/**
 * Merges statements without widening any grant: statements on the same
 * resources pool their actions, then statements with the same actions pool
 * their resources. Both steps keep exactly the union of what was asked,
 * and fewer statements keep the role policy under IAM's size limit.
 */
export function mergePolicyStatements(statements: readonly PolicyStatement[]): PolicyStatement[] {
  const byResources = mergeOn(
    statements,
    (s) => s.resources,
    (s) => s.actions,
    'actions',
  );
  return mergeOn(
    byResources,
    (s) => s.actions,
    (s) => s.resources,
    'resources',
  );
}

/** Groups by the set `keyOf` and unions `valuesOf` into field `into`, in first-seen order. */
function mergeOn(
  statements: readonly PolicyStatement[],
  keyOf: (s: PolicyStatement) => string[],
  valuesOf: (s: PolicyStatement) => string[],
  into: keyof PolicyStatement,
): PolicyStatement[] {
  const groups = new Map<string, { key: string[]; values: Set<string> }>();
  for (const statement of statements) {
    const key = unique(keyOf(statement));
    const id = JSON.stringify([...key].sort());
    const group = groups.get(id) ?? { key, values: new Set<string>() };
    valuesOf(statement).forEach((value) => group.values.add(value));
    groups.set(id, group);
  }
  return [...groups.values()].map(({ key, values }) =>
    into === 'actions' ? { actions: [...values], resources: key } : { actions: key, resources: [...values] },
  );
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
