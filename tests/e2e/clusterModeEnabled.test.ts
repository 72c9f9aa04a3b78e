import { describe, expect, it } from 'vitest';
import { membersOf, nodesOf } from './support/local';
import {
  asEndpoint,
  configurationEndpointOf,
  connectCluster,
  connectNode,
  eventually,
  keysAcrossSlots,
  shardServing,
  withNode,
} from './support/redis';
import { itLeavesNothingBehind, provisionForSuite } from './support/suite';

const suite = provisionForSuite('cluster-mode-enabled.json', 'cluster mode enabled 2x1');
const { provisioned, replicationGroupId: REPLICATION_GROUP_ID } = suite;

describe('Valkey, cluster mode enabled, 2 shards x 1 replica, no TLS, no RBAC, on real nodes', () => {
  it('reports the configuration endpoint, no users and what it created', () => {
    // Assess
    const { result, env } = provisioned();
    expect(result).toMatchObject({
      ReplicationGroupId: REPLICATION_GROUP_ID,
      Status: 'available',
      ClusterMode: 'enabled',
      Endpoints: { Configuration: { Address: '127.0.0.1', Port: expect.any(Number) } },
      TransitEncryptionEnabled: false,
      UserGroupIds: [],
      Users: [],
      Created: { Users: [], UserGroup: false, ReplicationGroup: true },
    });
    expect(env.standIn.caCertificatePath(REPLICATION_GROUP_ID)).toBeUndefined();
  });

  it('lets an unauthenticated cluster client write and read keys on both shards', async () => {
    // Prepare
    const keys = keysAcrossSlots(8);
    const nodes = nodesOf(provisioned().env, REPLICATION_GROUP_ID);
    const cluster = await connectCluster(configurationEndpointOf(provisioned().result));
    const primaries = await Promise.all(
      membersOf(nodes)
        .filter((member) => member.role === 'primary')
        .map((member) => connectNode(asEndpoint(member))),
    );
    try {
      // Act
      for (const key of keys) await cluster.set(key, `value of ${key}`);
      const values = await Promise.all(keys.map((key) => cluster.get(key)));
      const shards = await Promise.all(keys.map((key) => shardServing(key, primaries)));

      // Assess
      expect(values).toEqual(keys.map((key) => `value of ${key}`));
      expect(new Set(shards).size).toBe(2);
    } finally {
      await cluster.close();
      for (const primary of primaries) primary.destroy();
    }
  });

  it("replicates each shard's writes to its replica", async () => {
    // Prepare
    const nodes = nodesOf(provisioned().env, REPLICATION_GROUP_ID);
    const cluster = await connectCluster(configurationEndpointOf(provisioned().result));
    const keys = keysAcrossSlots(8);
    try {
      for (const key of keys) await cluster.set(key, 'replicated');
    } finally {
      await cluster.close();
    }

    // Act: each replica, asked directly in READONLY mode, serves the keys of its own shard
    const servedByReplicas = await Promise.all(
      nodes.nodeGroups.map(async (nodeGroup) => {
        const replica = nodeGroup.members.find((member) => member.role === 'replica');
        if (!replica) throw new Error(`${nodeGroup.nodeGroupId} has no replica`);
        return withNode(asEndpoint(replica), {}, async (node) => {
          await node.sendCommand(['READONLY']);
          const served: string[] = [];
          for (const key of keys) {
            const value = await eventually(
              () => node.get(key).catch((err: Error) => err.message),
              (reply) => reply === 'replicated' || String(reply).startsWith('MOVED'),
            );
            if (value === 'replicated') served.push(key);
          }
          return served;
        });
      }),
    );

    // Assess: between them the replicas serve every key, each key once
    expect(servedByReplicas.every((served) => served.length > 0)).toBe(true);
    expect(servedByReplicas.flat().sort()).toEqual([...keys].sort());
  });

  itLeavesNothingBehind(suite, 4);
});
