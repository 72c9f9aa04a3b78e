import { describe, expect, it } from 'vitest';
import { coerceCustomResourceProperties } from '../../shared/request/coerce';
import { MAX_DEPTH } from '../../shared/request/inspect';
import { validateRequest } from '../../shared/request/validate';

function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let current = root;
  for (let level = 0; level < levels; level += 1) {
    const next: Record<string, unknown> = {};
    current.a = next;
    current = next;
  }
  return root;
}

describe('requests shaped to break the validator', () => {
  it('rejects a request nested thousands of levels deep with a ValidationError, not a stack overflow', () => {
    // Prepare
    const request = { ReplicationGroupId: 'orders-cache', Tags: nested(20_000) };

    // Act
    const result = validateRequest(request);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toContainEqual({
      field: `Tags${'.a'.repeat(MAX_DEPTH - 1)}`,
      message: `is nested more than ${MAX_DEPTH} levels deep; no request field is`,
    });
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'rejects %s as an unknown field instead of finding it on Object.prototype',
    (key) => {
      // Prepare
      const request = JSON.parse(`{"ReplicationGroupId":"orders-cache","${key}":{"x":1}}`) as unknown;

      // Act
      const result = validateRequest(request);

      // Assess
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems.map((problem) => problem.field)).toContain(key);
      expect(result.problems.find((problem) => problem.field === key)?.message).toMatch(/ReplicationGroupId/);
    },
  );

  it('names an empty key visibly in the problem field', () => {
    // Act
    const result = validateRequest({ ReplicationGroupId: 'orders-cache', '': false });

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => problem.field)).toEqual(['[""]']);
  });

  it('leaves a custom-resource property named like an Object.prototype member unconverted', () => {
    // Act
    const coerced = coerceCustomResourceProperties({ ReplicationGroupId: 'orders-cache', constructor: '3' });

    // Assess
    expect(coerced).toEqual({ ReplicationGroupId: 'orders-cache', constructor: '3' });
  });
});
