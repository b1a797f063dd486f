/**
 * The rules' view of one stack: every resource and data source as Terraform will see it
 * (tokens resolved, escape-hatch overrides merged), plus the helpers that find the
 * sibling resources many properties live on.
 */

/** Terraform's resource mode: a managed resource or a data source. */
export type ResourceMode = 'managed' | 'data';

/** One resource or data source of a stack, in synthesized form. */
export interface StackResource {
  /** Managed resource or data source. */
  readonly mode: ResourceMode;
  /** Terraform type, e.g. `aws_s3_bucket`. */
  readonly type: string;
  /** Logical name in the synthesized JSON (the construct's friendly unique id). */
  readonly name: string;
  /** Terraform address: `aws_s3_bucket.uploads`, `data.aws_iam_policy_document.read`. */
  readonly address: string;
  /** Construct path (`stack/uploads/bucket`); the address when the JSON carries no metadata. */
  readonly path: string;
  /** Synthesized attributes and blocks, snake_case, without cdktf's `//` metadata. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** All resources of one stack, with look-ups by type. */
export class StackView {
  /** Every resource and data source, in synthesized order. */
  public readonly resources: readonly StackResource[];

  constructor(resources: readonly StackResource[]) {
    this.resources = resources;
  }

  /**
   * Reads a stack's synthesized Terraform JSON: `stack.toTerraform()` (which keeps the
   * construct paths) or a parsed `Testing.synth` string (paths fall back to addresses).
   */
  static fromTerraform(json: unknown): StackView {
    const root = asRecord(json) ?? {};
    const resources: StackResource[] = [];
    const sections: readonly [ResourceMode, unknown][] = [
      ['managed', root.resource],
      ['data', root.data],
    ];
    for (const [mode, section] of sections) {
      for (const [type, byName] of Object.entries(asRecord(section) ?? {})) {
        for (const [name, body] of Object.entries(asRecord(byName) ?? {})) {
          const { '//': metadata, ...config } = asRecord(body) ?? {};
          const address = mode === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
          const path = asRecord(asRecord(metadata)?.metadata)?.path;
          resources.push({
            mode,
            type,
            name,
            address,
            path: typeof path === 'string' ? path : address,
            config,
          });
        }
      }
    }
    return new StackView(resources);
  }

  /** Resources of one Terraform type (managed unless `mode` says `data`). */
  ofType(type: string, mode: ResourceMode = 'managed'): StackResource[] {
    return this.resources.filter((r) => r.type === type && r.mode === mode);
  }

  /** The resources of `type` that `value` refers to (see {@link refersTo}). */
  referencedBy(value: unknown, type: string, mode: ResourceMode = 'managed'): StackResource[] {
    return this.ofType(type, mode).filter((target) => refersTo(value, target));
  }
}

/**
 * The attribute that names a resource literally, so that a sibling written with the plain
 * name (an existing-name string rather than a token) still matches.
 */
const NAME_ATTRIBUTE: Readonly<Record<string, string>> = {
  aws_s3_bucket: 'bucket',
  aws_cloudwatch_log_group: 'name',
  aws_sqs_queue: 'name',
  aws_lambda_function: 'function_name',
};

/**
 * Whether a synthesized value points at `target`: a Terraform reference to any of its
 * attributes (`${aws_s3_bucket.uploads.id}`, `aws_sqs_queue.dlq.arn` inside an expression,
 * `aws_s3_bucket.uploads[0].arn`), or its literal name, ARN or URL (`uploads`,
 * `arn:aws:s3:::uploads`, `https://sqs…/123/dlq`, `arn:…:log-group:/x:*`).
 */
export function refersTo(value: unknown, target: StackResource): boolean {
  if (typeof value !== 'string') return false;
  // Not preceded by a name character or a dot, so `data.aws_s3_bucket.x` and `xaws_…` do not
  // match a managed `aws_s3_bucket.x`; followed by `.` (after an optional index) so `uploads` does not match `uploads2`.
  const reference = new RegExp(`(?<![\\w.-])${escapeRegExp(target.address)}(\\[[^\\]]*\\])?\\.`);
  if (reference.test(value)) return true;
  const name = target.config[NAME_ATTRIBUTE[target.type] ?? ''];
  if (typeof name !== 'string' || name === '') return false;
  const arnOrUrl = value.endsWith(':*') ? value.slice(0, -2) : value;
  return value === name || arnOrUrl.endsWith(`:${name}`) || arnOrUrl.endsWith(`/${name}`);
}

/**
 * A nested block as one object: cdktf renders single blocks as objects, while overrides
 * and hand-written JSON may use one-element lists.
 */
export function block(config: unknown, key: string): Readonly<Record<string, unknown>> | undefined {
  const value = asRecord(config)?.[key];
  return asRecord(Array.isArray(value) ? value[0] : value);
}

/** A repeatable block (or a single one) as a list of objects. */
export function blocks(config: unknown, key: string): Readonly<Record<string, unknown>>[] {
  const value = asRecord(config)?.[key];
  const list = Array.isArray(value) ? value : [value];
  return list.map(asRecord).filter((item) => item !== undefined);
}

/** Terraform accepts `true` and `"true"` alike for a bool. */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** A string attribute that is set to something (a literal or an expression). */
export function isSet(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/** The value as a plain object, or undefined when it is not one. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
