import { randomBytes } from 'node:crypto';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareRequest } from '../../shared/request/prepare';
import { validateRequest } from '../../shared/request/validate';
import { readJson } from '../support/fixtures';
import { type EditableRequest, requestFixture, stubLogger, validationErrorOf } from './support';

/** A value no message may ever contain: generated, so no password is written in the tests. */
const secret = () => `Zq ${randomBytes(12).toString('hex')}!`;

interface Placement {
  where: string;
  /** Where in the request the value goes. */
  path: (string | number)[];
  /** What goes there: `{secret}` stands for the value, `{word}` for it without spaces. */
  value: unknown;
}

const placements = readJson<Placement[]>('tests/fixtures/password-placements.json');

/** `request` with `value` put where `placement` says. */
function place(request: EditableRequest, placement: Placement, value: string): void {
  const filled = JSON.parse(
    JSON.stringify(placement.value, (_key, part: unknown) =>
      typeof part === 'string'
        ? part.replaceAll('{secret}', value).replaceAll('{word}', value.replace(/ /g, ''))
        : part,
    ),
  ) as unknown;
  const parentPath = placement.path.slice(0, -1);
  const parent = parentPath.reduce<EditableRequest>((node, key) => node[key], request);
  parent[placement.path.at(-1) as string | number] = filled;
}

describe('passwords never appear in problems', () => {
  const elastiCache = mockClient(ElastiCacheClient);
  afterEach(() => elastiCache.reset());

  it.each(placements)('rejects $where without echoing the value', (placement) => {
    // Prepare
    const value = secret();
    const request = requestFixture('rbac-redis');
    place(request, placement, value);
    expect(JSON.stringify(request), 'the value is in the request').toContain(value.slice(3, 27));

    // Act
    const result = validateRequest(request);

    // Assess
    expect(result.ok).toBe(false);
    const printed = JSON.stringify(result);
    expect(printed).not.toContain(value);
    expect(printed).not.toContain(value.slice(3, 27));
  });

  it('throws and logs a ValidationError whose message and log lines hold no password', async () => {
    // Prepare
    const value = secret();
    const request = requestFixture('rbac-redis');
    request.Rbac.Users[0].Passwords = [value];
    request.AuthToken = value;
    const logger = stubLogger();

    // Act
    const error = await validationErrorOf(
      prepareRequest({ elastiCache: new ElastiCacheClient({}), logger }, request),
    );

    // Assess
    expect(elastiCache).not.toHaveReceivedAnyCommand();
    expect(error.message).not.toContain(value.slice(3, 27));
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain(value.slice(3, 27));
    expect(JSON.parse(error.message).problems.map((p: { field: string }) => p.field)).toEqual([
      'Rbac.Users[0].Passwords',
      'AuthToken',
    ]);
  });
});
