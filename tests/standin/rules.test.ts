import { describe, expect, it } from 'vitest';
import { plannedNodeGroups, slotRanges } from '../../local/standin';
import { checkAccessString, findEngineVersion, normaliseReplicationGroupId } from '../../local/standin/rules';

describe('slotRanges', () => {
  it('splits the 16384 hash slots as redis-cli --cluster create does', () => {
    // Act / Assess
    expect(slotRanges(1)).toEqual(['0-16383']);
    expect(slotRanges(2)).toEqual(['0-8191', '8192-16383']);
    expect(slotRanges(3)).toEqual(['0-5460', '5461-10922', '10923-16383']);
  });
});

describe('plannedNodeGroups', () => {
  it('names the cache clusters as ElastiCache does in both cluster modes', () => {
    // Act
    const disabled = plannedNodeGroups({
      replicationGroupId: 'orders',
      clusterMode: 'disabled',
      numCacheClusters: 2,
      tls: false,
    });
    const enabled = plannedNodeGroups({
      replicationGroupId: 'orders',
      clusterMode: 'enabled',
      numNodeGroups: 2,
      replicasPerNodeGroup: 1,
      tls: true,
    });

    // Assess
    expect(disabled).toEqual([{ nodeGroupId: '0001', memberIds: ['orders-001', 'orders-002'] }]);
    expect(enabled).toEqual([
      { nodeGroupId: '0001', slots: '0-8191', memberIds: ['orders-0001-001', 'orders-0001-002'] },
      { nodeGroupId: '0002', slots: '8192-16383', memberIds: ['orders-0002-001', 'orders-0002-002'] },
    ]);
  });
});

describe('checkAccessString', () => {
  it.each([
    ['on ~* +@all', '6.0'],
    ['off -@all', '6.0'],
    ['on ~app:* &events:* -@all +@pubsub', '6.2'],
    ['on resetchannels allkeys +@read', '6.2'],
    ['on %RW~cache:* +@read', '7.0'],
    ['on ~* -@all +client|setname', '7.0'],
  ])('accepts "%s", understood from engine %s', (accessString, version) => {
    // Act / Assess
    expect(checkAccessString(accessString)).toBe(version);
  });

  it.each([
    'on >password1234567890 ~*',
    'on #abcdef',
    'on nopass',
    'resetpass on',
    'on clearselectors',
    'on +get|',
  ])('refuses "%s"', (accessString) => {
    // Act / Assess
    expect(() => checkAccessString(accessString)).toThrow(/invalid rule/);
  });
});

describe('identifiers and versions', () => {
  it('lower-cases replication group ids and refuses a trailing hyphen', () => {
    // Act / Assess
    expect(normaliseReplicationGroupId('Orders-Cache')).toBe('orders-cache');
    expect(() => normaliseReplicationGroupId('orders-')).toThrow(/Replication group id/);
  });

  it('resolves the default version of each engine and accepts a patch-level version', () => {
    // Act / Assess
    expect(findEngineVersion('redis', undefined)).toMatchObject({ version: '7.1', family: 'redis7' });
    expect(findEngineVersion('valkey', undefined)).toMatchObject({ version: '8.2', family: 'valkey8' });
    expect(findEngineVersion('redis', '6.2.0')).toMatchObject({ version: '6.2', family: 'redis6.x' });
  });
});
