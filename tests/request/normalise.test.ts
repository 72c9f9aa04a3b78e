import { describe, expect, it } from 'vitest';
import { POLLING_DEFAULTS } from '../../shared/provision/polling';
import { validateRequest } from '../../shared/request/validate';
import { readJson } from '../support/fixtures';
import { acceptedRequest, requestFixture } from './support';

describe('request defaults and normalisation', () => {
  it('fills every default of a minimal request', () => {
    // Prepare
    const request = requestFixture('minimal');

    // Act
    const validated = acceptedRequest(request);

    // Assess
    expect(validated).toEqual({
      ...readJson('tests/fixtures/requests/minimal-normalised.json'),
      Polling: POLLING_DEFAULTS,
    });
  });

  it('keeps what the request sets over the defaults', () => {
    // Prepare
    const given = {
      ReplicationGroupDescription: 'Orders cache',
      CacheNodeType: 'cache.r7g.large',
      AtRestEncryptionEnabled: false,
      SnapshotRetentionLimit: 0,
      TransitEncryptionEnabled: true,
      CacheParameterGroupName: 'orders-params',
    };
    const request = { ...requestFixture('minimal'), ...given };

    // Act
    const validated = acceptedRequest(request);

    // Assess
    expect(validated).toMatchObject(given);
  });

  it('defaults automatic failover off for a single node', () => {
    const validated = acceptedRequest({ ...requestFixture('minimal'), NumCacheClusters: 1 });

    expect(validated).toMatchObject({ NumCacheClusters: 1, AutomaticFailoverEnabled: false });
  });

  it('defaults one shard with one replica, always with failover, when cluster mode is enabled', () => {
    // Prepare
    const request = { ...requestFixture('minimal'), ClusterMode: 'enabled' };

    // Act
    const validated = acceptedRequest(request);

    // Assess
    expect(validated).toMatchObject({
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 1,
      AutomaticFailoverEnabled: true,
    });
    expect(validated).not.toHaveProperty('NumCacheClusters');
  });

  it('keeps 0 replicas per shard, still with failover', () => {
    const validated = acceptedRequest({
      ...requestFixture('minimal'),
      ClusterMode: 'enabled',
      ReplicasPerNodeGroup: 0,
    });

    expect(validated).toMatchObject({ ReplicasPerNodeGroup: 0, AutomaticFailoverEnabled: true });
  });

  it('lower-cases every id and says so in Notes', () => {
    // Prepare
    const request = requestFixture('rbac-redis');
    request.ReplicationGroupId = 'Orders-Cache';
    request.Rbac.UserGroupId = 'Orders';
    request.Rbac.Users[0].UserId = 'Orders-App';

    // Act
    const validated = acceptedRequest(request);

    // Assess
    expect(validated.ReplicationGroupId).toBe('orders-cache');
    expect(validated.Rbac?.UserGroupId).toBe('orders');
    expect(validated.Rbac?.Users[0]?.UserId).toBe('orders-app');
    expect(validated.UserGroupIds).toEqual(['orders']);
    expect(validated.Notes).toEqual(
      expect.arrayContaining([
        'ReplicationGroupId lower-cased to orders-cache (ElastiCache stores ids in lower case)',
        'Rbac.UserGroupId lower-cased to orders (ElastiCache stores ids in lower case)',
        'Rbac.Users[0].UserId lower-cased to orders-app (ElastiCache stores ids in lower case)',
      ]),
    );
  });

  it('forces in-transit encryption on when RBAC is used and the request leaves it out', () => {
    // Prepare
    const request = requestFixture('rbac-redis');

    // Act
    const validated = acceptedRequest(request);

    // Assess
    expect(validated.TransitEncryptionEnabled).toBe(true);
    expect(validated.Notes).toContain(
      'TransitEncryptionEnabled set to true: RBAC needs in-transit encryption',
    );
  });

  it('forces in-transit encryption on for existing user groups too', () => {
    const validated = acceptedRequest({ ...requestFixture('minimal'), UserGroupIds: ['Legacy-Group'] });

    expect(validated).toMatchObject({ TransitEncryptionEnabled: true, UserGroupIds: ['legacy-group'] });
  });

  it('adds a managed, switched-off default user to a redis group without DefaultUser', () => {
    // Prepare
    const request = requestFixture('rbac-redis');

    // Act
    const validated = acceptedRequest(request);

    // Assess
    expect(validated.Rbac).toEqual({
      UserGroupId: 'orders',
      Users: readJson('tests/fixtures/requests/rbac-redis-users-normalised.json'),
    });
    expect(validated.Notes).toContain(
      'Rbac.DefaultUser absent: the workflow manages orders-default (UserName default, "off -@all") so unauthenticated connections get nothing',
    );
  });

  it('names a given DefaultUser default and does not manage one', () => {
    // Prepare
    const request = requestFixture('rbac-redis');
    request.Rbac.DefaultUser = { UserId: 'Orders-Anonymous', AccessString: 'on ~public:* +get' };

    // Act
    const validated = acceptedRequest(request);

    // Assess
    const defaults = validated.Rbac?.Users.filter((user) => user.UserName === 'default');
    expect(defaults).toEqual([
      {
        UserId: 'orders-anonymous',
        UserName: 'default',
        AccessString: 'on ~public:* +get',
        AuthenticationType: 'password',
      },
    ]);
  });

  it('adds no default user to a valkey group', () => {
    const validated = acceptedRequest(requestFixture('cluster-enabled-valkey'));

    expect(validated.Rbac?.Users.map((user) => user.UserName)).toEqual(['app']);
  });

  it('attaches the Rbac group once when UserGroupIds names it too', () => {
    // Prepare
    const request = requestFixture('rbac-redis');
    request.UserGroupIds = ['ORDERS'];

    // Act
    const validated = acceptedRequest(request);

    // Assess
    expect(validated.UserGroupIds).toEqual(['orders']);
  });

  it('defaults users to password authentication', () => {
    // Prepare
    const request = requestFixture('rbac-redis');
    delete request.Rbac.Users[0].AuthenticationType;

    // Act
    const validated = acceptedRequest(request);

    // Assess
    expect(validated.Rbac?.Users[0]?.AuthenticationType).toBe('password');
  });

  it('notes a user whose access string does not switch it on', () => {
    // Prepare
    const request = requestFixture('rbac-redis');
    request.Rbac.Users[0].AccessString = '~orders:* +@read';

    // Act
    const validated = acceptedRequest(request);

    // Assess
    expect(validated.Notes).toContain(
      'Rbac.Users[0] (orders-app) has no "on" rule: the user is created switched off',
    );
  });

  it('fills the Polling settings the request leaves out', () => {
    const validated = acceptedRequest({
      ...requestFixture('minimal'),
      Polling: { TimeoutMinutes: 90, WaitSeconds: 30 },
    });

    expect(validated.Polling).toEqual({ ...POLLING_DEFAULTS, TimeoutMinutes: 90, WaitSeconds: 30 });
  });

  it('keeps the CorrelationId of the request', () => {
    const validated = acceptedRequest({ ...requestFixture('minimal'), CorrelationId: 'ticket OPS-1234' });

    expect(validated.CorrelationId).toBe('ticket OPS-1234');
  });

  it('leaves the engine version to be resolved when the request has none', () => {
    const validated = acceptedRequest(requestFixture('minimal'));

    expect(validated).not.toHaveProperty('EngineVersion');
    expect(validated).not.toHaveProperty('CacheParameterGroupFamily');
  });

  it('notes that more than 90 shards need a quota increase', () => {
    const validated = acceptedRequest({
      ...requestFixture('cluster-enabled-valkey'),
      NumNodeGroups: 120,
      ReplicasPerNodeGroup: 1,
    });

    expect(validated.Notes).toContain(
      'NumNodeGroups above 90 needs a raised ElastiCache quota (nodes per cluster) in the account',
    );
  });

  it('leaves the version rules to prepareRequest when the request names no version', () => {
    // Prepare
    const request = requestFixture('rbac-redis');
    delete request.EngineVersion;
    request.Rbac.Users[0].AccessString = 'on %R~orders:* &orders:* +config|get';

    // Act
    const result = validateRequest(request);

    // Assess
    expect(result).toMatchObject({ ok: true });
  });
});
