/**
 * IAM policy statements in one shape, whichever way the policy was written: a literal JSON
 * string (`JSON.stringify`), `Fn.jsonencode(…)`, or a reference to a
 * `data.aws_iam_policy_document` in the same stack.
 */
import { readJsonAttribute } from './hcl-expression';
import { asRecord, blocks, type StackResource, type StackView } from './stack-view';

/** One policy condition, e.g. `Bool` / `aws:SecureTransport` / `["false"]`. */
export interface PolicyCondition {
  /** Condition operator (`Bool`, `StringEquals`, …). */
  readonly test: string;
  /** Condition key (`aws:SecureTransport`, …). */
  readonly variable: string;
  /** Values, as strings (`false` becomes `"false"`). */
  readonly values: readonly string[];
}

/** One policy statement; absent elements are empty lists. */
export interface PolicyStatement {
  /** `Allow` or `Deny`. */
  readonly effect: string;
  /** `Action`. */
  readonly actions: readonly string[];
  /** `NotAction`. */
  readonly notActions: readonly string[];
  /** `Resource`. */
  readonly resources: readonly string[];
  /** `NotResource`. */
  readonly notResources: readonly string[];
  /** `Principal` identifiers; `"*"` for anyone (`"*"` or `{ AWS: "*" }`). */
  readonly principals: readonly string[];
  /** `Condition`, one entry per operator and key. */
  readonly conditions: readonly PolicyCondition[];
}

/**
 * Statements of a policy attribute (`policy` of a role policy, bucket policy, …), following
 * a reference to an in-stack policy document. Undefined when the policy cannot be read at
 * synth time (a file, a variable, a document from another stack).
 */
export function readPolicy(value: unknown, stack: StackView): PolicyStatement[] | undefined {
  const document = referencedDocument(value, stack);
  if (document) return documentStatements(document, stack);
  const statement = asRecord(readJsonAttribute(value))?.Statement;
  if (statement === undefined) return undefined;
  const list = Array.isArray(statement) ? statement : [statement];
  const records = list.map(asRecord);
  if (records.some((r) => r === undefined)) return undefined;
  return records.map((r) => jsonStatement(r as Record<string, unknown>));
}

/**
 * The in-stack `data.aws_iam_policy_document` whose rendered JSON `value` is, when it is
 * exactly `${data.aws_iam_policy_document.<name>.json}` (or `.minified_json`).
 */
export function referencedDocument(value: unknown, stack: StackView): StackResource | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.(json|minified_json)\}$/.exec(value);
  if (!match) return undefined;
  return stack.ofType('aws_iam_policy_document', 'data').find((d) => d.name === match[1]);
}

/**
 * Statements a policy document data source renders: its `statement` blocks, plus those of
 * its `source_policy_documents` and `override_policy_documents`. With `followDocuments`
 * false, sources that are themselves in-stack documents are left out (a rule checking every
 * document reports each statement once, where it is written).
 */
export function documentStatements(
  document: StackResource,
  stack: StackView,
  followDocuments = true,
): PolicyStatement[] {
  const merged = [
    ...listOf(document.config.source_policy_documents),
    ...listOf(document.config.override_policy_documents),
  ]
    .filter((source) => followDocuments || !referencedDocument(source, stack))
    .flatMap((source) => readPolicy(source, stack) ?? []);
  return [...blocks(document.config, 'statement').map(blockStatement), ...merged];
}

function blockStatement(s: Readonly<Record<string, unknown>>): PolicyStatement {
  return {
    effect: typeof s.effect === 'string' ? s.effect : 'Allow',
    actions: strings(s.actions),
    notActions: strings(s.not_actions),
    resources: strings(s.resources),
    notResources: strings(s.not_resources),
    principals: blocks(s, 'principals').flatMap((p) => strings(p.identifiers)),
    conditions: blocks(s, 'condition').map((c) => ({
      test: String(c.test),
      variable: String(c.variable),
      values: strings(c.values),
    })),
  };
}

function jsonStatement(s: Record<string, unknown>): PolicyStatement {
  return {
    effect: typeof s.Effect === 'string' ? s.Effect : '',
    actions: strings(s.Action),
    notActions: strings(s.NotAction),
    resources: strings(s.Resource),
    notResources: strings(s.NotResource),
    principals: principals(s.Principal),
    conditions: Object.entries(asRecord(s.Condition) ?? {}).flatMap(([test, byKey]) =>
      Object.entries(asRecord(byKey) ?? {}).map(([variable, values]) => ({
        test,
        variable,
        values: strings(values),
      })),
    ),
  };
}

function principals(value: unknown): string[] {
  const byType = asRecord(value);
  return byType ? Object.values(byType).flatMap(strings) : strings(value);
}

/** A JSON element that may be one value or a list, as strings. */
function strings(value: unknown): string[] {
  return listOf(value)
    .filter((v) => v !== null && v !== undefined)
    .map(String);
}

function listOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
