import {
  AddTagsToResourceCommand,
  DecreaseReplicaCountCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  InvalidReplicationGroupStateFault,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  ModifyUserGroupCommand,
  RemoveTagsFromResourceCommand,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ProvisioningTimedOut } from '../../shared/errors';
import type { Log } from '../../shared/logger';
import { applyNextChange } from '../../shared/provision/change/apply';
import { planChangeStep } from '../../shared/provision/change/begin';
import { requestDigest } from '../../shared/provision/change/lock';
import { changeState, secretIdOf } from '../../shared/provision/change/progress';
import { deleteUserSecrets } from '../../shared/provision/change/secrets';
import type { ChangeState } from '../../shared/provision/change/types';
import { STATUS_WAIT_LIMIT_MS } from '../../shared/provision/polling';
import type { NormalisedRequest, ProvisionState } from '../../shared/provision/state';
import { CHANGE_TAG_KEY, DETACHED_TAG_KEY } from '../../shared/tags';
import { loadCurrent, readFixture, replacedUserGroupRequest, requestOf } from './support';

const ec = mockClient(ElastiCacheClient);
const elastiCache = new ElastiCacheClient({ region: 'eu-west-1' });
const silent: Log = { info: () => {}, warn: () => {}, debug: () => {} };
const NOW = Date.UTC(2026, 0, 1);
const deps = {
  elastiCache,
  secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
  logger: silent,
  now: () => NOW,
};
const ARN = 'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders-cache';

/** The account as current-rbac-redis.json describes it, answered through the SDK's shapes. */
function existingGroup(
  overrides: Partial<ReplicationGroup> = {},
  tags = loadCurrent('current-rbac-redis').Tags,
) {
  const described = readFixture<{ ReplicationGroups: ReplicationGroup[] }>(
    'describe-replication-groups.json',
  );
  const [group] = described.ReplicationGroups;
  ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ ...group, ...overrides }] });
  ec.on(DescribeCacheClustersCommand).resolves(readFixture('describe-cache-clusters.json'));
  ec.on(ListTagsForResourceCommand).resolves({ TagList: tags });
  const current = loadCurrent('current-rbac-redis');
  ec.on(DescribeUserGroupsCommand).resolves({
    UserGroups: [
      { UserGroupId: 'orders', Status: 'active', Engine: 'redis', UserIds: current.UserGroup?.UserIds },
    ],
  });
  for (const user of current.Users) {
    ec.on(DescribeUsersCommand, { UserId: user.UserId }).resolves({
      Users: [
        {
          UserId: user.UserId,
          UserName: user.UserName,
          AccessString: user.AccessString,
          Status: user.Status,
          Authentication: { Type: user.AuthenticationType as 'password' },
          UserGroupIds: user.UserGroupIds,
          ARN: `arn:aws:elasticache:eu-west-1:123456789012:user:${user.UserId}`,
        },
      ],
    });
  }
}

/** orders-iam as DescribeUsers reports it, a member of `userGroupIds`. */
function iamUserIn(userGroupIds: string[]) {
  ec.on(DescribeUsersCommand, { UserId: 'orders-iam' }).resolves({
    Users: [
      {
        UserId: 'orders-iam',
        UserName: 'orders-iam',
        AccessString: 'on ~* +@read',
        Status: 'active',
        Authentication: { Type: 'iam' },
        UserGroupIds: userGroupIds,
        ARN: 'arn:aws:elasticache:eu-west-1:123456789012:user:orders-iam',
      },
    ],
  });
}

function state(request: NormalisedRequest, change?: Partial<ChangeState>): ProvisionState {
  return { request, ...(change && { change: changeState({ Exists: true, ...change }) }) };
}

/** Every call made that is not a read. */
function mutatingCalls(): number {
  return ec.calls().filter((call) => !/^(Describe|List)/.test(call.args[0].constructor.name)).length;
}

beforeEach(() => {
  ec.reset();
});

