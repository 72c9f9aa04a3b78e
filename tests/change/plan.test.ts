import { describe, expect, it } from 'vitest';
import { planChange, shardsToRemove } from '../../shared/provision/change/plan';
import { slotCount } from '../../shared/provision/change/read';
import { clusterModeEnabledRequest, loadCurrent, replacedUserGroupRequest, requestOf } from './support';

const actions = (steps: { Action: string }[]) => steps.map((step) => step.Action);

describe('planChange', () => {
  it('plans nothing for a group that matches the request', () => {
    // Prepare
    const current = loadCurrent('current-rbac-redis');
    const request = requestOf('rbac-redis');

    // Act
    const plan = planChange(current, request);

    // Assess
    expect(plan).toEqual({ changes: [], steps: [], refused: [] });
  });

  it('adds replicas with IncreaseReplicaCount (cluster mode disabled counts the primary)', () => {
    const plan = planChange(
      loadCurrent('current-rbac-redis'),
      requestOf('rbac-redis', (r) => {
        r.NumCacheClusters = 4;
      }),
    );

    expect(plan.changes).toEqual([{ field: 'NumCacheClusters', current: 2, requested: 4 }]);
    expect(plan.steps).toEqual([
      expect.objectContaining({
        Action: 'IncreaseReplicaCount',
        Parameters: { ReplicationGroupId: 'orders-cache', NewReplicaCount: 3, ApplyImmediately: true },
      }),
    ]);
  });

  it('switches automatic failover off before removing the replica it needs', () => {
    const plan = planChange(
      loadCurrent('current-rbac-redis'),
      requestOf('rbac-redis', (r) => {
        r.NumCacheClusters = 1;
        r.AutomaticFailoverEnabled = false;
      }),
    );

    expect(actions(plan.steps)).toEqual(['ModifyReplicationGroup', 'DecreaseReplicaCount']);
    expect(plan.steps[0]?.Parameters).toEqual({
      ReplicationGroupId: 'orders-cache',
      AutomaticFailoverEnabled: false,
      ApplyImmediately: true,
    });
    expect(plan.steps[1]?.Parameters).toMatchObject({ NewReplicaCount: 0 });
  });

  it('switches Multi-AZ on only after the replicas it needs are added', () => {
    const current = {
      ...loadCurrent('current-rbac-redis'),
      NumCacheClusters: 1,
      AutomaticFailover: 'disabled',
    };
    const plan = planChange(
      current,
      requestOf('rbac-redis', (r) => {
        r.NumCacheClusters = 2;
        r.MultiAZEnabled = true;
      }),
    );

    expect(actions(plan.steps)).toEqual(['IncreaseReplicaCount', 'ModifyReplicationGroup']);
    expect(plan.steps[1]?.Parameters).toMatchObject({ AutomaticFailoverEnabled: true, MultiAZEnabled: true });
  });

  it('scales the node type up before adding nodes, and down only after removing them', () => {
    const up = planChange(
      loadCurrent('current-cluster-mode-enabled'),
      clusterModeEnabledRequest((r) => {
        r.CacheNodeType = 'cache.r7g.xlarge';
        r.NumNodeGroups = 5;
        r.ReplicasPerNodeGroup = 2;
      }),
    );
    const down = planChange(
      loadCurrent('current-cluster-mode-enabled'),
      clusterModeEnabledRequest((r) => {
        r.CacheNodeType = 'cache.t3.micro';
        r.NumNodeGroups = 3;
        r.ReplicasPerNodeGroup = 0;
      }),
    );

    expect(actions(up.steps)).toEqual([
      'ModifyReplicationGroup',
      'IncreaseReplicaCount',
      'ModifyReplicationGroupShardConfiguration',
    ]);
    expect(up.steps[0]?.Parameters).toMatchObject({ CacheNodeType: 'cache.r7g.xlarge' });
    expect(actions(down.steps)).toEqual([
      'ModifyReplicationGroupShardConfiguration',
      'DecreaseReplicaCount',
      'ModifyReplicationGroup',
    ]);
    expect(down.steps[2]?.Parameters).toMatchObject({ CacheNodeType: 'cache.t3.micro' });
  });

  it('adds shards with ModifyReplicationGroupShardConfiguration', () => {
    const plan = planChange(
      loadCurrent('current-cluster-mode-enabled'),
      clusterModeEnabledRequest((r) => {
        r.NumNodeGroups = 6;
      }),
    );

    expect(plan.changes).toEqual([{ field: 'NumNodeGroups', current: 4, requested: 6 }]);
    expect(plan.steps.map((step) => step.Parameters)).toEqual([
      { ReplicationGroupId: 'orders-cache', NodeGroupCount: 6, ApplyImmediately: true },
    ]);
  });

  it('removes the shards holding the fewest slots, so the fewest keys move', () => {
    const plan = planChange(
      loadCurrent('current-cluster-mode-enabled'),
      clusterModeEnabledRequest((r) => {
        r.NumNodeGroups = 2;
      }),
    );

    expect(plan.steps.map((step) => step.Parameters)).toEqual([
      {
        ReplicationGroupId: 'orders-cache',
        NodeGroupCount: 2,
        ApplyImmediately: true,
        NodeGroupsToRemove: ['0004', '0002'],
      },
    ]);
  });

  it('among shards of equal slots removes the most recently added', () => {
    const shards = [
      { NodeGroupId: '0001', SlotCount: 5462, Replicas: 1 },
      { NodeGroupId: '0002', SlotCount: 5461, Replicas: 1 },
      { NodeGroupId: '0003', SlotCount: 5461, Replicas: 1 },
    ];

    expect(shardsToRemove(shards, 1)).toEqual(['0003']);
  });

  it('counts the slots of a shard from the ranges ElastiCache reports', () => {
    expect(slotCount('0-5460')).toBe(5461);
    expect(slotCount('0-100,200-300,16383')).toBe(203);
    expect(slotCount(undefined)).toBe(0);
  });

  it('changes replicas per shard for every shard of a cluster-mode-enabled group', () => {
    const plan = planChange(
      loadCurrent('current-cluster-mode-enabled'),
      clusterModeEnabledRequest((r) => {
        r.ReplicasPerNodeGroup = 2;
      }),
    );

    expect(plan.changes).toEqual([{ field: 'ReplicasPerNodeGroup', current: 1, requested: 2 }]);
    expect(plan.steps[0]).toMatchObject({
      Action: 'IncreaseReplicaCount',
      Parameters: { NewReplicaCount: 2 },
    });
  });

  it('refuses every change ElastiCache cannot make in place, naming each field, and plans no call', () => {
    // Prepare: cluster mode enabled -> disabled, at-rest encryption off, another subnet group, a downgrade.
    const current = { ...loadCurrent('current-cluster-mode-enabled'), EngineVersion: '7.1.0' };
    const request = requestOf('no-rbac', (r) => {
      r.AtRestEncryptionEnabled = false;
      r.CacheSubnetGroupName = 'private';
      r.EngineVersion = '7.0';
      r.NumCacheClusters = 3;
    });

    // Act
    const plan = planChange(current, request);

    // Assess
    expect(plan.refused.map((item) => item.field)).toEqual([
      'ClusterMode',
      'AtRestEncryptionEnabled',
      'CacheSubnetGroupName',
      'EngineVersion',
    ]);
    expect(plan.refused.find((item) => item.field === 'ClusterMode')?.reason).toMatch(
      /cannot turn cluster mode off/,
    );
    expect(plan.steps).toEqual([]);
  });

  it('upgrades the engine version with the parameter group of the new family in the same call', () => {
    const current = {
      ...loadCurrent('current-rbac-redis'),
      EngineVersion: '6.2.6',
      CacheParameterGroupName: 'default.redis6.x',
    };

    const plan = planChange(current, requestOf('rbac-redis'));

    expect(plan.changes).toEqual([
      { field: 'EngineVersion', current: '6.2.6', requested: '7.1' },
      { field: 'CacheParameterGroupName', current: 'default.redis6.x', requested: 'default.redis7' },
    ]);
    expect(plan.steps).toEqual([
      expect.objectContaining({
        Action: 'ModifyReplicationGroup',
        Parameters: {
          ReplicationGroupId: 'orders-cache',
          EngineVersion: '7.1',
          CacheParameterGroupName: 'default.redis7',
          ApplyImmediately: true,
        },
      }),
    ]);
  });

  it('reads a patch level ElastiCache reports as the major.minor the request names', () => {
    const current = { ...loadCurrent('current-rbac-redis'), EngineVersion: '7.1.2' };

    expect(planChange(current, requestOf('rbac-redis')).changes).toEqual([]);
  });

  it('upgrades Redis OSS to Valkey in place and refuses the way back', () => {
    const redis = loadCurrent('current-rbac-redis');
    const toValkey = requestOf('rbac-redis', (r) => {
      r.Engine = 'valkey';
      r.EngineVersion = '8.0';
      r.CacheParameterGroupFamily = 'valkey8';
    });
    const valkey = {
      ...redis,
      Engine: 'valkey',
      EngineVersion: '8.0.1',
      CacheParameterGroupName: 'default.valkey8',
    };

    const upgrade = planChange(redis, toValkey);
    const back = planChange(valkey, requestOf('rbac-redis'));

    expect(upgrade.refused).toEqual([]);
    expect(upgrade.steps.find((step) => step.Parameters.Engine === 'valkey')?.Parameters).toMatchObject({
      Engine: 'valkey',
      EngineVersion: '8.0',
      CacheParameterGroupName: 'default.valkey8',
    });
    expect(back.refused).toEqual([
      expect.objectContaining({ field: 'Engine', reason: expect.stringMatching(/back to Redis OSS/) }),
    ]);
  });

  it('puts settings that move no data into one ModifyReplicationGroup call', () => {
    const plan = planChange(
      loadCurrent('current-rbac-redis'),
      requestOf('rbac-redis', (r) => {
        r.ReplicationGroupDescription = 'Orders cache (EU)';
        r.SnapshotRetentionLimit = 7;
        r.SecurityGroupIds = ['sg-0456'];
      }),
    );

    expect(plan.steps).toEqual([
      expect.objectContaining({
        Action: 'ModifyReplicationGroup',
        Parameters: {
          ReplicationGroupId: 'orders-cache',
          ReplicationGroupDescription: 'Orders cache (EU)',
          SnapshotRetentionLimit: 7,
          SecurityGroupIds: ['sg-0456'],
          ApplyImmediately: true,
        },
      }),
    ]);
  });

  it('creates a new user, changes an access string, adds it, and deletes a user no longer requested', () => {
    // Prepare: orders-iam is no longer requested, orders-report is new, app gets another access string.
    const request = requestOf('rbac-redis', (r) => {
      const users = r.Rbac?.Users ?? [];
      r.Rbac = {
        UserGroupId: 'orders',
        Users: [
          ...users
            .filter((u) => u.UserId !== 'orders-iam')
            .map((u) => (u.UserId === 'orders-app' ? { ...u, AccessString: 'on ~app:* -@all +@read' } : u)),
          {
            UserId: 'orders-report',
            UserName: 'report',
            AccessString: 'on ~* +@read',
            AuthenticationType: 'password',
          },
        ],
      };
    });

    // Act
    const plan = planChange(loadCurrent('current-rbac-redis'), request);

    // Assess
    expect(actions(plan.steps)).toEqual(['CreateUser', 'ModifyUser', 'ModifyUserGroup', 'DeleteUser']);
    expect(plan.steps[1]?.Parameters).toEqual({
      UserId: 'orders-app',
      AccessString: 'on ~app:* -@all +@read',
    });
    expect(plan.steps[2]?.Parameters).toEqual({ UserGroupId: 'orders', UserIdsToAdd: ['orders-report'] });
    expect(plan.steps[3]?.Parameters).toEqual({ UserId: 'orders-iam' });
    expect(plan.changes.map((c) => c.field)).toEqual([
      'Rbac.Users[orders-app].AccessString',
      'Rbac.Users[orders-report]',
      'Rbac.Users[orders-iam]',
    ]);
    expect(JSON.stringify(plan)).not.toMatch(/Passwords/);
  });

  it('keeps a removed user that another group uses or that the provisioner did not create', () => {
    const current = loadCurrent('current-rbac-redis');
    const [app, iam, defaultUser] = current.Users;
    if (!app || !iam || !defaultUser) throw new Error('fixture has three users');
    current.Users = [app, { ...iam, UserGroupIds: ['orders', 'reports'] }, defaultUser];
    const notOurs = loadCurrent('current-rbac-redis');
    notOurs.Users = notOurs.Users.map((u) => (u.UserId === 'orders-iam' ? { ...u, Managed: false } : u));
    const request = requestOf('rbac-redis', (r) => {
      if (r.Rbac) r.Rbac.Users = r.Rbac.Users.filter((u) => u.UserId !== 'orders-iam');
    });

    expect(actions(planChange(current, request).steps)).toEqual(['ModifyUserGroup']);
    expect(actions(planChange(notOurs, request).steps)).toEqual(['ModifyUserGroup']);
  });

  it('deletes a user an earlier step took out of the group once it is in no group', () => {
    const current = loadCurrent('current-rbac-redis');
    const request = requestOf('rbac-redis', (r) => {
      if (r.Rbac) r.Rbac.Users = r.Rbac.Users.filter((u) => u.UserId !== 'orders-iam');
    });
    if (current.UserGroup) current.UserGroup.UserIds = ['orders-app', 'orders-default'];
    current.Users = current.Users.map((u) => (u.UserId === 'orders-iam' ? { ...u, UserGroupIds: [] } : u));

    const plan = planChange(current, request);

    expect(plan.steps).toEqual([
      expect.objectContaining({ Action: 'DeleteUser', Parameters: { UserId: 'orders-iam' } }),
    ]);
  });

  it('swaps the default user in one ModifyUserGroup call, deleting the old one once it has left', () => {
    // Prepare: the request now names its own default user instead of the managed one.
    const request = requestOf('rbac-redis', (r) => {
      if (!r.Rbac) return;
      r.Rbac.Users = r.Rbac.Users.map((u) =>
        u.ManagedDefault
          ? {
              UserId: 'orders-guest',
              UserName: 'default',
              AccessString: 'on ~public:* +get',
              AuthenticationType: 'password',
            }
          : u,
      );
    });
    const current = loadCurrent('current-rbac-redis');
    current.Users.push({
      UserId: 'orders-guest',
      UserName: 'default',
      AccessString: 'on ~public:* +get',
      AuthenticationType: 'password',
      Status: 'active',
      UserGroupIds: [],
      Managed: true,
    });

    // Act
    const swap = planChange(current, request);
    if (current.UserGroup) current.UserGroup.UserIds = ['orders-app', 'orders-iam', 'orders-guest'];
    current.Users = current.Users.map((u) =>
      u.UserId === 'orders-default' ? { ...u, UserGroupIds: [] } : u,
    );
    const after = planChange(current, request);

    // Assess
    expect(swap.steps.map((s) => [s.Action, s.Parameters])).toEqual([
      [
        'ModifyUserGroup',
        { UserGroupId: 'orders', UserIdsToAdd: ['orders-guest'], UserIdsToRemove: ['orders-default'] },
      ],
    ]);
    expect(after.steps.map((s) => [s.Action, s.Parameters])).toEqual([
      [
        'DeleteSecret',
        { SecretId: 'elasticache-provisioner/orders/orders-default', ForceDeleteWithoutRecovery: true },
      ],
      ['DeleteUser', { UserId: 'orders-default' }],
    ]);
  });

  it('attaches a new user group and detaches the old one', () => {
    const current = loadCurrent('current-rbac-redis');
    delete current.UserGroup;
    const request = requestOf('rbac-redis', (r) => {
      if (r.Rbac) r.Rbac.UserGroupId = 'orders-v2';
      r.UserGroupIds = ['orders-v2'];
    });

    const plan = planChange(current, request);

    expect(actions(plan.steps)).toEqual(['CreateUserGroup', 'ModifyReplicationGroup']);
    expect(plan.steps[1]?.Parameters).toEqual({
      ReplicationGroupId: 'orders-cache',
      UserGroupIdsToAdd: ['orders-v2'],
      UserGroupIdsToRemove: ['orders'],
      ApplyImmediately: true,
    });
  });

  it("sets and removes the request's tags, never the provisioner's own or AWS's", () => {
    const current = loadCurrent('current-rbac-redis');
    current.Tags.push(
      { Key: 'cost-centre', Value: '42' },
      { Key: 'aws:cloudformation:stack-name', Value: 's' },
    );
    const request = requestOf('rbac-redis', (r) => {
      r.Tags = [
        { Key: 'team', Value: 'payments' },
        { Key: 'managed-by', Value: 'someone-else' },
      ];
    });

    const plan = planChange(current, request);

    expect(plan.steps.map((s) => [s.Action, s.Parameters])).toEqual([
      ['AddTagsToResource', { ResourceName: current.ARN, Tags: [{ Key: 'team', Value: 'payments' }] }],
      ['RemoveTagsFromResource', { ResourceName: current.ARN, TagKeys: ['cost-centre'] }],
    ]);
  });

  it('refuses any change to a group the provisioner did not create', () => {
    const current = { ...loadCurrent('current-rbac-redis'), Managed: false };

    const plan = planChange(
      current,
      requestOf('rbac-redis', (r) => {
        r.NumCacheClusters = 3;
      }),
    );

    expect(plan.refused).toEqual([
      expect.objectContaining({
        field: 'NumCacheClusters',
        reason: expect.stringMatching(/not created by the provisioner/),
      }),
    ]);
    expect(plan.steps).toEqual([]);
  });

  it('adopts a group the provisioner did not create when it already matches', () => {
    const current = { ...loadCurrent('current-rbac-redis'), Managed: false };

    expect(planChange(current, requestOf('rbac-redis'))).toEqual({ changes: [], steps: [], refused: [] });
  });

  it('orders a change of everything at once: users, deletions, settings, upgrade, growth, shrink, tags', () => {
    const current = {
      ...loadCurrent('current-rbac-redis'),
      EngineVersion: '7.0.7',
      NumCacheClusters: 3,
      MultiAZ: 'enabled',
    };
    const request = requestOf('rbac-redis', (r) => {
      r.SnapshotRetentionLimit = 1;
      r.CacheNodeType = 'cache.t3.micro';
      r.NumCacheClusters = 2;
      r.Tags = [];
      if (r.Rbac) r.Rbac.Users = r.Rbac.Users.filter((u) => u.UserId !== 'orders-iam');
    });

    const plan = planChange(current, request);

    expect(plan.steps.map((s) => `${s.Action} ${Object.keys(s.Parameters).join(',')}`)).toEqual([
      'DeleteUser UserId',
      'ModifyReplicationGroup ReplicationGroupId,SnapshotRetentionLimit,ApplyImmediately',
      'ModifyReplicationGroup ReplicationGroupId,EngineVersion,ApplyImmediately',
      'ModifyReplicationGroup ReplicationGroupId,MultiAZEnabled,ApplyImmediately',
      'DecreaseReplicaCount ReplicationGroupId,NewReplicaCount,ApplyImmediately',
      'ModifyReplicationGroup ReplicationGroupId,CacheNodeType,ApplyImmediately',
      'RemoveTagsFromResource ResourceName,TagKeys',
    ]);
  });
});

