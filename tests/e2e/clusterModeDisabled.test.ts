import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  footprintOf,
  type LocalProvisioning,
  leftoversOf,
  NOTHING_LEFT,
  nodesOf,
  portsAccepting,
  provisionLocally,
  readFixture,
  reportTimings,
} from './support/local';
import { eventually, primaryAndReaderOf, withNode } from './support/redis';

const FIXTURE = 'cluster-mode-disabled.json';
const REPLICATION_GROUP_ID = readFixture(FIXTURE).ReplicationGroupId;

let provisioning: LocalProvisioning | undefined;

function provisioned(): LocalProvisioning {
  if (!provisioning) throw new Error('Provisioning failed in beforeAll');
  return provisioning;
}

describe('cluster mode disabled, 1 primary + 1 replica, no TLS, no RBAC, on real nodes', () => {
  beforeAll(async () => {
    provisioning = await provisionLocally(FIXTURE);
  });

  afterAll(async () => {
    reportTimings('cluster mode disabled 2 nodes', provisioning);
    await provisioning?.env.close();
  });

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

  it('leaves no node process, port or directory behind once the environment is closed', async () => {
    // Prepare
    const { env } = provisioned();
    const footprint = footprintOf(nodesOf(env, REPLICATION_GROUP_ID));
    expect(footprint.pids).toHaveLength(2);
    expect(await portsAccepting(footprint.ports)).toEqual(footprint.ports);

    // Act
    await env.close();

    // Assess
    expect(await leftoversOf(footprint)).toEqual(NOTHING_LEFT);
  });
});
