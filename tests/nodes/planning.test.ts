import { describe, expect, it } from 'vitest';
import { accessRules, userChanges } from '../../local/nodes/acl';
import { configValue } from '../../local/nodes/redisProcess';
import { planNodes, slotBounds } from '../../local/nodes/topology';
import { rbacUsers, shapes } from './helpers';

describe('planning nodes', () => {
  it('names cluster-mode-disabled nodes <group>-001.. with the first as primary', () => {
    // Act
    const nodes = planNodes(shapes.disabledReplicated);

    // Assess
    expect(nodes).toEqual([
      { cacheClusterId: 'nodes-replicated-001', shard: 0, nodeGroupId: '0001', role: 'primary' },
      { cacheClusterId: 'nodes-replicated-002', shard: 0, nodeGroupId: '0001', role: 'replica' },
      { cacheClusterId: 'nodes-replicated-003', shard: 0, nodeGroupId: '0001', role: 'replica' },
    ]);
  });

  it('names cluster-mode-enabled nodes <group>-<shard>-<node> and gives each shard its slots', () => {
    // Act
    const nodes = planNodes(shapes.enabledTwoShards).map(
      (node) => `${node.cacheClusterId} ${node.role} ${node.slots}`,
    );

    // Assess
    expect(nodes).toEqual([
      'nodes-two-shards-0001-001 primary 0-8191',
      'nodes-two-shards-0001-002 replica 0-8191',
      'nodes-two-shards-0002-001 primary 8192-16383',
      'nodes-two-shards-0002-002 replica 8192-16383',
    ]);
  });

  it('defaults to one node, and one shard without replicas', () => {
    // Act
    const disabled = planNodes({ replicationGroupId: 'g', clusterMode: 'disabled', tls: false });
    const enabled = planNodes({ replicationGroupId: 'g', clusterMode: 'enabled', tls: false });

    // Assess
    expect(disabled.map((node) => node.cacheClusterId)).toEqual(['g-001']);
    expect(enabled.map((node) => node.cacheClusterId)).toEqual(['g-0001-001']);
  });

  it('rejects counts that are not whole and positive', () => {
    // Assess
    expect(() => planNodes({ ...shapes.disabledSingle, numCacheClusters: 0 })).toThrow(/numCacheClusters/);
    expect(() => planNodes({ ...shapes.enabledTwoShards, numNodeGroups: 1.5 })).toThrow(/numNodeGroups/);
    expect(() => planNodes({ ...shapes.enabledTwoShards, replicasPerNodeGroup: -1 })).toThrow(
      /replicasPerNodeGroup/,
    );
  });

  it('turns a slot range into the bounds CLUSTER ADDSLOTSRANGE takes', () => {
    // Assess
    expect(slotBounds('5461-10922')).toEqual(['5461', '10922']);
    expect(() => slotBounds('5461')).toThrow(/slot range/);
  });
});

describe('turning users into ACL commands', () => {
  it('splits an access string into one rule per argument', () => {
    // Assess
    expect(accessRules('  on ~app:*   -@all +@read ')).toEqual(['on', '~app:*', '-@all', '+@read']);
  });

  it('resets each user, then applies its rules and every password', () => {
    // Act
    const changes = userChanges(rbacUsers);

    // Assess
    expect(changes.find((change) => change.userName === 'admin')?.command).toEqual([
      'ACL',
      'SETUSER',
      'admin',
      'reset',
      'on',
      '~*',
      '&*',
      '+@all',
      '>admin-password-first-0123',
      '>admin-password-second-0123',
    ]);
    expect(changes.find((change) => change.userName === 'default')?.command).toEqual([
      'ACL',
      'SETUSER',
      'default',
      'reset',
      'off',
      '-@all',
      'nopass',
    ]);
  });

  it('gives IAM users a fresh random password', () => {
    // Act
    const first = userChanges(rbacUsers).find((change) => change.userName === 'iam-reader')?.command;
    const second = userChanges(rbacUsers).find((change) => change.userName === 'iam-reader')?.command;

    // Assess
    expect(first?.at(-1)).toMatch(/^>[0-9a-f]{48}$/);
    expect(first?.at(-1)).not.toBe(second?.at(-1));
  });

  it('switches the default user off when the list has none', () => {
    // Act
    const changes = userChanges(rbacUsers.filter((user) => user.userName !== 'default'));

    // Assess
    expect(changes.at(-1)).toEqual({ userName: 'default', command: ['ACL', 'SETUSER', 'default', 'reset'] });
  });
});

describe('writing redis.conf values', () => {
  it('quotes spaces, quotes, backslashes and control characters', () => {
    // Assess
    expect(configValue('/tmp/my dir')).toBe('"/tmp/my dir"');
    expect(configValue('a"b\\c\nd')).toBe('"a\\"b\\\\c\\x0ad"');
  });
});