describe('planChange: what a change deletes', () => {
  const secretOf = (userGroupId: string, userId: string) => ({
    SecretId: `elasticache-provisioner/${userGroupId}/${userId}`,
    ForceDeleteWithoutRecovery: true,
  });
  const withoutUser = (userId: string) =>
    requestOf('rbac-redis', (r) => {
      if (r.Rbac) r.Rbac.Users = r.Rbac.Users.filter((u) => u.UserId !== userId);
    });

  /** orders-cache moved from user group `orders` to `orders-v2`, which holds orders-app and its own default user. */
  function replacedGroup() {
    const current = loadCurrent('current-rbac-redis');
    current.UserGroup = {
      UserGroupId: 'orders-v2',
      Status: 'active',
      Engine: 'redis',
      UserIds: ['orders-app', 'orders-v2-default'],
    };
    current.DetachedUserGroups = [
      {
        UserGroupId: 'orders',
        Exists: true,
        Status: 'active',
        Managed: true,
        ReplicationGroupIds: ['orders-cache'],
        UserIds: ['orders-app', 'orders-iam', 'orders-default'],
        DefaultUserId: 'orders-default',
      },
    ];
    current.Users = current.Users.map((u) =>
      u.UserId === 'orders-app' ? { ...u, UserGroupIds: ['orders', 'orders-v2'] } : u,
    );
    current.Users.push({
      UserId: 'orders-v2-default',
      UserName: 'default',
      AccessString: 'off -@all',
      AuthenticationType: 'password',
      Status: 'active',
      UserGroupIds: ['orders-v2'],
      Managed: true,
    });
    return { current, request: replacedUserGroupRequest() };
  }

  it('deletes the generated password secret of a user it deletes, right before the user', () => {
    const plan = planChange(loadCurrent('current-rbac-redis'), withoutUser('orders-app'));

    expect(plan.steps.map((s) => [s.Action, s.Parameters])).toEqual([
      ['DeleteSecret', secretOf('orders', 'orders-app')],
      ['DeleteUser', { UserId: 'orders-app' }],
    ]);
    expect(plan.steps[0]?.Reason).toMatch(/if the provisioner created it for orders-cache/);
  });

  it('keeps the secret of a user that only leaves the group, and plans none for an IAM user', () => {
    const current = loadCurrent('current-rbac-redis');
    current.Users = current.Users.map((u) =>
      u.UserId === 'orders-app' ? { ...u, UserGroupIds: ['orders', 'reports'] } : u,
    );

    const leaving = planChange(current, withoutUser('orders-app'));
    const iam = planChange(loadCurrent('current-rbac-redis'), withoutUser('orders-iam'));

    expect(actions(leaving.steps)).toEqual(['ModifyUserGroup']);
    expect(actions(iam.steps)).toEqual(['DeleteUser']);
  });

  it('deletes a replaced user group once detached, with the users only it held, its default user last', () => {
    const { current, request } = replacedGroup();

    const plan = planChange(current, request);

    expect(plan.steps.map((s) => [s.Action, s.Parameters])).toEqual([
      [
        'ModifyReplicationGroup',
        {
          ReplicationGroupId: 'orders-cache',
          UserGroupIdsToAdd: ['orders-v2'],
          UserGroupIdsToRemove: ['orders'],
          ApplyImmediately: true,
        },
      ],
      ['DeleteUser', { UserId: 'orders-iam' }],
      ['DeleteUserGroup', { UserGroupId: 'orders' }],
      ['DeleteSecret', secretOf('orders', 'orders-default')],
      ['DeleteUser', { UserId: 'orders-default' }],
    ]);
    expect(plan.changes).toEqual([
      { field: 'UserGroupIds', current: ['orders'], requested: ['orders-v2'] },
      { field: 'UserGroup[orders]', current: 'attached to orders-cache', requested: null },
      { field: 'Rbac.Users[orders-iam]', current: 'member of orders', requested: null },
      { field: 'Rbac.Users[orders-default]', current: 'member of orders', requested: null },
    ]);
    expect(plan.detached).toEqual([{ UserGroupId: 'orders', DefaultUserId: 'orders-default' }]);
  });

  it('deletes the default user of a replaced group the tag remembers once the group is gone', () => {
    const { current, request } = replacedGroup();
    current.UserGroupIds = ['orders-v2'];
    current.DetachedUserGroups = [
      {
        UserGroupId: 'orders',
        Exists: false,
        Managed: false,
        ReplicationGroupIds: [],
        UserIds: [],
        DefaultUserId: 'orders-default',
      },
    ];
    current.Users = current.Users.flatMap((u) => {
      if (u.UserId === 'orders-iam') return [];
      return [{ ...u, UserGroupIds: u.UserGroupIds.filter((g) => g !== 'orders') }];
    });

    const plan = planChange(current, request);

    expect(plan.steps.map((s) => [s.Action, s.Parameters])).toEqual([
      ['DeleteSecret', secretOf('orders', 'orders-default')],
      ['DeleteUser', { UserId: 'orders-default' }],
    ]);
  });

  it.each([
    ['was not created by the provisioner', { Managed: false }],
    ['is attached to another replication group', { ReplicationGroupIds: ['orders-cache', 'reports-cache'] }],
  ])('only detaches a replaced user group that %s', (_, overrides) => {
    const { current, request } = replacedGroup();
    const [detached] = current.DetachedUserGroups ?? [];
    if (detached) Object.assign(detached, overrides);

    const plan = planChange(current, request);

    expect(actions(plan.steps)).toEqual(['ModifyReplicationGroup']);
    expect(plan.detached).toBeUndefined();
  });
});
