import { describe, expect, it } from 'vitest';
import { eventually, primaryAndReaderOf, withNode } from './support/redis';
import { itLeavesNothingBehind, provisionForSuite } from './support/suite';

const suite = provisionForSuite('cluster-mode-disabled.json', 'cluster mode disabled 2 nodes');
const { provisioned, replicationGroupId: REPLICATION_GROUP_ID } = suite;

describe('cluster mode disabled, 1 primary + 1 replica, no TLS, no RBAC, on real nodes', () => {
  it('reports the primary and reader endpoints, no users and what it created', () => {
    // Assess
    const { result, env } = provisioned();
    const endpoint = { Address: '127.0.0.1', Port: expect.any(Number) };
    expect(result).toMatchObject({
      ReplicationGroupId: REPLICATION_GROUP_ID,
      Status: 'available',
      ClusterMode: 'disabled',
      Endpoints: { Primary: endpoint, Reader: endpoint },
      TransitEncryptionEnabled: false,
      UserGroupIds: [],
      Users: [],
      Created: { Users: [], UserGroup: false, ReplicationGroup: true },
    });
    expect(env.standIn.caCertificatePath(REPLICATION_GROUP_ID)).toBeUndefined();
  });

  it('lets an unauthenticated client write and read on the primary, without TLS', async () => {
    // Prepare
    const { primary } = primaryAndReaderOf(provisioned().result);

    // Act
    const read = await withNode(primary, {}, async (node) => {
      await node.set('orders:1', 'pending');
      return node.get('orders:1');
    });

    // Assess
    expect(read).toBe('pending');
  });

  it('replicates writes on the primary to the reader endpoint, which refuses writes', async () => {
    // Prepare
    const { primary, reader } = primaryAndReaderOf(provisioned().result);
    await withNode(primary, {}, (node) => node.set('orders:2', 'shipped'));

    // Act
    const replicated = await withNode(reader, {}, (node) =>
      eventually(
        () => node.get('orders:2'),
        (value) => value === 'shipped',
      ),
    );

    // Assess
    expect(replicated).toBe('shipped');
    await withNode(reader, {}, async (node) => {
      await expect(node.set('orders:3', 'lost')).rejects.toThrow(/^READONLY/);
    });
  });

  itLeavesNothingBehind(suite, 2);
});
