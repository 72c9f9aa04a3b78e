import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  footprintOf,
  type LocalProvisioning,
  leftoversOf,
  membersOf,
  NOTHING_LEFT,
  nodesOf,
  portsAccepting,
  provisionLocally,
  readFixture,
  reportTimings,
} from './support/local';
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

const FIXTURE = 'cluster-mode-enabled.json';
const REPLICATION_GROUP_ID = readFixture(FIXTURE).ReplicationGroupId;

let provisioning: LocalProvisioning | undefined;

function provisioned(): LocalProvisioning {
  if (!provisioning) throw new Error('Provisioning failed in beforeAll');
  return provisioning;
}

describe('Valkey, cluster mode enabled, 2 shards x 1 replica, no TLS, no RBAC, on real nodes', () => {
  beforeAll(async () => {
    provisioning = await provisionLocally(FIXTURE);
  });

  afterAll(async () => {
    reportTimings('cluster mode enabled 2x1', provisioning);
    await provisioning?.env.close();
  });

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

  it('leaves no node process, port or directory behind once the environment is closed', async () => {
    // Prepare
    const { env } = provisioned();
    const footprint = footprintOf(nodesOf(env, REPLICATION_GROUP_ID));
    expect(footprint.pids).toHaveLength(4);
    expect(await portsAccepting(footprint.ports)).toEqual(footprint.ports);

    // Act
    await env.close();

    // Assess
    expect(await leftoversOf(footprint)).toEqual(NOTHING_LEFT);
  });
});
