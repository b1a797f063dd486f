/** What a module's `namePrefix` may be: lowercase letters, digits and '-', `max` characters at most. */
export interface NamePrefixRule {
  readonly max: number;
  /**
   * `letter`: two characters at least, the first a letter (a prefix that starts IAM role,
   * Lambda function and state machine names next to others). `letter or digit`: one at least.
   */
  readonly first: 'letter' | 'letter or digit';
}

/** What is wrong with a module's `namePrefix`: nothing, or one line that states the rule. */
export function namePrefixProblems(prefix: string, rule: NamePrefixRule): string[] {
  const [min, head] = rule.first === 'letter' ? [2, '[a-z]'] : [1, '[a-z0-9]'];
  if (new RegExp(`^${head}[a-z0-9-]{${min - 1},${rule.max - 1}}$`).test(prefix)) return [];
  return [
    `namePrefix '${prefix}' must be ${min}–${rule.max} lowercase letters, digits or '-', starting with a ${rule.first}`,
  ];
}
