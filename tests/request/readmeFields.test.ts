import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type SchemaNode, unwrap } from '../../shared/request/fields';
import { ProvisionRequestSchema } from '../../shared/request/schema';
import { projectPath } from './support';

/** Objects whose parts the table names in their own row's Values column rather than in rows of their own. */
const DESCRIBED_IN_ONE_ROW = new Set(['Tags[]', 'LogDeliveryConfigurations[].DestinationDetails']);

/**
 * Every field path of the schema (`Rbac.Users[].UserId`, `Polling.TimeoutMinutes`, ...), but not
 * the plain objects that only group fields (`Rbac`, `Polling`): their fields have the rows.
 */
function fieldPaths(schema: SchemaNode, prefix = ''): string[] {
  const node = unwrap(schema);
  if (node.type === 'array' && node.item) return fieldPaths(node.item, `${prefix}[]`);
  if (!node.entries || DESCRIBED_IN_ONE_ROW.has(prefix)) return [];
  return Object.entries(node.entries).flatMap(([key, entry]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = unwrap(entry);
    const groupsFields = child.entries !== undefined && !DESCRIBED_IN_ONE_ROW.has(path);
    return [...(groupsFields ? [] : [path]), ...fieldPaths(entry, path)];
  });
}

describe('the README table of request fields', () => {
  const readme = readFileSync(projectPath('README.md'), 'utf8');
  const start = readme.indexOf('### Every request field');
  const section = readme.slice(start, readme.indexOf('\nThe result:', start));
  const rows = new Set([...section.matchAll(/^\| `([^`]+)` +\|/gm)].map((match) => match[1]));

  it.each(fieldPaths(ProvisionRequestSchema as unknown as SchemaNode))('has a row for %s', (path) => {
    expect(rows.has(path)).toBe(true);
  });

  it('has no row for a field the schema does not know', () => {
    const known = new Set(fieldPaths(ProvisionRequestSchema as unknown as SchemaNode));
    expect([...rows].filter((row) => row !== undefined && !known.has(row))).toEqual([]);
  });
});
