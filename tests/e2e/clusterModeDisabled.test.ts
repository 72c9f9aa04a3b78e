import { describe, expect, it } from 'vitest';
import { eventually, primaryAndReaderOf, withNode } from './support/redis';
import { expectCreated, itLeavesNothingBehind, provisionForSuite } from './support/suite';

const suite = provisionForSuite('cluster-mode-disabled.json', 'cluster mode disabled 2 nodes');
const { provisioned } = suite;

describe('cluster mode disabled, 1 primary + 1 replica, no TLS, no RBAC, on real nodes', () => {
  it('reports the primary and reader endpoints, no users and what it created', () => {
    // Assess
    expectCreated(suite, 'disabled');
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
