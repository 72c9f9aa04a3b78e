/**
 * Writes schema/provision-request.schema.json from the valibot request schema, so the published
 * JSON Schema is never edited by hand. A test fails when the committed file differs from this output.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toJsonSchema } from '@valibot/to-json-schema';
import { ProvisionRequestSchema } from '../shared/request/schema';

export const SCHEMA_PATH = fileURLToPath(new URL('../schema/provision-request.schema.json', import.meta.url));

export function renderSchema(): string {
  // typeMode "input": the schema describes what callers write, defaults shown as `default`.
  const { $schema, ...schema } = toJsonSchema(ProvisionRequestSchema, {
    target: 'draft-07',
    typeMode: 'input',
  });
  return `${JSON.stringify({ $schema, ...schema }, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_PATH, renderSchema());
  console.log(`wrote ${SCHEMA_PATH}`);
}
