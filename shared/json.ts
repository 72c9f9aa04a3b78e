/** Reading untyped documents (execution input, secrets, function errors) without trusting their shape. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value when it is a plain object, else an empty one: for reading optional fields in one go. */
export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The parsed document, or undefined when the text is not JSON. JSON.parse errors quote the text they
 * failed on (it could hold a secret), so they are swallowed here, never rethrown or logged.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The parsed document when the text is JSON, else the text itself. */
export function parseJsonOrText(text: string): unknown {
  const parsed = parseJson(text);
  return parsed === undefined ? text : parsed;
}

/** The object without its undefined properties: an API call or a document then carries only what was set. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
