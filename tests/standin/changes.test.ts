import {
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  CreateUserCommand,
  CreateUserGroupCommand,
  DecreaseReplicaCountCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
} from '@aws-sdk/client-elasticache';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJson } from '../support/fixtures';
import { completePending, fixture, rejectionOf, startTestStandIn, type TestStandIn } from './helpers';

interface Refusal {
  case: string;
  group: string;
  command: keyof typeof COMMANDS;
  input: Record<string, unknown>;
  code: string;
}

interface UserRefusal {
  case: string;
  command: 'ModifyUser' | 'ModifyUserGroup';
  input: Record<string, unknown>;
  code: string;
}

const changes = fixture<{
  groups: Record<string, CreateReplicationGroupCommandInput>;
  refusals: Refusal[];
  userRefusals: UserRefusal[];
}>('changes.json');

/** Sends each change command with a fixture's input. */
const COMMANDS = {
  ModifyReplicationGroup: (input: object) =>
    env.elastiCache.send(new ModifyReplicationGroupCommand(input as never)),
  IncreaseReplicaCount: (input: object) =>
    env.elastiCache.send(new IncreaseReplicaCountCommand(input as never)),
  DecreaseReplicaCount: (input: object) =>
    env.elastiCache.send(new DecreaseReplicaCountCommand(input as never)),
  ModifyReplicationGroupShardConfiguration: (input: object) =>
    env.elastiCache.send(new ModifyReplicationGroupShardConfigurationCommand(input as never)),
};

let env: TestStandIn;

function groupFixture(name: string): CreateReplicationGroupCommandInput {
  const group = changes.groups[name];
  if (!group) throw new Error(`No fixture group ${name}`);
  return structuredClone(group);
}

function idOf(name: string): string {
  return groupFixture(name).ReplicationGroupId ?? '';
}

async function describeGroup(name: string) {
  const { ReplicationGroups } = await env.elastiCache.send(
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: idOf(name) }),
  );
  const group = ReplicationGroups?.[0];
  if (!group) throw new Error(`${name} not described`);
  return group;
}

beforeEach(async () => {
  env = await startTestStandIn();
  await env.elastiCache.send(
    new CreateUserCommand({
      UserId: 'orders-default',
      UserName: 'default',
      Engine: 'redis',
      AccessString: 'on ~* +@all',
      NoPasswordRequired: true,
    }),
  );
  await completePending(env);
  await env.elastiCache.send(
    new CreateUserGroupCommand({ UserGroupId: 'orders-users', Engine: 'redis', UserIds: ['orders-default'] }),
  );
  for (const name of Object.keys(changes.groups)) {
    await env.elastiCache.send(new CreateReplicationGroupCommand(groupFixture(name)));
  }
  await completePending(env);
});

afterEach(async () => {
  await env.standIn.close();
});

describe("changes refused with ElastiCache's error codes, nothing changed", () => {
  it.each(changes.refusals)('refuses $case with $code', async (refusal) => {
    // Prepare
    const before = await describeGroup(refusal.group);
    const send = COMMANDS[refusal.command];

    // Act
    const error = await rejectionOf(send({ ReplicationGroupId: idOf(refusal.group), ...refusal.input }));

    // Assess
    expect(error.name).toMatch(new RegExp(`^${refusal.code}`));
    expect(env.standIn.calls.at(-1)).toMatchObject({ action: refusal.command, errorCode: refusal.code });
    expect(await describeGroup(refusal.group)).toEqual(before);
  });
});