describe('planChangeStep', () => {
  it('lets a new group be created when none exists', async () => {
    ec.on(DescribeReplicationGroupsCommand).rejects(
      Object.assign(new Error('not found'), { name: 'ReplicationGroupNotFoundFault' }),
    );

    const change = await planChangeStep(deps, state(requestOf('rbac-redis')));

    expect(change).toMatchObject({ Exists: false, Done: true, Changes: [] });
  });

  it('lists the differences and the planned calls of an existing group, changing nothing but its change mark', async () => {
    existingGroup();
    const request = requestOf('rbac-redis', (r) => {
      r.NumCacheClusters = 3;
    });

    const change = await planChangeStep(deps, state(request));

    expect(change).toMatchObject({
      Exists: true,
      Done: false,
      Changes: [{ field: 'NumCacheClusters', current: 2, requested: 3 }],
      Planned: [expect.objectContaining({ Action: 'IncreaseReplicaCount' })],
    });
    expect(mutatingCalls()).toBe(1);
    expect(ec).toHaveReceivedCommandWith(AddTagsToResourceCommand, {
      ResourceName: ARN,
      Tags: [{ Key: CHANGE_TAG_KEY, Value: `${requestDigest(request)} ${NOW}` }],
    });
  });

  it('refuses with ConflictError naming every field that cannot change, before any change', async () => {
    existingGroup();
    const request = requestOf('rbac-redis', (r) => {
      r.AtRestEncryptionEnabled = false;
      r.CacheSubnetGroupName = 'private';
      r.NumCacheClusters = 3;
    });

    const outcome = planChangeStep(deps, state(request));

    await expect(outcome).rejects.toBeInstanceOf(ConflictError);
    await expect(outcome).rejects.toThrow(/AtRestEncryptionEnabled.*CacheSubnetGroupName/);
    expect(mutatingCalls()).toBe(0);
  });

  it('refuses to change a group without the provisioner tags', async () => {
    existingGroup({}, [{ Key: 'team', Value: 'orders' }]);
    const request = requestOf('rbac-redis', (r) => {
      r.NumCacheClusters = 3;
    });

    await expect(planChangeStep(deps, state(request))).rejects.toThrow(/not created by the provisioner/);
  });

  it('refuses a group that is being deleted', async () => {
    existingGroup({ Status: 'deleting' });

    await expect(planChangeStep(deps, state(requestOf('rbac-redis')))).rejects.toThrow(/being deleted/);
  });
});

