import {
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  CreateUserCommand,
  type CreateUserCommandInput,
  CreateUserGroupCommand,
  type CreateUserGroupCommandInput,
  DeleteReplicationGroupCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  InvalidReplicationGroupStateFault,
  InvalidUserGroupStateFault,
  ListTagsForResourceCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  ReplicationGroupAlreadyExistsFault,
  ReplicationGroupNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import { startStandIn } from '../../local/standin';
import {
  completePending,
  expectTwoPages,
  fixture,
  rejectionOf,
  sdkClients,
  serviceError,
  standInForTests,
  startTestStandIn,
} from './helpers';

const groups = fixture<Record<string, CreateReplicationGroupCommandInput>>('replication-groups.json');
const rbacInputs =
  fixture<Record<string, CreateUserCommandInput & CreateUserGroupCommandInput>>('users.json');
const invalidRequests = fixture<
  { rule: string; request: Partial<CreateReplicationGroupCommandInput>; error: string }[]
>('invalid-replication-groups.json');
const replicationGroup = (name: string) =>
  structuredClone(groups[name]) as CreateReplicationGroupCommandInput;

const env = standInForTests();

async function describeGroup(replicationGroupId: string) {
  const { ReplicationGroups } = await env.elastiCache.send(
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
  );
  return ReplicationGroups?.[0];
}

/** The `orders` redis user group (app + default user), `cart` valkey group and `orders-iam` group, all active. */
async function createUserGroups() {
  for (const name of ['app', 'groupDefault', 'iam', 'valkeyApp']) {
    await env.elastiCache.send(
      new CreateUserCommand(structuredClone(rbacInputs[name]) as CreateUserCommandInput),
    );
  }
  for (const name of ['group', 'valkeyGroup']) {
    await env.elastiCache.send(
      new CreateUserGroupCommand(structuredClone(rbacInputs[name]) as CreateUserGroupCommandInput),
    );
  }
  await env.elastiCache.send(
    new CreateUserGroupCommand({
      UserGroupId: 'orders-iam',
      Engine: 'redis',
      UserIds: ['orders-iam', 'orders-default'],
    }),
  );
  await completePending(env);
}

describe('CreateReplicationGroup, cluster mode disabled', () => {
  it('is creating, then available with primary and reader endpoints', async () => {
    // Act
    const { ReplicationGroup: created } = await env.elastiCache.send(
      new CreateReplicationGroupCommand(replicationGroup('disabled')),
    );
    await completePending(env);
    const available = await describeGroup('orders-cache');

    // Assess
    expect(created).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      Status: 'creating',
      MemberClusters: ['orders-cache-001', 'orders-cache-002', 'orders-cache-003'],
    });
    expect(created?.NodeGroups?.[0]?.PrimaryEndpoint).toBeUndefined();
    expect(available).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      Description: 'Orders cache',
      Status: 'available',
      ClusterEnabled: false,
      ClusterMode: 'disabled',
      AutomaticFailover: 'enabled',
      MultiAZ: 'enabled',
      CacheNodeType: 'cache.t3.small',
      Engine: 'redis',
      SnapshotRetentionLimit: 30,
      TransitEncryptionEnabled: false,
      AtRestEncryptionEnabled: false,
      UserGroupIds: [],
      MemberClusters: ['orders-cache-001', 'orders-cache-002', 'orders-cache-003'],
      ARN: 'arn:aws:elasticache:us-east-1:000000000000:replicationgroup:orders-cache',
    });
    expect(available?.ConfigurationEndpoint).toBeUndefined();
    const [nodeGroup] = available?.NodeGroups ?? [];
    expect(nodeGroup).toMatchObject({
      NodeGroupId: '0001',
      Status: 'available',
      PrimaryEndpoint: { Address: '127.0.0.1', Port: expect.any(Number) },
      ReaderEndpoint: { Address: '127.0.0.1', Port: expect.any(Number) },
    });
    expect(nodeGroup?.NodeGroupMembers?.map((m) => [m.CacheClusterId, m.CurrentRole])).toEqual([
      ['orders-cache-001', 'primary'],
      ['orders-cache-002', 'replica'],
      ['orders-cache-003', 'replica'],
    ]);
    expect(nodeGroup?.NodeGroupMembers?.[1]?.ReadEndpoint).toEqual({
      Address: '127.0.0.1',
      Port: expect.any(Number),
    });
  });

  it('keeps the tags given at creation', async () => {
    // Prepare
    const { ReplicationGroup } = await env.elastiCache.send(
      new CreateReplicationGroupCommand(replicationGroup('disabled')),
    );

    // Act
    const { TagList } = await env.elastiCache.send(
      new ListTagsForResourceCommand({ ResourceName: ReplicationGroup?.ARN }),
    );

    // Assess
    expect(TagList).toEqual([
      { Key: 'team', Value: 'orders' },
      { Key: 'env', Value: 'test' },
    ]);
  });

  it('starts the nodes with the shape of the request and the default user open', async () => {
    // Act
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('disabled')));
    await completePending(env);

    // Assess
    const nodes = env.nodes.groups.get('orders-cache');
    expect(nodes?.spec).toMatchObject({ clusterMode: 'disabled', numCacheClusters: 3, tls: false });
    expect(nodes?.users).toBeUndefined();
  });
});