describe("user changes refused with ElastiCache's error codes", () => {
  it.each(changes.userRefusals)('refuses $case with $code', async (refusal) => {
    // Prepare
    await env.elastiCache.send(
      new CreateUserCommand({
        UserId: 'orders-app',
        UserName: 'app',
        Engine: 'redis',
        AccessString: 'on ~app:* +@read',
        Passwords: ['app-password-0123456789'],
      }),
    );
    await completePending(env);
    const send =
      refusal.command === 'ModifyUser'
        ? () => env.elastiCache.send(new ModifyUserCommand(refusal.input as never))
        : () => env.elastiCache.send(new ModifyUserGroupCommand(refusal.input as never));

    // Act
    const error = await rejectionOf(send());

    // Assess
    expect(error.name).toMatch(new RegExp(`^${refusal.code}`));
    expect(env.standIn.calls.at(-1)).toMatchObject({ action: refusal.command, errorCode: refusal.code });
  });
});

describe('ModifyReplicationGroup', () => {
  it('is modifying, then available with the new node type, engine, retention, description and failover', async () => {
    // Act
    const answer = await env.elastiCache.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: idOf('disabled'),
        ApplyImmediately: true,
        CacheNodeType: 'cache.r7g.large',
        EngineVersion: '7.1',
        SnapshotRetentionLimit: 7,
        ReplicationGroupDescription: 'Orders cache, bigger',
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
      }),
    );
    const during = await describeGroup('disabled');
    await completePending(env);
    const after = await describeGroup('disabled');
    const { CacheClusters } = await env.elastiCache.send(
      new DescribeCacheClustersCommand({ CacheClusterId: 'orders-change-001' }),
    );

    // Assess
    expect(answer.ReplicationGroup?.Status).toBe('modifying');
    expect(during.Status).toBe('modifying');
    expect(after).toMatchObject({
      Status: 'available',
      CacheNodeType: 'cache.r7g.large',
      SnapshotRetentionLimit: 7,
      Description: 'Orders cache, bigger',
      AutomaticFailover: 'enabled',
      MultiAZ: 'enabled',
    });
    expect(CacheClusters?.[0]).toMatchObject({
      EngineVersion: '7.1',
      CacheParameterGroup: { CacheParameterGroupName: 'default.redis7' },
    });
  });

  it('moves an upgrade across families to the default parameter group of the new family', async () => {
    // Act
    await env.elastiCache.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: idOf('enabled'),
        ApplyImmediately: true,
        EngineVersion: '9.0',
      }),
    );
    await completePending(env);
    const { CacheClusters } = await env.elastiCache.send(
      new DescribeCacheClustersCommand({ CacheClusterId: 'sessions-change-0001-001' }),
    );

    // Assess
    expect(CacheClusters?.[0]).toMatchObject({
      Engine: 'valkey',
      EngineVersion: '9.0',
      CacheParameterGroup: { CacheParameterGroupName: 'default.valkey9.cluster.on' },
    });
  });

  it('keeps a node type change for the maintenance window when not applied immediately', async () => {
    // Act
    await env.elastiCache.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: idOf('disabled'),
        ApplyImmediately: false,
        CacheNodeType: 'cache.r7g.large',
      }),
    );
    const after = await describeGroup('disabled');
    const { CacheClusters } = await env.elastiCache.send(
      new DescribeCacheClustersCommand({ CacheClusterId: 'orders-change-002' }),
    );

    // Assess
    expect(after).toMatchObject({ Status: 'available', CacheNodeType: 'cache.t3.small' });
    expect(CacheClusters?.[0]).toMatchObject({
      CacheNodeType: 'cache.t3.small',
      PendingModifiedValues: { CacheNodeType: 'cache.r7g.large' },
    });
  });

  it('refuses a second change while one runs with InvalidReplicationGroupState', async () => {
    // Prepare
    await env.elastiCache.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: idOf('disabled'),
        ApplyImmediately: true,
        SnapshotRetentionLimit: 3,
      }),
    );

    // Act
    const error = await rejectionOf(
      env.elastiCache.send(
        new IncreaseReplicaCountCommand({
          ReplicationGroupId: idOf('disabled'),
          ApplyImmediately: true,
          NewReplicaCount: 2,
        }),
      ),
    );
    await completePending(env);

    // Assess
    expect(error.name).toBe('InvalidReplicationGroupStateFault');
    expect((await describeGroup('disabled')).MemberClusters).toHaveLength(2);
  });
});

