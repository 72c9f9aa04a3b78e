import type { Problem } from '../errors';
import { PASSWORD_ADVICE } from './accessString';
import { closestField, isRecord, joinPath, type SchemaNode, unwrap } from './fields';

/** Keys that carry a password in ElastiCache APIs; refused wherever they appear in a request. */
const PASSWORD_KEYS = new Set(['password', 'passwords', 'authtoken']);

export function isPasswordKey(key: string): boolean {
  return PASSWORD_KEYS.has(key.toLowerCase());
}

/** Every `Password`/`Passwords`/`AuthToken` key at any depth; the values are never read. */
export function passwordProblems(value: unknown): Problem[] {
  const problems: Problem[] = [];
  const seen = new WeakSet<object>();
  const visit = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        visit(item, joinPath(path, index));
      });
      return;
    }
    for (const [key, child] of Object.entries(node)) {
      const childPath = joinPath(path, key);
      if (isPasswordKey(key)) {
        problems.push({
          field: childPath,
          message: `passwords never travel in the request: ${PASSWORD_ADVICE}`,
        });
      } else {
        visit(child, childPath);
      }
    }
  };
  visit(value, '');
  return problems;
}

/**
 * Every field the schema does not know, at any depth (valibot's strict objects stop at the first),
 * with the field it most likely meant. Password keys are left to passwordProblems.
 */
export function unknownFieldProblems(schema: SchemaNode, value: unknown, path = ''): Problem[] {
  const node = unwrap(schema);
  if (node.entries && isRecord(value)) {
    const known = Object.keys(node.entries);
    const problems: Problem[] = [];
    for (const [key, child] of Object.entries(value)) {
      const entry = node.entries[key];
      const childPath = joinPath(path, key);
      if (entry) {
        problems.push(...unknownFieldProblems(entry, child, childPath));
      } else if (!isPasswordKey(key)) {
        const suggestion = closestField(key, known);
        problems.push({
          field: childPath,
          message: suggestion
            ? `unknown field: did you mean ${suggestion}?`
            : `unknown field; allowed here: ${known.join(', ')}`,
        });
      }
    }
    return problems;
  }
  if (node.item && Array.isArray(value)) {
    const item = node.item;
    return value.flatMap((child, index) => unknownFieldProblems(item, child, joinPath(path, index)));
  }
  return [];
}