describe('CreateReplicationGroup, cluster mode enabled', () => {
  it('is available with a configuration endpoint and shards owning slot ranges', async () => {
    // Act
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('enabled')));
    await completePending(env);
    const available = await describeGroup('sessions');

    // Assess
    expect(available).toMatchObject({
      Status: 'available',
      ClusterEnabled: true,
      ClusterMode: 'enabled',
      Engine: 'valkey',
      AutomaticFailover: 'enabled',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      ConfigurationEndpoint: { Address: '127.0.0.1', Port: expect.any(Number) },
    });
    expect(available?.NodeGroups?.map((g) => [g.NodeGroupId, g.Slots, g.NodeGroupMembers?.length])).toEqual([
      ['0001', '0-5460', 2],
      ['0002', '5461-10922', 2],
      ['0003', '10923-16383', 2],
    ]);
    expect(available?.MemberClusters).toEqual([
      'sessions-0001-001',
      'sessions-0001-002',
      'sessions-0002-001',
      'sessions-0002-002',
      'sessions-0003-001',
      'sessions-0003-002',
    ]);
    expect(env.nodes.groups.get('sessions')?.spec).toMatchObject({
      clusterMode: 'enabled',
      numNodeGroups: 3,
      replicasPerNodeGroup: 1,
      tls: true,
    });
  });
});

describe('CreateReplicationGroup, progression', () => {
  it('becomes available only once the nodes are up', async () => {
    // Prepare
    await env.standIn.close();
    Object.assign(env, await startTestStandIn({}, { startMs: 100 }));

    // Act
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('disabled')));
    env.clock.tick(5_000);
    const beforeNodes = await describeGroup('orders-cache');
    await env.standIn.settle();
    const afterNodes = await describeGroup('orders-cache');

    // Assess
    expect(beforeNodes?.Status).toBe('creating');
    expect(afterNodes?.Status).toBe('available');
  });

  it('ends create-failed when the nodes cannot start', async () => {
    // Prepare
    await env.standIn.close();
    Object.assign(env, await startTestStandIn({}, { failStart: () => new Error('no free port') }));

    // Act
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('disabled')));
    await completePending(env);
    const failed = await describeGroup('orders-cache');

    const { Events } = await env.elastiCache.send(
      new DescribeEventsCommand({ SourceType: 'replication-group', SourceIdentifier: 'orders-cache' }),
    );

    // Assess
    expect(failed?.Status).toBe('create-failed');
    expect(env.standIn.state.replicationGroups.get('orders-cache')?.failureReason).toBe('no free port');
    expect(Events?.map((event) => event.Message)).toEqual([
      'Failed to create replication group orders-cache: no free port',
    ]);
    expect(Events?.[0]?.Date).toBeInstanceOf(Date);
  });

  it('goes from creating to available on real time with short delays', async () => {
    // Prepare
    // Long enough that the first read lands before it even on a loaded machine.
    const standIn = await startStandIn({ delays: { replicationGroupCreateMs: 1_000 } });
    const { elastiCache } = sdkClients(standIn);
    const seen: string[] = [];

    try {
      // Act
      await elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('disabled')));
      const deadline = Date.now() + 5_000;
      while (!seen.includes('available') && Date.now() < deadline) {
        const { ReplicationGroups } = await elastiCache.send(
          new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'orders-cache' }),
        );
        seen.push(ReplicationGroups?.[0]?.Status ?? 'missing');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await standIn.close();
    }

    // Assess
    expect(seen[0]).toBe('creating');
    expect(seen.at(-1)).toBe('available');
  });

  it('rejects an existing id with ReplicationGroupAlreadyExistsFault', async () => {
    // Prepare
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('disabled')));

    // Act
    const creating = env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('disabled')));

    // Assess
    await expect(creating).rejects.toBeInstanceOf(ReplicationGroupAlreadyExistsFault);
  });
});

