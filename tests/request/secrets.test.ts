import { randomBytes } from 'node:crypto';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareRequest } from '../../shared/request/prepare';
import { validateRequest } from '../../shared/request/validate';
import { type EditableRequest, requestFixture, stubLogger, validationErrorOf } from './support';

/** A value no message may ever contain: generated, so no password is written in the tests. */
const secret = () => `Zq ${randomBytes(12).toString('hex')}!`;

const placements: [string, (request: EditableRequest, value: string) => void][] = [
  [
    'a top-level Password',
    (r, value) => {
      r.Password = value;
    },
  ],
  [
    'an AuthToken',
    (r, value) => {
      r.AuthToken = value;
    },
  ],
  [
    'user Passwords',
    (r, value) => {
      r.Rbac.Users[0].Passwords = [value];
    },
  ],
  [
    'a password deep in an unknown object',
    (r, value) => {
      r.Extra = { nested: [{ PASSWORD: value }] };
    },
  ],
  [
    'a > directive in an access string',
    (r, value) => {
      r.Rbac.Users[0].AccessString = `on >${value.replace(/ /g, '')} ~* +@all`;
    },
  ],
  [
    'a bare word in an access string',
    (r, value) => {
      r.Rbac.Users[0].AccessString = `on ${value.replace(/ /g, '')} ~* +@all`;
    },
  ],
  [
    'the UserName',
    (r, value) => {
      r.Rbac.Users[0].UserName = value;
    },
  ],
  [
    'the PasswordSecretId',
    (r, value) => {
      r.Rbac.Users[0].PasswordSecretId = value;
    },
  ],
  [
    'the ReplicationGroupId',
    (r, value) => {
      r.ReplicationGroupId = value;
    },
  ],
  [
    'an unknown field value',
    (r, value) => {
      r.Secret = value;
    },
  ],
  [
    'a number field',
    (r, value) => {
      r.NumCacheClusters = value;
    },
  ],
  [
    'a picklist field',
    (r, value) => {
      r.Engine = value;
    },
  ],
  [
    'the CorrelationId',
    (r, value) => {
      r.CorrelationId = `${value}\n`;
    },
  ],
];

describe('passwords never appear in problems', () => {
  const elastiCache = mockClient(ElastiCacheClient);
  afterEach(() => elastiCache.reset());

  it.each(placements)('rejects %s without echoing the value', (_where, place) => {
    // Prepare
    const value = secret();
    const request = requestFixture('rbac-redis');
    place(request, value);

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
