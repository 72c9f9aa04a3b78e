import { describe, expect, it } from 'vitest';
import { nodesOf } from './support/local';
import {
  configurationEndpointOf,
  connectCluster,
  connectionOutcome,
  eventually,
  withNode,
} from './support/redis';
import {
  expectCreated,
  expectEveryShardServes,
  itKeepsPasswordsOutOfTheExecution,
  itLeavesNothingBehind,
  provisionForSuite,
} from './support/suite';

const suite = provisionForSuite('cluster-mode-enabled-rbac.json', 'cluster mode enabled 3x1, TLS, RBAC', {
  secured: true,
});
const { provisioned, as, ca, replicationGroupId: REPLICATION_GROUP_ID } = suite;

describe('cluster mode enabled, 3 shards x 1 replica, TLS and RBAC, on real nodes', () => {
  it('reports the configuration endpoint, the users with their secrets and what it created', () => {
    // Assess
    expectCreated(suite, 'enabled', {
      userGroupId: 'e2e-enabled-rbac',
      userNames: ['app', 'reader', 'default'],
    });
  });

  it('advertises 3 shards of a primary and one replica in CLUSTER SLOTS once available', async () => {
    // Prepare
    const configuration = configurationEndpointOf(provisioned().result);
    const planned = nodesOf(provisioned().env, REPLICATION_GROUP_ID).nodeGroups.map((group) =>
      group.members.map((member) => member.port),
    );

    // Act: what cluster clients that read from replicas discover (a second's grace for gossip)
    const ranges = await withNode(configuration, as('app'), (node) =>
      eventually(
        () => node.clusterSlots(),
        (reply) => reply.every((range) => range.replicas.length > 0),
        1000,
      ),
    );

    // Assess
    const served = ranges.map((range) => [range.master.port, ...range.replicas.map((r) => r.port)]);
    expect(served.sort()).toEqual(planned.sort());
    expect(ranges.reduce((slots, range) => slots + range.to - range.from + 1, 0)).toBe(16384);
  });

  itKeepsPasswordsOutOfTheExecution(suite, ['app', 'reader']);

  it('lets app write and read its keys on every shard through a cluster client', async () => {
    await expectEveryShardServes(suite, 3, as('app'));
  });

  it('refuses app keys outside ~app:* and its dangerous commands', async () => {
    // Prepare
    const configuration = configurationEndpointOf(provisioned().result);
    const cluster = await connectCluster(configuration, as('app'));
    try {
      await cluster.set('app:{kept}', 'kept');

      // Act / Assess
      await expect(cluster.get('other:{kept}')).rejects.toThrow(/^NOPERM/);
      await expect(cluster.set('other:{kept}', 'x')).rejects.toThrow(/^NOPERM/);
      await withNode(configuration, as('app'), async (node) => {
        await expect(node.flushAll()).rejects.toThrow(/^NOPERM/);
        await expect(node.keys('*')).rejects.toThrow(/^NOPERM/);
      });
      expect(await cluster.get('app:{kept}')).toBe('kept');
    } finally {
      await cluster.close();
    }
  });

  it('lets reader read any key and refuses its writes', async () => {
    // Prepare
    const configuration = configurationEndpointOf(provisioned().result);
    const app = await connectCluster(configuration, as('app'));
    const reader = await connectCluster(configuration, as('reader'));
    try {
      await app.set('app:{shared}', 'written by app');

      // Act / Assess
      expect(await reader.get('app:{shared}')).toBe('written by app');
      expect(await reader.get('other:{shared}')).toBeNull();
      await expect(reader.set('app:{shared}', 'overwritten')).rejects.toThrow(/^NOPERM/);
      await expect(reader.del('app:{shared}')).rejects.toThrow(/^NOPERM/);
      expect(await app.get('app:{shared}')).toBe('written by app');
    } finally {
      await Promise.all([app.close(), reader.close()]);
    }
  });

  it('gives an unauthenticated connection nothing', async () => {
    // Prepare
    const configuration = configurationEndpointOf(provisioned().result);

    // Act / Assess
    expect(await connectionOutcome(configuration, { ca: ca() })).toMatch(/^NOAUTH/);
    await expect(connectCluster(configuration, { ca: ca() })).rejects.toThrow();
  });

  it('refuses the managed default user, which is off and has no password, and a wrong password', async () => {
    // Prepare
    const configuration = configurationEndpointOf(provisioned().result);
    const wrongPassword = { username: 'app', password: 'x'.repeat(40) };

    // Act / Assess
    const anyPassword = { username: 'default', password: 'y'.repeat(40) };
    expect(await connectionOutcome(configuration, { ca: ca(), credentials: anyPassword })).toMatch(
      /^WRONGPASS/,
    );
    expect(await connectionOutcome(configuration, { ca: ca(), credentials: wrongPassword })).toMatch(
      /^WRONGPASS/,
    );
  });

  itLeavesNothingBehind(suite, 6);
});
