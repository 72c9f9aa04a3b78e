/**
 * Field paths as the contract prints them (`Rbac.Users[1].AccessString`) and a structural view of
 * valibot schemas, shared by the unknown-field report and the string coercion of custom-resource
 * properties so both follow the schema rather than a second list of fields.
 */
export { isRecord } from '../json';

export const ROOT_FIELD = '(request)';

/** The entries whose key an earlier entry already has, each with that earlier entry's field as `first`. */
export function repeatedKeys<E extends { field: string; key: string }>(
  entries: readonly E[],
): (E & { first: string })[] {
  const seen = new Map<string, string>();
  return entries.flatMap((entry) => {
    const first = seen.get(entry.key);
    if (first !== undefined) return [{ ...entry, first }];
    seen.set(entry.key, entry.field);
    return [];
  });
}

const PLAIN_KEY = /^[^\s.[\]"'`]+$/u;

export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  // A key that is empty, blank or holds path punctuation is quoted, so the field stays readable and unambiguous.
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

export function pathOf(keys: readonly unknown[]): string {
  let path = '';
  for (const key of keys) path = joinPath(path, typeof key === 'number' ? key : String(key));
  return path || ROOT_FIELD;
}

/** The parts of a valibot schema object the walkers read; valibot keeps them public on every schema. */
export interface SchemaNode {
  readonly type: string;
  readonly wrapped?: SchemaNode;
  readonly entries?: Readonly<Record<string, SchemaNode>>;
  readonly item?: SchemaNode;
}

const WRAPPERS = new Set(['optional', 'exact_optional', 'nullable', 'nullish', 'undefinedable']);

/** The schema under optional()/nullable() wrappers (a pipe keeps its root schema's type and entries). */
export function unwrap(schema: SchemaNode): SchemaNode {
  let node = schema;
  while (WRAPPERS.has(node.type) && node.wrapped) node = node.wrapped;
  return node;
}

/** Edit distance, to suggest the field a typo meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const left = row[j - 1] ?? 0;
      row[j] = Math.min(above + 1, left + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

export function closestField(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  // A shortened name (Timeout for TimeoutMinutes) is far in edit distance but an obvious match.
  const extended = known.filter(
    (candidate) => lower.length >= 4 && candidate.toLowerCase().startsWith(lower),
  );
  if (extended.length === 1) return extended[0];
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}
