/**
 * Parsing flow and group configs into results that people can act on: every problem
 * with the JSON path it is at (`$.source.sftp.host_key`) and a message that says what
 * to write instead. Nothing here throws on bad input.
 */
import type { z } from 'zod';
import { Flow, FlowGroup } from './schema';

/** One problem in a config file. */
export interface ConfigError {
  /** Where, as a JSON path: `$`, `$.testdata.sizes[1]`, `$.target[0].sftp.host_key`. */
  readonly path: string;
  readonly message: string;
}

/** A parsed config, or every problem that stops it from parsing. */
export type ParseResult<K extends string, T> =
  | ({ readonly ok: true } & { readonly [key in K]: T })
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

/** The outcome of parsing one flow config. */
export type FlowParseResult = ParseResult<'flow', Flow>;
/** The outcome of parsing one group config. */
export type GroupParseResult = ParseResult<'group', FlowGroup>;

/** Formats a zod path as a JSON path: `['a', 0, 'b c']` → `$.a[0]["b c"]`. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((path, segment) => {
    if (typeof segment === 'number') return `${path}[${segment}]`;
    const name = String(segment);
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
  }, '$');
}

/**
 * Of a failed union's branches, the ones that plausibly describe what was written:
 * not those that failed on the value's type or on fields that only another branch knows.
 */
function plausibleBranches(branches: readonly (readonly z.core.$ZodIssue[])[]): (readonly z.core.$ZodIssue[])[] {
  return branches.filter(
    (issues) =>
      !issues.some((issue) => issue.path.length === 0 && ['invalid_type', 'unrecognized_keys'].includes(issue.code)),
  );
}

function describeIssue(issue: z.core.$ZodIssue, at: readonly PropertyKey[]): ConfigError[] {
  const path = [...at, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      // One error per field, at the field itself: that is where the editor's cursor should go.
      return issue.keys.map((key) => ({ path: jsonPath([...path, key]), message: 'unknown field' }));
    case 'invalid_type':
      if (issue.input === undefined) return [{ path: jsonPath(path), message: 'required' }];
      return [{ path: jsonPath(path), message: `expected ${issue.expected}, got ${typeName(issue.input)}` }];
    case 'invalid_union': {
      if (issue.errors.length > 0) {
        const plausible = plausibleBranches(issue.errors);
        if (plausible.length === 1) return plausible[0]!.flatMap((nested) => describeIssue(nested, path));
      }
      return [{ path: jsonPath(path), message: issue.message }];
    }
    case 'invalid_value':
      if (issue.input === undefined) return [{ path: jsonPath(path), message: 'required' }];
      return [
        {
          path: jsonPath(path),
          message: `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`,
        },
      ];
    default:
      return [{ path: jsonPath(path), message: issue.message }];
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Turns a zod error into config errors, one per problem, in document order of discovery. */
export function toConfigErrors(error: z.ZodError): ConfigError[] {
  return error.issues.flatMap((issue) => describeIssue(issue, []));
}

/** Parses an already-decoded flow config. */
export function parseFlow(raw: unknown): FlowParseResult {
  const result = Flow.safeParse(raw, { reportInput: true });
  return result.success ? { ok: true, flow: result.data } : { ok: false, errors: toConfigErrors(result.error) };
}

/** Parses an already-decoded group config. */
export function parseGroup(raw: unknown): GroupParseResult {
  const result = FlowGroup.safeParse(raw, { reportInput: true });
  return result.success ? { ok: true, group: result.data } : { ok: false, errors: toConfigErrors(result.error) };
}

/** JSON text decoded, or the syntax error as a config error at `$`. */
export function decodeJson(text: string): { ok: true; raw: unknown } | { ok: false; errors: ConfigError[] } {
  try {
    return { ok: true, raw: JSON.parse(text) };
  } catch (err) {
    return { ok: false, errors: [{ path: '$', message: `not valid JSON: ${(err as Error).message}` }] };
  }
}

/** Parses the text of a flow config file. */
export function parseFlowJson(text: string): FlowParseResult {
  const decoded = decodeJson(text);
  return decoded.ok ? parseFlow(decoded.raw) : decoded;
}

/** Parses the text of a group config file. */
export function parseGroupJson(text: string): GroupParseResult {
  const decoded = decodeJson(text);
  return decoded.ok ? parseGroup(decoded.raw) : decoded;
}
