import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeBackendGroup, redisServerNodeBackend, stopAllNodes } from '../../local/nodes';
import {
  admin,
  app,
  connectionOutcome,
  membersOf,
  openCluster,
  rbacUsers,
  requireRedisServer,
  shapes,
} from './helpers';

describe('resharding a TLS cluster with RBAC users', () => {
  let group: NodeBackendGroup;

  beforeAll(async () => {
    requireRedisServer();
    const backend = redisServerNodeBackend({ log: { warn: () => undefined } });
    group = await backend.start({ ...shapes.enabledTlsResharded, users: rbacUsers });
  });

  afterAll(() => stopAllNodes());

  it('moves keys over TLS to a new shard whose nodes hold the users and refuse strangers', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    const keys = Array.from({ length: 300 }, (_, i) => `app:tls-${i}`);
    const writer = await openCluster(group, app);
    await Promise.all(keys.map((key) => writer.set(key, key)));
    await writer.close();

    // Act
    await group.reshard({ add: ['0003'], remove: [], replicasPerNodeGroup: 0 });
    const reader = await openCluster(group, app);
    const values = await Promise.all(keys.map((key) => reader.get(key)));
    await reader.close();
    const newPrimary = group.nodeGroups.find((nodeGroup) => nodeGroup.nodeGroupId === '0003')?.members[0];
    if (!newPrimary) throw new Error('no new shard');

    // Assess
    expect(group.nodeGroups.map(({ nodeGroupId, slots }) => ({ nodeGroupId, slots }))).toEqual([
      { nodeGroupId: '0001', slots: '0-5461' },
      { nodeGroupId: '0002', slots: '8192-13652' },
      { nodeGroupId: '0003', slots: '5462-8191,13653-16383' },
    ]);
    expect(values).toEqual(keys);
    expect(await connectionOutcome(group, newPrimary, admin)).toBe('connected');
    expect(await connectionOutcome(group, newPrimary)).toMatch(/^NOAUTH/);
    expect(membersOf(group)).toHaveLength(3);
  });
});