describe("CreateReplicationGroup, ElastiCache's own checks", () => {
  beforeEach(createUserGroups);

  it.each(invalidRequests)('refuses a request where $rule', async ({ request, error }) => {
    // Act
    const creating = env.elastiCache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'checked',
        ReplicationGroupDescription: 'Checked',
        ...request,
      }),
    );

    // Assess
    await expect(creating).rejects.toMatchObject({ name: error });
  });

  it('accepts the optional settings and reports them as DescribeReplicationGroups does', async () => {
    // Prepare
    const logDelivery = {
      LogType: 'slow-log' as const,
      DestinationType: 'cloudwatch-logs' as const,
      DestinationDetails: { CloudWatchLogsDetails: { LogGroup: '/elasticache/orders' } },
      LogFormat: 'json' as const,
    };

    // Act
    await env.elastiCache.send(
      new CreateReplicationGroupCommand({
        ...replicationGroup('disabled'),
        ClusterMode: 'compatible',
        CacheNodeType: 'cache.r6gd.xlarge',
        DataTieringEnabled: true,
        AtRestEncryptionEnabled: true,
        KmsKeyId: 'alias/orders-cache',
        PreferredMaintenanceWindow: 'sun:03:00-sun:04:00',
        SnapshotWindow: '05:00-06:00',
        NotificationTopicArn: 'arn:aws:sns:eu-west-1:123456789012:cache-events',
        Port: 6380,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'preferred',
        AutoMinorVersionUpgrade: false,
        SnapshotArns: ['arn:aws:s3:::orders-backups/orders.rdb'],
        NetworkType: 'dual_stack',
        IpDiscovery: 'ipv6',
        LogDeliveryConfigurations: [logDelivery],
      }),
    );

    // Assess
    expect(await describeGroup('orders-cache')).toMatchObject({
      ClusterMode: 'compatible',
      CacheNodeType: 'cache.r6gd.xlarge',
      DataTiering: 'enabled',
      KmsKeyId: 'alias/orders-cache',
      SnapshotWindow: '05:00-06:00',
      TransitEncryptionMode: 'preferred',
      AutoMinorVersionUpgrade: false,
      NetworkType: 'dual_stack',
      IpDiscovery: 'ipv6',
      LogDeliveryConfigurations: [{ ...logDelivery, Status: 'active' }],
    });
  });

  it('refuses a user group that is not active yet', async () => {
    // Prepare
    await env.elastiCache.send(
      new ModifyUserGroupCommand({ UserGroupId: 'orders', UserIdsToRemove: ['orders-app'] }),
    );

    // Act
    const error = await rejectionOf(
      env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('rbac'))),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidUserGroupStateFault);
    expect(error.name).toBe('InvalidUserGroupStateFault');
  });
});

