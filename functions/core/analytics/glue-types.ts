/**
 * Glue (Hive) column types from the zod schema of a JSON record, so a table over JSON files
 * is declared by the same schema the writer checks its records against.
 */
import { z } from 'zod';

/** One Glue column. */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
}

/** The part of JSON Schema that zod emits for a record. */
interface JsonSchemaNode {
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly items?: JsonSchemaNode;
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly oneOf?: readonly JsonSchemaNode[];
}

/** Thrown for a field JSON has no single Glue type for (a union of a string and a number). */
export class NoGlueTypeError extends Error {
  constructor(where: string, node: JsonSchemaNode) {
    super(`${where}: no single Glue type for ${JSON.stringify(node)}`);
    this.name = 'NoGlueTypeError';
  }
}

/**
 * The columns of a JSON record, in the schema's field order: strings and enums are `string`,
 * integers `bigint` (an integer literal, a version, `int`), other numbers `double`, objects
 * `struct<…>`, arrays `array<…>`. A nullable field has its value's type; a union of objects
 * (a discriminated union) is one struct with every field of every member.
 */
export function glueColumns(record: z.ZodObject, options: { readonly omit?: readonly string[] } = {}): GlueColumn[] {
  const schema = z.toJSONSchema(record, { io: 'output' }) as JsonSchemaNode;
  return Object.entries(schema.properties ?? {})
    .filter(([name]) => !options.omit?.includes(name))
    .map(([name, node]) => ({ name, type: glueType(node, name) }));
}

function glueType(node: JsonSchemaNode, where: string): string {
  const members = node.anyOf ?? node.oneOf;
  if (members) {
    const values = members.filter((member) => member.type !== 'null');
    if (values.length === 1) return glueType(values[0]!, where);
    if (values.length > 1 && values.every((member) => member.type === 'object')) {
      return struct(Object.assign({}, ...values.map((member) => member.properties ?? {})), where);
    }
    const alike = new Set(values.map((member) => glueType(member, where)));
    if (alike.size === 1) return [...alike][0]!;
    throw new NoGlueTypeError(where, node);
  }
  const types = typeof node.type === 'string' ? [node.type] : (node.type ?? []).filter((type) => type !== 'null');
  if (types.length !== 1) throw new NoGlueTypeError(where, node);
  switch (types[0]) {
    case 'string':
      return 'string';
    case 'integer':
      return 'bigint';
    case 'number':
      return Number.isInteger(node.const) ? 'int' : 'double';
    case 'boolean':
      return 'boolean';
    case 'array':
      if (!node.items) throw new NoGlueTypeError(where, node);
      return `array<${glueType(node.items, `${where}[]`)}>`;
    case 'object':
      return struct(node.properties ?? {}, where);
    default:
      throw new NoGlueTypeError(where, node);
  }
}

function struct(properties: Readonly<Record<string, JsonSchemaNode>>, where: string): string {
  const fields = Object.entries(properties).map(([name, node]) => `${name}:${glueType(node, `${where}.${name}`)}`);
  return `struct<${fields.join(',')}>`;
}