describe('applyNextChange', () => {
  it('makes only the first call left and asks to wait for it', async () => {
    existingGroup();
    ec.on(DecreaseReplicaCountCommand).resolves({});
    ec.on(ModifyReplicationGroupCommand).resolves({});
    const request = requestOf('rbac-redis', (r) => {
      r.NumCacheClusters = 1;
      r.AutomaticFailoverEnabled = false;
    });

    const change = await applyNextChange(deps, state(request, { WaitingSince: NOW - 60_000 }));

    expect(ec).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 1);
    expect(ec).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      ReplicationGroupId: 'orders-cache',
      AutomaticFailoverEnabled: false,
      ApplyImmediately: true,
    });
    expect(ec).toHaveReceivedCommandTimes(DecreaseReplicaCountCommand, 0);
    expect(change).toMatchObject({ Done: false, Waiting: false, Checks: 1, WaitSeconds: 10 });
    expect(change.WaitingSince).toBeUndefined();
    expect(change.Applied.map((step) => step.Action)).toEqual(['ModifyReplicationGroup']);
  });

  it('is done when the group matches the request', async () => {
    existingGroup();

    const change = await applyNextChange(deps, state(requestOf('rbac-redis'), { Checks: 3 }));

    expect(change).toMatchObject({ Done: true, Checks: 4 });
    expect(mutatingCalls()).toBe(0);
  });

  it.each(['modifying', 'snapshotting'])(
    'waits for a change already under way (%s), calling nothing',
    async (status) => {
      existingGroup({ Status: status });
      const request = requestOf('rbac-redis', (r) => {
        r.NumCacheClusters = 3;
      });

      const change = await applyNextChange(deps, state(request, {}));

      expect(change).toMatchObject({ Done: false, Waiting: true, WaitingSince: NOW });
      expect(mutatingCalls()).toBe(0);
    },
  );

  it('waits while the user group is still applying members', async () => {
    existingGroup();
    ec.on(DescribeUserGroupsCommand).resolves({
      UserGroups: [{ UserGroupId: 'orders', Status: 'modifying', Engine: 'redis', UserIds: ['orders-app'] }],
    });

    const change = await applyNextChange(deps, state(requestOf('rbac-redis'), {}));

    expect(change.Waiting).toBe(true);
    expect(mutatingCalls()).toBe(0);
  });

  it('waits when ElastiCache refuses the call because another change started meanwhile', async () => {
    existingGroup();
    ec.on(IncreaseReplicaCountCommand).rejects(
      new InvalidReplicationGroupStateFault({ message: 'Cluster is modifying', $metadata: {} }),
    );
    const request = requestOf('rbac-redis', (r) => {
      r.NumCacheClusters = 3;
    });

    const change = await applyNextChange(deps, state(request, {}));

    expect(change).toMatchObject({ Waiting: true, Applied: [] });
  });

  it('gives up with ProvisioningTimedOut when a change under way never ends', async () => {
    existingGroup({ Status: 'modifying' });

    const outcome = applyNextChange(
      deps,
      state(requestOf('rbac-redis'), { WaitingSince: NOW - STATUS_WAIT_LIMIT_MS }),
    );

    await expect(outcome).rejects.toBeInstanceOf(ProvisioningTimedOut);
  });

  it('deletes a user it took out of the group once the group is active again', async () => {
    existingGroup();
    ec.on(DescribeUserGroupsCommand).resolves({
      UserGroups: [
        {
          UserGroupId: 'orders',
          Status: 'active',
          Engine: 'redis',
          UserIds: ['orders-app', 'orders-default'],
        },
      ],
    });
    iamUserIn([]);
    const request = requestOf('rbac-redis', (r) => {
      if (r.Rbac) r.Rbac.Users = r.Rbac.Users.filter((u) => u.UserId !== 'orders-iam');
    });

    const change = await applyNextChange(deps, state(request, { RemovedUsers: ['orders-iam'] }));

    expect(change.Applied).toEqual([
      expect.objectContaining({ Action: 'DeleteUser', Parameters: { UserId: 'orders-iam' } }),
    ]);
  });

  it('remembers the users it takes out of the group', async () => {
    // Prepare: orders-iam is also in another group, so it only leaves this one.
    existingGroup();
    iamUserIn(['orders', 'reports']);
    ec.on(ModifyUserGroupCommand).resolves({});
    const request = requestOf('rbac-redis', (r) => {
      if (r.Rbac) r.Rbac.Users = r.Rbac.Users.filter((u) => u.UserId !== 'orders-iam');
    });

    const change = await applyNextChange(deps, state(request, {}));

    expect(ec).toHaveReceivedCommandWith(ModifyUserGroupCommand, {
      UserGroupId: 'orders',
      UserIdsToRemove: ['orders-iam'],
    });
    expect(change.RemovedUsers).toEqual(['orders-iam']);
  });

  it('stops with ConflictError when the group was changed meanwhile beyond what can change in place', async () => {
    existingGroup({ AtRestEncryptionEnabled: false });

    await expect(applyNextChange(deps, state(requestOf('rbac-redis'), {}))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(mutatingCalls()).toBe(0);
  });
});

