/**
 * Checking a set of config files together, as `fileflow flows validate` and `push` do:
 * each file against its schema, then the rules that span files (a flow_id defined
 * once, a group naming only flows that exist).
 */
import { basename, dirname } from 'node:path';
import { decodeJson, parseFlow, parseGroup, type ConfigError } from './parse';
import type { Flow, FlowGroup } from './schema';

/** One config file as read: where it came from and its text. */
export interface ConfigSource {
  /** How to name the file in messages: a path as the user gave it, or an S3 key. */
  readonly file: string;
  readonly text: string;
}

/** A flow or group file, checked. `errors` is empty exactly when the file is valid. */
export type CheckedConfig = ConfigSource & {
  /** The flow_id or group name the file declares, valid or not, when it declares one. */
  readonly id?: string;
  readonly errors: ConfigError[];
} & ({ readonly kind: 'flow'; readonly flow?: Flow } | { readonly kind: 'group'; readonly group?: FlowGroup });

/**
 * Whether a file is a group: it sits in a `groups` directory, or says so through its
 * `$schema`. Everything else is read as a flow, so a stray file gets a flow's errors.
 */
function isGroupFile(file: string, raw: unknown): boolean {
  return (
    basename(dirname(file)) === 'groups' || (declaredString(raw, '$schema')?.endsWith('group.schema.json') ?? false)
  );
}

/** A string field of a decoded document, if it has one: how an invalid file is still named. */
export function declaredString(raw: unknown, field: string): string | undefined {
  const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function checkOne(source: ConfigSource): CheckedConfig {
  const decoded = decodeJson(source.text);
  const raw = decoded.ok ? decoded.raw : undefined;
  if (isGroupFile(source.file, raw)) {
    const parsed = decoded.ok ? parseGroup(raw) : decoded;
    const id = declaredString(raw, 'name');
    return parsed.ok
      ? { kind: 'group', ...source, id, group: parsed.group, errors: [] }
      : { kind: 'group', ...source, id, errors: [...parsed.errors] };
  }
  const parsed = decoded.ok ? parseFlow(raw) : decoded;
  const id = declaredString(raw, 'flow_id');
  return parsed.ok
    ? { kind: 'flow', ...source, id, flow: parsed.flow, errors: [] }
    : { kind: 'flow', ...source, id, errors: [...parsed.errors] };
}

/**
 * Checks every file, then the rules across them: each flow_id and group name appears
 * once, and each group names flows in the set. A group may name a flow that is not in
 * the set when `flowExistsElsewhere` says it exists (e.g. already in the config bucket).
 */
export async function checkConfigSet(
  sources: readonly ConfigSource[],
  flowExistsElsewhere: (flowId: string) => Promise<boolean> = async () => false,
): Promise<CheckedConfig[]> {
  const checked = sources.map(checkOne);

  const firstFileOf = new Map<string, string>();
  for (const config of checked) {
    const id = config.id;
    if (id === undefined) continue;
    const key = `${config.kind}:${id}`;
    const first = firstFileOf.get(key);
    if (first === undefined) firstFileOf.set(key, config.file);
    else {
      const field = config.kind === 'flow' ? '$.flow_id' : '$.name';
      config.errors.push({ path: field, message: `"${id}" is already defined in ${first}` });
    }
  }

  // An invalid flow still counts as present here: its own errors say what is wrong with it.
  const flowIds = new Set(checked.flatMap((config) => (config.kind === 'flow' && config.id ? [config.id] : [])));
  for (const config of checked) {
    if (config.kind !== 'group' || !config.group) continue;
    for (const [index, id] of config.group.flow_ids.entries()) {
      if (flowIds.has(id) || (await flowExistsElsewhere(id))) continue;
      config.errors.push({ path: `$.flow_ids[${index}]`, message: `no flow "${id}" among the files checked` });
    }
  }
  return checked;
}