describe('replica counts', () => {
  it('goes from 1 replica to 2 and to 0 with cluster mode disabled, naming nodes like ElastiCache', async () => {
    // Act
    await env.elastiCache.send(
      new IncreaseReplicaCountCommand({
        ReplicationGroupId: idOf('disabled'),
        ApplyImmediately: true,
        NewReplicaCount: 2,
      }),
    );
    const during = await describeGroup('disabled');
    await completePending(env);
    const two = await describeGroup('disabled');
    await env.elastiCache.send(
      new DecreaseReplicaCountCommand({
        ReplicationGroupId: idOf('disabled'),
        ApplyImmediately: true,
        NewReplicaCount: 0,
      }),
    );
    await completePending(env);
    const none = await describeGroup('disabled');

    // Assess
    expect(during.Status).toBe('modifying');
    expect(two.Status).toBe('available');
    expect(two.MemberClusters).toEqual(['orders-change-001', 'orders-change-002', 'orders-change-003']);
    expect(none.MemberClusters).toEqual(['orders-change-001']);
  });

  it('changes the replicas of one shard with ReplicaConfiguration and removes a named replica', async () => {
    // Act
    await env.elastiCache.send(
      new IncreaseReplicaCountCommand({
        ReplicationGroupId: idOf('enabled'),
        ApplyImmediately: true,
        ReplicaConfiguration: [{ NodeGroupId: '0002', NewReplicaCount: 3 }],
      }),
    );
    await completePending(env);
    await env.elastiCache.send(
      new DecreaseReplicaCountCommand({
        ReplicationGroupId: idOf('enabled'),
        ApplyImmediately: true,
        ReplicasToRemove: ['sessions-change-0002-002'],
      }),
    );
    await completePending(env);
    const after = await describeGroup('enabled');

    // Assess
    expect(
      after.NodeGroups?.map((nodeGroup) => nodeGroup.NodeGroupMembers?.map((m) => m.CacheClusterId)),
    ).toEqual([
      ['sessions-change-0001-001', 'sessions-change-0001-002'],
      ['sessions-change-0002-001', 'sessions-change-0002-003', 'sessions-change-0002-004'],
    ]);
  });
});

describe('ModifyReplicationGroupShardConfiguration', () => {
  it('adds shards that take an even share of the slots, then removes one whose slots spread over the rest', async () => {
    // Act
    await env.elastiCache.send(
      new ModifyReplicationGroupShardConfigurationCommand({
        ReplicationGroupId: idOf('enabled'),
        ApplyImmediately: true,
        NodeGroupCount: 4,
      }),
    );
    await completePending(env);
    const four = await describeGroup('enabled');
    await env.elastiCache.send(
      new ModifyReplicationGroupShardConfigurationCommand({
        ReplicationGroupId: idOf('enabled'),
        ApplyImmediately: true,
        NodeGroupCount: 3,
        NodeGroupsToRetain: ['0001', '0002', '0003'],
      }),
    );
    await completePending(env);
    const three = await describeGroup('enabled');

    // Assess
    // Both node backends split the slots the same way.
    expect(four.NodeGroups?.map(({ NodeGroupId, Slots }) => ({ NodeGroupId, Slots }))).toEqual(
      readJson('tests/fixtures/change/slots-two-to-four-shards.json'),
    );
    expect(four.NodeGroups?.map((nodeGroup) => nodeGroup.NodeGroupMembers?.length)).toEqual([2, 2, 2, 2]);
    expect(three.NodeGroups?.map(({ NodeGroupId, Slots }) => ({ NodeGroupId, Slots }))).toEqual([
      { NodeGroupId: '0001', Slots: '0-4095,12288-13653' },
      { NodeGroupId: '0002', Slots: '8192-12287,13654-15018' },
      { NodeGroupId: '0003', Slots: '4096-8191,15019-16383' },
    ]);
  });
});
