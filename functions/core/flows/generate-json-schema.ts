/**
 * Writes the JSON Schema files that flow and group configs point their `$schema` at,
 * generated from the zod schema so the editor and `fileflow flows validate` agree.
 *
 *   npx tsx functions/core/flows/generate-json-schema.ts
 *
 * The files are committed; a spec fails when they differ from what this renders now.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { Flow, FlowGroup } from './schema';

/** Where the generated files live, relative to the repository root. */
export const JSON_SCHEMA_DIR = 'schemas';

function render(schema: z.ZodType): string {
  // `input`: what people write, so fields with defaults are optional.
  return `${JSON.stringify(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }), null, 2)}\n`;
}

/** The generated files, by name under {@link JSON_SCHEMA_DIR}, as they should be committed. */
export function renderJsonSchemas(): Record<string, string> {
  return { 'flow.schema.json': render(Flow), 'group.schema.json': render(FlowGroup) };
}

if (require.main === module) {
  const dir = resolve(__dirname, '..', '..', '..', JSON_SCHEMA_DIR);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(renderJsonSchemas())) {
    writeFileSync(join(dir, name), text);
    process.stdout.write(`wrote ${join(JSON_SCHEMA_DIR, name)}\n`);
  }
}
