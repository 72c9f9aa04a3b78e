import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { renderSchema, SCHEMA_PATH } from '../../scripts/generate-schema';
import type { NormalisedRequest } from '../../shared/provision/state';
import type { ValidatedRequest } from '../../shared/request/normalise';
import type { ProvisionRequest } from '../../shared/request/schema';

type JsonSchema = { [key: string]: unknown };

function* subSchemas(node: unknown): Generator<JsonSchema> {
  if (Array.isArray(node)) {
    for (const item of node) yield* subSchemas(item);
  } else if (typeof node === 'object' && node !== null) {
    yield node as JsonSchema;
    for (const value of Object.values(node)) yield* subSchemas(value);
  }
}

describe('the published JSON Schema', () => {
  const published = readFileSync(SCHEMA_PATH, 'utf8');
  const schema = JSON.parse(published) as JsonSchema;

  it('is what scripts/generate-schema.ts writes from the valibot schema (run it after changing the schema)', () => {
    expect(published).toBe(renderSchema());
  });

  it('closes every object to unknown fields', () => {
    const objects = [...subSchemas(schema)].filter((node) => node.type === 'object');

    expect(objects.length).toBe(11);
    for (const node of objects) expect(node.additionalProperties).toBe(false);
  });

  it('uses only patterns a JSON Schema validator can compile', () => {
    const patterns = [...subSchemas(schema)].flatMap((node) =>
      typeof node.pattern === 'string' ? [node.pattern] : [],
    );

    expect(patterns.length).toBeGreaterThan(5);
    for (const pattern of patterns) expect(() => new RegExp(pattern, 'u')).not.toThrow();
  });

  it('requires only ReplicationGroupId and documents the defaults', () => {
    const properties = schema.properties as Record<string, JsonSchema>;

    expect(schema.required).toEqual(['ReplicationGroupId']);
    expect(properties.Engine?.default).toBe('redis');
    expect(properties.CacheNodeType?.default).toBe('cache.t3.small');
    expect(properties.SnapshotRetentionLimit?.default).toBe(30);
    expect(properties.AtRestEncryptionEnabled?.default).toBe(true);
  });

  it('gives the input type callers write', () => {
    expectTypeOf<ProvisionRequest['Engine']>().toEqualTypeOf<'redis' | 'valkey' | undefined>();
    expectTypeOf<ProvisionRequest['ReplicationGroupId']>().toEqualTypeOf<string>();
    expectTypeOf<
      ValidatedRequest & Pick<NormalisedRequest, 'EngineVersion' | 'CacheParameterGroupFamily'>
    >().toMatchTypeOf<NormalisedRequest>();
  });
});
