import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../shared/request/validate';
import { readJson } from '../support/fixtures';
import { type EditableRequest, rejectionOf, requestFixture } from './support';

/**
 * Contract section 1, rule by rule (tests/fixtures/requests/rejections.json): a fixture, the change
 * that breaks the rule (`remove` these paths, then `set` these), and the field the problem must name.
 */
interface Rejection {
  rule: string;
  fixture: 'minimal' | 'rbac-redis' | 'cluster-enabled-valkey';
  /** Dotted paths (`Rbac.Users.0.AccessString`) to their new values. */
  set?: Record<string, unknown>;
  remove?: string[];
  field: string;
  /** A regular expression the problem's message matches. */
  message: string;
}

const rejections = readJson<Rejection[]>('tests/fixtures/requests/rejections.json');

const users = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    UserId: `orders-u${index}`,
    UserName: `u${index}`,
    AccessString: 'on ~orders:* +@read',
  }));

/** The object holding the last key of a dotted path, and that key. */
function parentOf(request: EditableRequest, path: string): [EditableRequest, string] {
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  return [keys.reduce((object, key) => object[key], request), last];
}

function brokenRequest({ fixture, set = {}, remove = [] }: Rejection): EditableRequest {
  const request = requestFixture(fixture);
  for (const path of remove) {
    const [parent, key] = parentOf(request, path);
    delete parent[key];
  }
  for (const [path, value] of Object.entries(set)) {
    const [parent, key] = parentOf(request, path);
    parent[key] = value;
  }
  return request;
}

describe('request rules (contract section 1)', () => {
  it.each(rejections)('rejects a request where not: $rule', (rejection) => {
    // Prepare
    const { field, message } = rejection;
    const request = brokenRequest(rejection);

    // Act
    const problems = rejectionOf(request);

    // Assess
    expect(problems).toContainEqual({ field, message: expect.stringMatching(message) });
  });

  it.each(['minimal', 'rbac-redis', 'cluster-enabled-valkey'] as const)(
    'accepts the unchanged %s fixture the rejections start from',
    (fixture) => {
      expect(validateRequest(requestFixture(fixture))).toMatchObject({ ok: true });
    },
  );

  it('accepts exactly 500 nodes in cluster mode enabled', () => {
    // Prepare
    const request = requestFixture('cluster-enabled-valkey');
    request.NumNodeGroups = 250;
    request.ReplicasPerNodeGroup = 1;

    // Act / Assess
    expect(validateRequest(request)).toMatchObject({ ok: true });
  });

  it('accepts 100 users in a valkey group, which needs no default user', () => {
    // Prepare
    const request = requestFixture('cluster-enabled-valkey');
    request.Rbac.Users = users(100);

    // Act / Assess
    expect(validateRequest(request)).toMatchObject({ ok: true });
  });

  it('rejects a non-object input as a whole', () => {
    expect(rejectionOf(['orders-cache'])).toEqual([
      { field: '(request)', message: expect.stringMatching(/must be an object/) },
    ]);
    expect(rejectionOf(null)).toEqual([
      { field: '(request)', message: expect.stringMatching(/must be an object/) },
    ]);
  });

  it('collects every problem of a request at once, each naming its field', () => {
    // Prepare
    const request = requestFixture('many-problems');

    // Act
    const fields = rejectionOf(request).map((problem) => problem.field);

    // Assess
    expect(new Set(fields)).toEqual(
      new Set([
        'ReplicationGroupId',
        'NumNodeGroups',
        'SnapshotRetentionLimit',
        'TransitEncryptionEnabled',
        'Tags[0].Owner',
        'Rbac.Users[0].AuthToken',
        'Rbac.Users[1].UserName',
        'Rbac.Users[1].AccessString',
        'Polling.ChecksPerInvocation',
      ]),
    );
  });

  it('reports each unknown field of one object, not only the first', () => {
    // Prepare
    const request = { ...requestFixture('minimal'), NumCacheCluster: 3, Engin: 'redis', Colour: 'blue' };

    // Act
    const problems = rejectionOf(request);

    // Assess
    expect(problems.map((problem) => problem.field)).toEqual(['NumCacheCluster', 'Engin', 'Colour']);
    expect(problems[2]?.message).toMatch(
      /allowed here: ReplicationGroupId, ReplicationGroupDescription, Engine/,
    );
  });
});
