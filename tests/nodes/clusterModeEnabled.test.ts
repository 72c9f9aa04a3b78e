import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type NodeBackendGroup, redisServerNodeBackend, stopAllNodes } from '../../local/nodes';
import {
  admin,
  app,
  connectionOutcome,
  credentialsOf,
  membersOf,
  openCluster,
  rbacUsers,
  reporter,
  requireRedisServer,
  shapes,
  withClient,
} from './helpers';

function clusterInfoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(\\S+)`, 'm').exec(info)?.[1];
}

describe('redis-server nodes with cluster mode enabled', () => {
  let twoShards: NodeBackendGroup;
  let threeShards: NodeBackendGroup;

  beforeAll(async () => {
    requireRedisServer();
    const backend = redisServerNodeBackend({ log: { warn: () => undefined } });
    [twoShards, threeShards] = await Promise.all([
      backend.start(shapes.enabledTwoShards),
      backend.start({ ...shapes.enabledThreeShards, users: rbacUsers }),
    ]);
  });

  afterAll(() => stopAllNodes());

  it('splits the slots evenly over the shards and names nodes like ElastiCache', () => {
    // Assess
    expect(
      threeShards.nodeGroups.map((nodeGroup) => ({
        nodeGroupId: nodeGroup.nodeGroupId,
        slots: nodeGroup.slots,
        members: nodeGroup.members.map(({ cacheClusterId, role }) => ({ cacheClusterId, role })),
      })),
    ).toEqual([
      {
        nodeGroupId: '0001',
        slots: '0-5460',
        members: [
          { cacheClusterId: 'nodes-three-shards-0001-001', role: 'primary' },
          { cacheClusterId: 'nodes-three-shards-0001-002', role: 'replica' },
        ],
      },
      {
        nodeGroupId: '0002',
        slots: '5461-10922',
        members: [
          { cacheClusterId: 'nodes-three-shards-0002-001', role: 'primary' },
          { cacheClusterId: 'nodes-three-shards-0002-002', role: 'replica' },
        ],
      },
      {
        nodeGroupId: '0003',
        slots: '10923-16383',
        members: [
          { cacheClusterId: 'nodes-three-shards-0003-001', role: 'primary' },
          { cacheClusterId: 'nodes-three-shards-0003-002', role: 'replica' },
        ],
      },
    ]);
    expect(twoShards.nodeGroups.map((nodeGroup) => nodeGroup.slots)).toEqual(['0-8191', '8192-16383']);
  });

  it('offers the first primary as configuration endpoint and no primary or reader endpoint', () => {
    // Assess
    const firstPrimary = threeShards.nodeGroups[0]?.members[0];
    expect(threeShards.configurationEndpoint).toEqual({ address: '127.0.0.1', port: firstPrimary?.port });
    expect(threeShards.primaryEndpoint).toBeUndefined();
    expect(threeShards.readerEndpoint).toBeUndefined();
    expect(threeShards.caCertificatePath).toMatch(/\.pem$/);
    expect(twoShards.caCertificatePath).toBeUndefined();
  });

  it('forms one healthy cluster that every node sees whole', async () => {
    // Act
    const infos = await Promise.all(
      membersOf(threeShards).map((member) =>
        withClient(threeShards, member, admin, (client) => client.clusterInfo()),
      ),
    );

    // Assess
    for (const info of infos) {
      expect(clusterInfoField(info, 'cluster_state')).toBe('ok');
      expect(clusterInfoField(info, 'cluster_known_nodes')).toBe('6');
      expect(clusterInfoField(info, 'cluster_size')).toBe('3');
      expect(clusterInfoField(info, 'cluster_slots_assigned')).toBe('16384');
    }
  });

  it('stores keys of every shard through a cluster client authenticated as the app user', async () => {
    // Prepare
    const keys = Array.from({ length: 30 }, (_, i) => `app:key-${i}`);
    const cluster = await openCluster(threeShards, app);

    // Act
    try {
      await Promise.all(keys.map((key) => cluster.set(key, key)));
      const values = await Promise.all(keys.map((key) => cluster.get(key)));
      const sizes = await Promise.all(
        threeShards.nodeGroups.map((nodeGroup) => {
          const primary = nodeGroup.members[0];
          if (!primary) throw new Error('no primary');
          return withClient(threeShards, primary, admin, (client) => client.dbSize());
        }),
      );

      // Assess
      expect(values).toEqual(keys);
      expect(sizes.every((size) => size > 0)).toBe(true);
    } finally {
      await cluster.close();
    }
  });

  it('replicates each shard to its replica', async () => {
    // Prepare
    const cluster = await openCluster(threeShards, app);
    await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((suffix) => cluster.set(`app:replicated-${suffix}`, '1')),
    );
    await cluster.close();

    // Act
    const sizes = await Promise.all(
      threeShards.nodeGroups.map(async (nodeGroup) => {
        const [primary, replica] = nodeGroup.members;
        if (!primary || !replica) throw new Error('shard without replica');
        const onPrimary = await withClient(threeShards, primary, admin, (client) => client.dbSize());
        const onReplica = await withClient(threeShards, replica, admin, (client) =>
          vi.waitFor(
            async () => {
              const size = await client.dbSize();
              if (size !== onPrimary) throw new Error('replica behind');
              return size;
            },
            { timeout: 5000, interval: 20 },
          ),
        );
        return { onPrimary, onReplica };
      }),
    );

    // Assess
    for (const { onPrimary, onReplica } of sizes) expect(onReplica).toBe(onPrimary);
  });

  it("enforces the app user's access string on every node", async () => {
    // Act
    const outcomes = await Promise.all(
      membersOf(threeShards).map((member) =>
        withClient(threeShards, member, app, async (client) => ({
          otherKey: await client.get('other:x').catch((err: Error) => err.message),
          flushAll: await client.flushAll().catch((err: Error) => err.message),
        })),
      ),
    );

    // Assess
    expect(outcomes).toEqual(
      membersOf(threeShards).map(() => ({
        otherKey: expect.stringMatching(/^NOPERM/),
        flushAll: expect.stringMatching(/^NOPERM/),
      })),
    );
  });

  it('refuses connections that do not authenticate on every node', async () => {
    // Act
    const outcomes = await Promise.all(
      membersOf(threeShards).map((member) => connectionOutcome(threeShards, member)),
    );

    // Assess
    expect(outcomes).toEqual(membersOf(threeShards).map(() => expect.stringMatching(/^NOAUTH/)));
  });

  it('serves a cluster client without credentials when no users are given', async () => {
    // Prepare
    const cluster = await openCluster(twoShards);

    // Act
    try {
      await Promise.all(['x', 'y', 'z'].map((key) => cluster.set(key, key)));
      const values = await Promise.all(['x', 'y', 'z'].map((key) => cluster.get(key)));

      // Assess
      expect(values).toEqual(['x', 'y', 'z']);
    } finally {
      await cluster.close();
    }
  });

  it('adds a user on every node at once with setUsers', async () => {
    // Prepare
    const reporterCredentials = credentialsOf('reporter', [reporter]);

    // Act
    await threeShards.setUsers([...rbacUsers, reporter]);
    const perNode = await Promise.all(
      membersOf(threeShards).map((member) => connectionOutcome(threeShards, member, reporterCredentials)),
    );
    const cluster = await openCluster(threeShards, reporterCredentials);
    try {
      await Promise.all(['a', 'b', 'c', 'd'].map((suffix) => cluster.set(`report:${suffix}`, suffix)));
      const values = await Promise.all(['a', 'b', 'c', 'd'].map((suffix) => cluster.get(`report:${suffix}`)));
      const outsideItsKeys = await cluster.get('app:key-1').catch((err: Error) => err.message);

      // Assess
      expect(perNode).toEqual(membersOf(threeShards).map(() => 'connected'));
      expect(values).toEqual(['a', 'b', 'c', 'd']);
      expect(outsideItsKeys).toMatch(/^NOPERM/);
    } finally {
      await cluster.close();
    }
  });
});
