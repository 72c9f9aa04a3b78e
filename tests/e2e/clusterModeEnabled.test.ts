import { describe, expect, it } from 'vitest';
import { nodesOf } from './support/local';
import {
  asEndpoint,
  configurationEndpointOf,
  connectCluster,
  eventually,
  keysAcrossSlots,
  withNode,
} from './support/redis';
import {
  expectCreated,
  expectEveryShardServes,
  itLeavesNothingBehind,
  provisionForSuite,
} from './support/suite';

const suite = provisionForSuite('cluster-mode-enabled.json', 'cluster mode enabled 2x1');
const { provisioned, replicationGroupId: REPLICATION_GROUP_ID } = suite;

describe('Valkey, cluster mode enabled, 2 shards x 1 replica, no TLS, no RBAC, on real nodes', () => {
  it('reports the configuration endpoint, no users and what it created', () => {
    // Assess
    expectCreated(suite, 'enabled');
  });

  it('lets an unauthenticated cluster client write and read keys on both shards', async () => {
    await expectEveryShardServes(suite, 2);
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