describe('one change at a time', () => {
  const changed = () =>
    requestOf('rbac-redis', (r) => {
      r.NumCacheClusters = 3;
    });
  const tagsWith = (value: string) => [
    ...loadCurrent('current-rbac-redis').Tags,
    { Key: CHANGE_TAG_KEY, Value: value },
  ];

  it('refuses to start while another request changes the group, changing nothing', async () => {
    existingGroup({}, tagsWith(`0123456789abcdef ${NOW - 60_000}`));

    const outcome = planChangeStep(deps, state(changed()));

    await expect(outcome).rejects.toBeInstanceOf(ConflictError);
    await expect(outcome).rejects.toThrow(/being changed by another request/);
    expect(mutatingCalls()).toBe(0);
  });

  it('carries on a change its own request started (a re-run after a crash)', async () => {
    const request = changed();
    existingGroup({}, tagsWith(`${requestDigest(request)} ${NOW - 60_000}`));
    ec.on(IncreaseReplicaCountCommand).resolves({});

    const change = await applyNextChange(deps, state(request, {}));

    expect(change.Applied.map((step) => step.Action)).toEqual(['IncreaseReplicaCount']);
    expect(ec).toHaveReceivedCommandTimes(AddTagsToResourceCommand, 0);
  });

  it("dates its mark with the execution's start, which its time limit counts from", async () => {
    existingGroup();
    const request = changed();
    const started = NOW - 5 * 60_000;

    await planChangeStep(deps, {
      ...state(request),
      execution: { Name: 'update-1', StartTime: new Date(started).toISOString() },
    });

    // A change stopped at a custom-resource deadline (later than its time limit) is then already
    // taken over when the rollback that follows comes to change the group back.
    expect(ec).toHaveReceivedCommandWith(AddTagsToResourceCommand, {
      Tags: [{ Key: CHANGE_TAG_KEY, Value: `${requestDigest(request)} ${started}` }],
    });
  });

  it('takes over a mark older than the time limit: its execution has ended', async () => {
    const request = changed();
    existingGroup({}, tagsWith(`0123456789abcdef ${NOW - request.Polling.TimeoutMinutes * 60_000}`));
    ec.on(IncreaseReplicaCountCommand).resolves({});

    const change = await applyNextChange(deps, state(request, {}));

    expect(change.Applied).toHaveLength(1);
    expect(ec).toHaveReceivedCommandWith(AddTagsToResourceCommand, {
      Tags: [{ Key: CHANGE_TAG_KEY, Value: `${requestDigest(request)} ${NOW}` }],
    });
  });

  it('stops with ConflictError at its next call once another request has taken the group over', async () => {
    existingGroup({}, tagsWith(`0123456789abcdef ${NOW}`));

    const outcome = applyNextChange(deps, state(changed(), {}));

    await expect(outcome).rejects.toThrow(/being changed by another request.*the change stopped here/);
    expect(mutatingCalls()).toBe(0);
  });

  it('removes its mark once the group matches the request', async () => {
    const request = requestOf('rbac-redis');
    existingGroup({}, tagsWith(`${requestDigest(request)} ${NOW}`));

    const change = await applyNextChange(deps, state(request, {}));

    expect(change.Done).toBe(true);
    expect(ec).toHaveReceivedCommandWith(RemoveTagsFromResourceCommand, {
      ResourceName: ARN,
      TagKeys: [CHANGE_TAG_KEY],
    });
  });

  it('is done all the same when another execution of the same request removed the mark first', async () => {
    const request = requestOf('rbac-redis');
    existingGroup({}, tagsWith(`${requestDigest(request)} ${NOW}`));
    ec.on(RemoveTagsFromResourceCommand).rejects(
      Object.assign(new Error(`Tag ${CHANGE_TAG_KEY} not found.`), { name: 'TagNotFoundFault' }),
    );

    const change = await applyNextChange(deps, state(request, {}));

    expect(change.Done).toBe(true);
  });

  it('gives the same digest to the same request whatever its correlation id or polling', () => {
    const a = requestOf('rbac-redis');
    const b = requestOf('rbac-redis', (r) => {
      r.CorrelationId = 'ticket-9';
      r.Polling.TimeoutMinutes = 5;
    });

    expect(requestDigest(a)).toBe(requestDigest(b));
    expect(requestDigest(changed())).not.toBe(requestDigest(a));
  });
});

