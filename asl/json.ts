/**
 * JSON value types and the JSONPath checks every state shares.
 *
 * The builder only speaks JSONPath (no JSONata): the local interpreter that
 * runs the same definitions does not support JSONata or `Assign`.
 */

/** A JSON primitive. */
export type JsonPrimitive = string | number | boolean | null;

/** Any JSON value. */
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * An ASL payload template (`Parameters`, `ResultSelector`, `ItemSelector`, a
 * Lambda `Payload`): a key ending in `.$` takes its value from the JSONPath or
 * intrinsic function (`States.Format(...)`) it holds.
 */
export type PayloadTemplate = JsonObject;

/**
 * Throws unless `path` is a JSONPath (`$`, `$.field`, `$[0]`) or a context
 * path (`$$.Execution.Id`).
 *
 * @param stateName named in the error so the broken state is found at once
 * @param field the ASL field holding the path, also named in the error
 */
export function assertPath(stateName: string, field: string, path: string): void {
  if (!path.startsWith('$')) {
    throw new Error(`State '${stateName}': ${field} '${path}' must be a JSONPath starting with '$'`);
  }
}

/** Like {@link assertPath} but also accepts an intrinsic function, as ASL does in `.$` values. */
function assertPathOrIntrinsic(stateName: string, field: string, value: string): void {
  if (!value.startsWith('$') && !value.startsWith('States.')) {
    throw new Error(
      `State '${stateName}': ${field} '${value}' must be a JSONPath starting with '$' or an intrinsic function 'States.*'`,
    );
  }
}

/**
 * Walks a payload template and checks every `.$` value, at any depth, so a
 * typo like `'id.$': 'id'` fails while building instead of at run time.
 */
export function assertPayloadTemplate(stateName: string, field: string, template: JsonValue): void {
  if (Array.isArray(template)) {
    template.forEach((item, index) => assertPayloadTemplate(stateName, `${field}[${index}]`, item));
    return;
  }
  if (template === null || typeof template !== 'object') return;
  for (const [key, value] of Object.entries(template)) {
    const where = `${field}.${key}`;
    if (key.endsWith('.$')) {
      if (typeof value !== 'string') {
        throw new Error(`State '${stateName}': ${where} must hold a JSONPath or intrinsic function string`);
      }
      assertPathOrIntrinsic(stateName, where, value);
    } else {
      assertPayloadTemplate(stateName, where, value);
    }
  }
}

/**
 * Drops `undefined` fields, so a rendered state holds only the fields that
 * were set and deep-equals a hand-written expectation.
 */
export function compact<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}
