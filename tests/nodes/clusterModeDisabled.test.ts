import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type NodeBackendGroup, redisServerNodeBackend, stopAllNodes } from '../../local/nodes';
import {
  admin,
  app,
  connectionOutcome,
  credentialsOf,
  membersOf,
  openClient,
  rbacUsers,
  refusedRules,
  reporter,
  requireRedisServer,
  shapes,
  withClient,
} from './helpers';

describe('redis-server nodes with cluster mode disabled', () => {
  const warn = vi.fn();
  let single: NodeBackendGroup;
  let replicated: NodeBackendGroup;

  beforeAll(async () => {
    requireRedisServer();
    const backend = redisServerNodeBackend({ log: { warn } });
    [single, replicated] = await Promise.all([
      backend.start(shapes.disabledSingle),
      backend.start({ ...shapes.disabledReplicated, users: rbacUsers }),
    ]);
  });

  afterAll(() => stopAllNodes());

  it('describes a single node as both the primary and the reader endpoint', () => {
    // Assess
    const member = single.nodeGroups[0]?.members[0];
    expect(single.nodeGroups).toEqual([
      {
        nodeGroupId: '0001',
        members: [
          {
            cacheClusterId: 'nodes-single-001',
            address: '127.0.0.1',
            port: expect.any(Number),
            role: 'primary',
          },
        ],
      },
    ]);
    expect(single.primaryEndpoint).toEqual({ address: '127.0.0.1', port: member?.port });
    expect(single.readerEndpoint).toEqual(single.primaryEndpoint);
    expect(single.configurationEndpoint).toBeUndefined();
    expect(single.caCertificatePath).toBeUndefined();
  });

  it('leaves the default user open when no users are given', async () => {
    // Prepare
    const endpoint = single.primaryEndpoint;
    if (!endpoint) throw new Error('no primary endpoint');

    // Act
    const [whoami, value] = await withClient(single, endpoint, undefined, async (client) => {
      await client.set('any:key', 'v');
      return [await client.aclWhoAmI(), await client.get('any:key')];
    });

    // Assess
    expect(whoami).toBe('default');
    expect(value).toBe('v');
  });

  it('names one primary and two replicas like ElastiCache and reads from the first replica', () => {
    // Assess
    const members = membersOf(replicated);
    expect(members.map(({ cacheClusterId, role }) => ({ cacheClusterId, role }))).toEqual([
      { cacheClusterId: 'nodes-replicated-001', role: 'primary' },
      { cacheClusterId: 'nodes-replicated-002', role: 'replica' },
      { cacheClusterId: 'nodes-replicated-003', role: 'replica' },
    ]);
    expect(new Set(members.map((member) => member.port)).size).toBe(3);
    expect(replicated.primaryEndpoint).toEqual({ address: '127.0.0.1', port: members[0]?.port });
    expect(replicated.readerEndpoint).toEqual({ address: '127.0.0.1', port: members[1]?.port });
    expect(replicated.caCertificatePath).toMatch(/\.pem$/);
  });

  it('speaks TLS only, with a certificate signed by the group CA', async () => {
    // Prepare
    const endpoint = replicated.primaryEndpoint;
    if (!endpoint) throw new Error('no primary endpoint');
    const withoutTls = { ...replicated, caCertificatePath: undefined };

    // Act
    const overTls = await connectionOutcome(replicated, endpoint, app);
    const plain = await connectionOutcome(withoutTls, endpoint, app);

    // Assess
    expect(overTls).toBe('connected');
    expect(plain).not.toBe('connected');
  });

  it('lets the app user read and write its own keys and nothing else', async () => {
    // Prepare
    const endpoint = replicated.primaryEndpoint;
    if (!endpoint) throw new Error('no primary endpoint');

    // Act
    const outcome = await withClient(replicated, endpoint, app, async (client) => ({
      set: await client.set('app:x', '1'),
      get: await client.get('app:x'),
      otherKey: await client.get('other:x').catch((err: Error) => err.message),
      flushAll: await client.flushAll().catch((err: Error) => err.message),
    }));

    // Assess
    expect(outcome).toEqual({
      set: 'OK',
      get: '1',
      otherKey: expect.stringMatching(/^NOPERM/),
      flushAll: expect.stringMatching(/^NOPERM/),
    });
  });

  it('refuses connections that do not authenticate, or with a wrong password', async () => {
    // Prepare
    const endpoint = replicated.primaryEndpoint;
    if (!endpoint) throw new Error('no primary endpoint');

    // Act
    const anonymous = await connectionOutcome(replicated, endpoint);
    const wrongPassword = await connectionOutcome(replicated, endpoint, {
      username: 'app',
      password: 'not-it',
    });

    // Assess
    expect(anonymous).toMatch(/^NOAUTH/);
    expect(wrongPassword).toMatch(/^WRONGPASS/);
  });

  it('accepts every password of a user with two', async () => {
    // Prepare
    const endpoint = replicated.primaryEndpoint;
    if (!endpoint) throw new Error('no primary endpoint');
    const passwords = rbacUsers.find((user) => user.userName === 'admin')?.passwords ?? [];

    // Act
    const outcomes = await Promise.all(
      passwords.map((password) => connectionOutcome(replicated, endpoint, { username: 'admin', password })),
    );

    // Assess
    expect(outcomes).toEqual(['connected', 'connected']);
  });

  it('replicates writes on the primary to every replica, where the users exist too', async () => {
    // Prepare
    const [primary, ...replicas] = membersOf(replicated);
    if (!primary) throw new Error('no primary');
    await withClient(replicated, primary, app, (client) => client.set('app:replicated', 'yes'));

    // Act
    const readsOnReplicas = await Promise.all(
      replicas.map((replica) =>
        withClient(replicated, replica, app, (client) =>
          vi.waitFor(
            async () => {
              const value = await client.get('app:replicated');
              if (value !== 'yes') throw new Error('not replicated yet');
              return value;
            },
            { timeout: 5000, interval: 20 },
          ),
        ),
      ),
    );

    // Assess
    expect(readsOnReplicas).toEqual(['yes', 'yes']);
  });

  it('keeps replicas read-only', async () => {
    // Prepare
    const replica = membersOf(replicated)[1];
    if (!replica) throw new Error('no replica');

    // Act
    const outcome = await withClient(replicated, replica, app, (client) =>
      client.set('app:on-replica', '1').catch((err: Error) => err.message),
    );

    // Assess
    expect(outcome).toMatch(/^READONLY/);
  });

  it('creates IAM users with a password nobody knows and says so in the log', async () => {
    // Prepare
    const endpoint = replicated.primaryEndpoint;
    if (!endpoint) throw new Error('no primary endpoint');

    // Act
    const aclList = await withClient(replicated, endpoint, admin, (client) => client.aclList());

    // Assess
    const iamUser = aclList.find((line) => line.startsWith('user iam-reader '));
    expect(iamUser).toMatch(/^user iam-reader on .*#[0-9a-f]{64} /);
    expect(iamUser).not.toContain('nopass');
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('IAM authentication is not emulated'),
      expect.objectContaining({ userName: 'iam-reader', replicationGroupId: 'nodes-replicated' }),
    );
    const logged = JSON.stringify(warn.mock.calls);
    for (const password of rbacUsers.flatMap((user) => user.passwords))
      expect(logged).not.toContain(password);
  });

  it('adds a user on every node at once with setUsers, and deletes it once it is no longer listed', async () => {
    // Prepare
    const members = membersOf(replicated);
    const reporterCredentials = credentialsOf('reporter', [reporter]);

    // Act
    await replicated.setUsers([...rbacUsers, reporter]);
    const whileListed = await Promise.all(
      members.map((member) =>
        withClient(replicated, member, reporterCredentials, async (client) => ({
          get: await client.get('report:missing'),
          otherKey: await client.get('app:x').catch((err: Error) => err.message),
        })),
      ),
    );
    await replicated.setUsers(rbacUsers);
    const afterRemoval = await Promise.all(
      members.map((member) => connectionOutcome(replicated, member, reporterCredentials)),
    );

    // Assess
    expect(whileListed).toEqual(
      members.map(() => ({ get: null, otherKey: expect.stringMatching(/^NOPERM/) })),
    );
    expect(afterRemoval).toEqual(members.map(() => expect.stringMatching(/^WRONGPASS/)));
  });

  it('rejects setUsers with an access string Redis refuses and changes no user', async () => {
    // Prepare
    const members = membersOf(replicated);

    // Act
    const failure = await replicated
      .setUsers([...rbacUsers, reporter, refusedRules])
      .catch((err: unknown) => err);
    const reporterOutcomes = await Promise.all(
      members.map((member) => connectionOutcome(replicated, member, credentialsOf('reporter', [reporter]))),
    );
    const appOutcomes = await Promise.all(
      members.map((member) => connectionOutcome(replicated, member, app)),
    );

    // Assess
    expect(failure).toMatchObject({ name: 'AclRulesRejected', userName: 'broken' });
    expect((failure as Error).message).toMatch(/broken.*nosuchcommand/s);
    expect((failure as Error).message).not.toContain(refusedRules.passwords[0]);
    expect(reporterOutcomes).toEqual(members.map(() => expect.stringMatching(/^WRONGPASS/)));
    expect(appOutcomes).toEqual(members.map(() => 'connected'));
  });

  it('drops the default user when a user list has none', async () => {
    // Prepare
    const endpoint = single.primaryEndpoint;
    if (!endpoint) throw new Error('no primary endpoint');
    const withoutDefault = rbacUsers.filter((user) => user.userName !== 'default');

    // Act
    await single.setUsers(withoutDefault);
    const anonymous = await connectionOutcome(single, endpoint);
    const asApp = await openClient(single, endpoint, app);
    const value = await asApp.get('app:x');
    asApp.destroy();

    // Assess
    expect(anonymous).toMatch(/^NOAUTH/);
    expect(value).toBeNull();
  });
});