describe('applyNextChange: what a change deletes', () => {
  const sm = mockClient(SecretsManagerClient);
  const SECRET_ARN =
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:elasticache-provisioner/orders/orders-app-AbCdEf';
  const notFound = (name: string) => Object.assign(new Error('not found'), { name });
  const withoutApp = () =>
    requestOf('rbac-redis', (r) => {
      if (r.Rbac) r.Rbac.Users = r.Rbac.Users.filter((u) => u.UserId !== 'orders-app');
    });
  const replaced = replacedUserGroupRequest;
  const detachedTag = { Key: DETACHED_TAG_KEY, Value: 'orders:orders-default' };

  function userGroup(userGroupId: string, userIds: string[], replicationGroups: string[] = []) {
    ec.on(DescribeUserGroupsCommand, { UserGroupId: userGroupId }).resolves({
      UserGroups: [
        {
          UserGroupId: userGroupId,
          Status: 'active',
          Engine: 'redis',
          UserIds: userIds,
          ReplicationGroups: replicationGroups,
          ARN: `arn:aws:elasticache:eu-west-1:123456789012:usergroup:${userGroupId}`,
        },
      ],
    });
  }

  /** The new group with its default user, as the users and user group steps made them. */
  function newGroup() {
    userGroup('orders-v2', ['orders-app', 'orders-v2-default'], ['orders-cache']);
    ec.on(DescribeUsersCommand, { UserId: 'orders-v2-default' }).resolves({
      Users: [
        {
          UserId: 'orders-v2-default',
          UserName: 'default',
          AccessString: 'off -@all',
          Status: 'active',
          Authentication: { Type: 'password' },
          UserGroupIds: ['orders-v2'],
          ARN: 'arn:aws:elasticache:eu-west-1:123456789012:user:orders-v2-default',
        },
      ],
    });
  }

  /** orders-cache already on orders-v2, marked by `request`, the tag naming the detached group. */
  function afterTheSwitch(request: NormalisedRequest) {
    const mark = { Key: CHANGE_TAG_KEY, Value: `${requestDigest(request)} ${NOW}` };
    existingGroup({ UserGroupIds: ['orders-v2'] }, [
      ...loadCurrent('current-rbac-redis').Tags,
      detachedTag,
      mark,
    ]);
    newGroup();
  }

  beforeEach(() => {
    sm.reset();
    ec.on(DeleteUserCommand).resolves({});
    sm.on(DeleteSecretCommand).resolves({});
  });

  it("hands the user's generated secret to its own step, then deletes the user", async () => {
    // Prepare
    existingGroup();
    sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, Tags: loadCurrent('current-rbac-redis').Tags });

    // Act
    const handedOver = await applyNextChange(deps, state(withoutApp(), {}));
    const secretsDone = await deleteUserSecrets(deps, state(withoutApp(), handedOver));
    const userDone = await applyNextChange(deps, state(withoutApp(), secretsDone));

    // Assess
    expect(handedOver.SecretsToDelete?.map(secretIdOf)).toEqual([
      'elasticache-provisioner/orders/orders-app',
    ]);
    expect(handedOver.Applied).toEqual([]);
    expect(sm).toHaveReceivedCommandWith(DescribeSecretCommand, {
      SecretId: 'elasticache-provisioner/orders/orders-app',
    });
    expect(sm).toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: SECRET_ARN,
      ForceDeleteWithoutRecovery: true,
    });
    expect(secretsDone).not.toHaveProperty('SecretsToDelete');
    expect(secretsDone.SecretsHandled).toEqual(['elasticache-provisioner/orders/orders-app']);
    expect(ec).toHaveReceivedCommandTimes(DeleteUserCommand, 1);
    expect(ec).toHaveReceivedCommandWith(DeleteUserCommand, { UserId: 'orders-app' });
    expect(userDone.Applied.map((step) => step.Action)).toEqual(['DeleteSecret', 'DeleteUser']);
  });

  it.each<[string, Omit<DescribeSecretCommandOutput, '$metadata'> | Error]>([
    ["not tagged as the provisioner's", { ARN: SECRET_ARN, Tags: [] }],
    ['already scheduled for deletion', { ARN: SECRET_ARN, DeletedDate: new Date(NOW) }],
    ['not there', notFound('ResourceNotFoundException')],
  ])('leaves a secret %s and deletes the user all the same', async (_, described) => {
    // Prepare
    existingGroup();
    if (described instanceof Error) sm.on(DescribeSecretCommand).rejects(described);
    else sm.on(DescribeSecretCommand).resolves(described);

    // Act
    const handedOver = await applyNextChange(deps, state(withoutApp(), {}));
    const secretsDone = await deleteUserSecrets(deps, state(withoutApp(), handedOver));
    const userDone = await applyNextChange(deps, state(withoutApp(), secretsDone));

    // Assess
    expect(sm).toHaveReceivedCommandTimes(DeleteSecretCommand, 0);
    expect(userDone.Applied.map((step) => step.Action)).toEqual(['DeleteUser']);
  });

  it('marks the group with the user groups the change detaches, with their default users', async () => {
    existingGroup();
    userGroup('orders', ['orders-app', 'orders-iam', 'orders-default'], ['orders-cache']);
    ec.on(DescribeUserGroupsCommand, { UserGroupId: 'orders-v2' }).rejects(
      notFound('UserGroupNotFoundFault'),
    );
    ec.on(DescribeUsersCommand, { UserId: 'orders-v2-default' }).rejects(notFound('UserNotFoundFault'));
    const request = replaced();

    const change = await planChangeStep(deps, state(request));

    expect(ec).toHaveReceivedCommandWith(AddTagsToResourceCommand, {
      ResourceName: ARN,
      Tags: [{ Key: CHANGE_TAG_KEY, Value: `${requestDigest(request)} ${NOW}` }, detachedTag],
    });
    expect(change.Changes).toContainEqual({
      field: 'UserGroup[orders]',
      current: 'attached to orders-cache',
      requested: null,
    });
  });

  it('deletes a detached user group the tag remembers, once no replication group uses it', async () => {
    const request = replaced();
    afterTheSwitch(request);
    userGroup('orders', ['orders-default']);
    ec.on(DeleteUserGroupCommand).resolves({});

    const change = await applyNextChange(deps, state(request, {}));

    expect(change.Applied).toEqual([
      expect.objectContaining({ Action: 'DeleteUserGroup', Parameters: { UserGroupId: 'orders' } }),
    ]);
    expect(ec).toHaveReceivedCommandTimes(RemoveTagsFromResourceCommand, 0);
  });

  it('forgets the detached user groups once their clean-up is over', async () => {
    const request = replaced();
    afterTheSwitch(request);
    ec.on(DescribeUserGroupsCommand, { UserGroupId: 'orders' }).rejects(notFound('UserGroupNotFoundFault'));
    ec.on(DescribeUsersCommand, { UserId: 'orders-default' }).rejects(notFound('UserNotFoundFault'));

    const change = await applyNextChange(deps, state(request, {}));

    expect(change.Done).toBe(true);
    expect(ec).toHaveReceivedCommandWith(RemoveTagsFromResourceCommand, {
      ResourceName: ARN,
      TagKeys: [CHANGE_TAG_KEY, DETACHED_TAG_KEY],
    });
  });

  it('keeps the detached user groups in mind when the run stops on an error', async () => {
    const request = replaced();
    afterTheSwitch(request);
    userGroup('orders', ['orders-default']);
    ec.on(DeleteUserGroupCommand).rejects(notFound('AccessDeniedException'));

    await expect(applyNextChange(deps, state(request, {}))).rejects.toThrow();

    expect(ec).toHaveReceivedCommandWith(RemoveTagsFromResourceCommand, {
      ResourceName: ARN,
      TagKeys: [CHANGE_TAG_KEY],
    });
  });
});
