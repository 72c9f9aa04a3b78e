import type { Problem } from '../errors';
import { PASSWORD_ADVICE } from './accessString';
import { closestField, isRecord, joinPath, type SchemaNode, unwrap } from './fields';

/** Keys that carry a password in ElastiCache APIs; refused wherever they appear in a request. */
const PASSWORD_KEYS = new Set(['password', 'passwords', 'authtoken']);

export function isPasswordKey(key: string): boolean {
  return PASSWORD_KEYS.has(key.toLowerCase());
}

/** No request field nests deeper than a few levels; anything beyond this is refused, not walked. */
export const MAX_DEPTH = 32;

/**
 * Every `Password`/`Passwords`/`AuthToken` key at any depth (the values are never read), and any
 * place nested deeper than MAX_DEPTH. Walks with its own stack: a hostile input thousands of
 * levels deep must end in a ValidationError, not a stack overflow.
 */
export function passwordProblems(value: unknown): Problem[] {
  const problems: Problem[] = [];
  const seen = new WeakSet<object>();
  const pending: { node: unknown; path: string; depth: number }[] = [{ node: value, path: '', depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, path, depth } = next;
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (depth >= MAX_DEPTH) {
      problems.push({
        field: path,
        message: `is nested more than ${MAX_DEPTH} levels deep; no request field is`,
      });
      continue;
    }
    const children: [string | number, unknown][] = Array.isArray(node)
      ? node.map((item, index) => [index, item])
      : Object.entries(node);
    for (const [key, child] of children) {
      const childPath = joinPath(path, key);
      if (typeof key === 'string' && isPasswordKey(key)) {
        problems.push({
          field: childPath,
          message: `passwords never travel in the request: ${PASSWORD_ADVICE}`,
        });
      } else {
        pending.push({ node: child, path: childPath, depth: depth + 1 });
      }
    }
  }
  // The walk is depth-first from the end; report in the order the fields appear.
  return problems.reverse();
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
      // Own keys only: `constructor` or `__proto__` must not find Object.prototype's members.
      const entry = Object.hasOwn(node.entries, key) ? node.entries[key] : undefined;
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