describe('RBAC on the nodes', () => {
  beforeEach(createUserGroups);

  it("gives every node the user group's users, its default user replacing the node's", async () => {
    // Act
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('rbac')));
    await completePending(env);

    // Assess
    expect((await describeGroup('orders-rbac'))?.UserGroupIds).toEqual(['orders']);
    expect(env.nodes.groups.get('orders-rbac')?.users).toEqual([
      {
        userName: 'app',
        accessString: 'on ~app:* -@all +@read +@write',
        passwords: ['app-password-0123456789', 'app-password-second-0001'],
        authenticationType: 'password',
      },
      { userName: 'default', accessString: 'off -@all', passwords: [], authenticationType: 'no-password' },
    ]);
  });

  it('switches the default user off when a valkey user group has none', async () => {
    // Act
    await env.elastiCache.send(
      new CreateReplicationGroupCommand({ ...replicationGroup('enabled'), UserGroupIds: ['cart'] }),
    );
    await completePending(env);

    // Assess
    expect(env.nodes.groups.get('sessions')?.users?.map((u) => [u.userName, u.accessString])).toEqual([
      ['app', 'on ~cart:* -@all +@read +@write'],
      ['default', 'off -@all'],
    ]);
  });

  it('applies users added to an attached user group before the group is active again', async () => {
    // Prepare
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('rbac')));
    await completePending(env);
    await env.elastiCache.send(
      new CreateUserCommand(structuredClone(rbacInputs.reporting) as CreateUserCommandInput),
    );
    await completePending(env);

    // Act
    await env.elastiCache.send(
      new ModifyUserGroupCommand({ UserGroupId: 'orders', UserIdsToAdd: ['orders-reporting'] }),
    );
    const namesWhileModifying = env.nodes.groups.get('orders-rbac')?.users?.map((u) => u.userName);
    env.clock.tick(1_000);
    await env.standIn.advance();

    // Assess
    expect(namesWhileModifying).toEqual(['app', 'default']);
    expect(env.standIn.state.userGroups.get('orders')?.status).toBe('active');
    expect(env.nodes.groups.get('orders-rbac')?.users?.map((u) => u.userName)).toEqual([
      'app',
      'default',
      'reporting',
    ]);
  });

  it("applies a user's new access string to the nodes", async () => {
    // Prepare
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('rbac')));
    await completePending(env);

    // Act
    await env.elastiCache.send(
      new ModifyUserCommand({ UserId: 'orders-app', AccessString: 'on ~app:* -@all +get' }),
    );
    await completePending(env);

    // Assess
    const app = env.nodes.groups.get('orders-rbac')?.users?.find((u) => u.userName === 'app');
    expect(app?.accessString).toBe('on ~app:* -@all +get');
  });

  it('gives the default user the AUTH token when there is no user group', async () => {
    // Act
    await env.elastiCache.send(
      new CreateReplicationGroupCommand({
        ...replicationGroup('disabled'),
        TransitEncryptionEnabled: true,
        AuthToken: 'an-auth-token-0123456789',
      }),
    );
    await completePending(env);

    // Assess
    expect((await describeGroup('orders-cache'))?.AuthTokenEnabled).toBe(true);
    expect(env.nodes.groups.get('orders-cache')?.users).toEqual([
      {
        userName: 'default',
        accessString: 'on ~* &* +@all',
        passwords: ['an-auth-token-0123456789'],
        authenticationType: 'password',
      },
    ]);
  });
});

describe('DescribeReplicationGroups', () => {
  it('answers ReplicationGroupNotFoundFault (HTTP 404) for an unknown id', async () => {
    // Act
    const describing = env.elastiCache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'nothing' }),
    );

    // Assess
    await serviceError(describing, ReplicationGroupNotFoundFault, 404);
  });

  it('pages through replication groups with Marker and MaxRecords', async () => {
    // Prepare
    for (let i = 0; i < 21; i++) {
      await env.elastiCache.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: `cache-${i}`,
          ReplicationGroupDescription: 'Paged',
        }),
      );
    }

    // Act, Assess
    await expectTwoPages(
      (paging) => env.elastiCache.send(new DescribeReplicationGroupsCommand(paging)),
      (page) => page.ReplicationGroups?.map((g) => g.ReplicationGroupId),
      'cache-20',
    );
  });
});

describe('DeleteReplicationGroup', () => {
  it('is deleting, then gone, its nodes stopped', async () => {
    // Prepare
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('disabled')));
    await completePending(env);

    // Act
    const { ReplicationGroup } = await env.elastiCache.send(
      new DeleteReplicationGroupCommand({ ReplicationGroupId: 'orders-cache' }),
    );
    await completePending(env);
    const describing = env.elastiCache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'orders-cache' }),
    );

    // Assess
    expect(ReplicationGroup?.Status).toBe('deleting');
    await expect(describing).rejects.toBeInstanceOf(ReplicationGroupNotFoundFault);
    expect(env.nodes.groups.get('orders-cache')?.stopped).toBe(true);
    expect(env.standIn.state.events.map((event) => event.message)).toEqual([
      'Replication group orders-cache created',
      'Replication group orders-cache deleted',
    ]);
  });

  it('refuses to delete a replication group that is still creating', async () => {
    // Prepare
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('disabled')));

    // Act
    const deleting = env.elastiCache.send(
      new DeleteReplicationGroupCommand({ ReplicationGroupId: 'orders-cache' }),
    );

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(InvalidReplicationGroupStateFault);
  });

  it('answers ReplicationGroupNotFoundFault for an unknown id', async () => {
    // Act
    const deleting = env.elastiCache.send(
      new DeleteReplicationGroupCommand({ ReplicationGroupId: 'nothing' }),
    );

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(ReplicationGroupNotFoundFault);
  });
});

describe('close', () => {
  it('stops the nodes of every replication group', async () => {
    // Prepare
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('disabled')));
    await env.elastiCache.send(new CreateReplicationGroupCommand(replicationGroup('enabled')));
    await env.standIn.settle();

    // Act
    await env.standIn.close();

    // Assess
    expect([...env.nodes.groups.values()].map((group) => group.stopped)).toEqual([true, true]);
  });
});
