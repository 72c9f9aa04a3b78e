import {
  DeleteUserGroupCommand,
  DescribeUserGroupsCommand,
  InvalidUserGroupStateFault,
  ListTagsForResourceCommand,
  type UserGroup,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import type { TeardownState } from '../../shared/teardown/types';
import { deleteUserGroups } from '../../shared/teardown/userGroups';
import { notFound as notFoundAnswer } from '../support/aws';
import { loadTeardownState } from './fixtures/load';
import { ARN, managedTags, NOW, rejection, teardownStubs } from './helpers';

const { ec, deps } = teardownStubs();

const MEMBERS = ['default', 'orders-app', 'orders-iam', 'orders-default'];

function group(id: string, overrides: Partial<UserGroup> = {}) {
  return {
    UserGroups: [
      {
        UserGroupId: id,
        Status: 'active',
        Engine: 'redis',
        ARN: ARN.userGroup(id),
        UserIds: MEMBERS,
        ReplicationGroups: [],
        ...overrides,
      },
    ],
  };
}

const notFound = () => notFoundAnswer.userGroup('User group not found');

/** After the first call: the `orders` group's deletion was requested. */
function deleting(checks: number): TeardownState {
  const state = loadTeardownState('replication-group-deleted');
  state.userGroups = {
    Groups: [{ UserGroupId: 'orders', UserIds: MEMBERS, DeleteRequested: true, Gone: false }],
    Kept: [],
    Done: false,
    Attempt: checks,
    ElapsedSeconds: (checks - 1) * 30,
  };
  return state;
}

describe('deleteUserGroups', () => {
  it('deletes the user groups tagged as created for this replication group and remembers their members', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group('orders'));
    ec.on(DeleteUserGroupCommand).resolves({ Status: 'deleting' });

    // Act
    const result = await deleteUserGroups(deps, loadTeardownState('replication-group-deleted'));

    // Assess
    expect(ec).toHaveReceivedCommandWith(ListTagsForResourceCommand, {
      ResourceName: ARN.userGroup('orders'),
    });
    expect(ec).toHaveReceivedCommandExactlyOnceWith(DeleteUserGroupCommand, { UserGroupId: 'orders' });
    expect(result).toEqual({
      Groups: [{ UserGroupId: 'orders', UserIds: MEMBERS, DeleteRequested: true, Gone: false }],
      Kept: [],
      Done: false,
      Attempt: 1,
      ElapsedSeconds: 0,
      StartedAt: NOW,
    });
  });

  it.each([
    ['managed-by tag only', [{ Key: 'managed-by', Value: 'elasticache-provisioner' }]],
    ['the tags of another replication group', managedTags('other-cache')],
    ['no tags', []],
  ])('keeps a user group with %s', async (_label, tags) => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group('orders'));
    ec.on(ListTagsForResourceCommand).resolves({ TagList: tags });

    // Act
    const result = await deleteUserGroups(deps, loadTeardownState('replication-group-deleted'));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteUserGroupCommand, 0);
    expect(result.Groups).toEqual([]);
    expect(result.Done).toBe(true);
    expect(result.Kept).toEqual([
      { Type: 'UserGroup', Id: 'orders', Reason: expect.stringContaining('not tagged') },
    ]);
  });

  it('keeps a user group another replication group uses', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group('orders', { ReplicationGroups: ['payments-cache'] }));

    // Act
    const result = await deleteUserGroups(deps, loadTeardownState('replication-group-deleted'));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteUserGroupCommand, 0);
    expect(result.Kept).toEqual([
      { Type: 'UserGroup', Id: 'orders', Reason: 'still attached to replication group(s) payments-cache' },
    ]);
    expect(result.Done).toBe(true);
  });

  it('waits while the deleted replication group is still being detached from the group', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(
      group('orders', { Status: 'modifying', ReplicationGroups: ['orders-cache'] }),
    );

    // Act
    const result = await deleteUserGroups(deps, loadTeardownState('replication-group-deleted'));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteUserGroupCommand, 0);
    expect(result).toMatchObject({ Done: false, Kept: [] });
    expect(result.Groups[0]).toMatchObject({ UserGroupId: 'orders', DeleteRequested: false, Gone: false });
  });

  it('keeps a group still attached to a replication group the request keeps', async () => {
    // Prepare
    const state = loadTeardownState('start');
    state.request.KeepReplicationGroup = true;
    state.request.Rbac = { UserGroupId: 'orders', UserIds: [] };
    state.replicationGroup = {
      ReplicationGroupId: 'orders-cache',
      Found: false,
      Managed: false,
      DeleteRequested: false,
      Status: 'kept',
      Gone: false,
      Done: true,
      UserGroupIds: [],
      Attempt: 1,
      ElapsedSeconds: 0,
    };
    ec.on(DescribeUserGroupsCommand).resolves(group('orders', { ReplicationGroups: ['orders-cache'] }));

    // Act
    const result = await deleteUserGroups(deps, state);

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteUserGroupCommand, 0);
    expect(result.Kept[0]).toMatchObject({ Type: 'UserGroup', Id: 'orders' });
    expect(result.Done).toBe(true);
  });

  it('considers the user group the request names although the replication group never had it', async () => {
    // Prepare
    const state = loadTeardownState('replication-group-deleted');
    if (state.replicationGroup) state.replicationGroup.UserGroupIds = [];
    state.request.Rbac = { UserGroupId: 'orders', UserIds: ['orders-app'] };
    ec.on(DescribeUserGroupsCommand).resolves(group('orders'));
    ec.on(DeleteUserGroupCommand).resolves({ Status: 'deleting' });

    // Act
    await deleteUserGroups(deps, state);

    // Assess
    expect(ec).toHaveReceivedCommandWith(DeleteUserGroupCommand, { UserGroupId: 'orders' });
  });

  it('skips a candidate group that no longer exists: already gone is success', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).rejects(notFound());

    // Act
    const result = await deleteUserGroups(deps, loadTeardownState('replication-group-deleted'));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteUserGroupCommand, 0);
    expect(result).toMatchObject({ Groups: [], Kept: [], Done: true });
  });

  it('waits while a group is being deleted and reports it gone once it is', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand)
      .resolvesOnce(group('orders', { Status: 'deleting' }))
      .rejectsOnce(notFound());

    // Act
    const first = await deleteUserGroups(deps, deleting(1));
    const second = await deleteUserGroups(deps, { ...deleting(1), userGroups: first });

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteUserGroupCommand, 0);
    expect(first).toMatchObject({ Done: false, Attempt: 2, ElapsedSeconds: 30 });
    expect(second).toMatchObject({ Done: true, Attempt: 3 });
    expect(second.Groups).toEqual([
      { UserGroupId: 'orders', UserIds: MEMBERS, DeleteRequested: true, Gone: true },
    ]);
  });

  it('checks again later when ElastiCache says the group is busy', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group('orders'));
    ec.on(DeleteUserGroupCommand).rejects(
      new InvalidUserGroupStateFault({ message: 'modifying', $metadata: {} }),
    );

    // Act
    const result = await deleteUserGroups(deps, loadTeardownState('replication-group-deleted'));

    // Assess
    expect(result.Done).toBe(false);
    expect(result.Groups[0]?.DeleteRequested).toBe(false);
  });

  it('fails with TeardownTimedOut on the time since the first check, when checks took longer than their waits', async () => {
    // Prepare: 3 checks scheduled 60 s apart, but the first ran 120 minutes ago.
    ec.on(DescribeUserGroupsCommand).resolves(group('orders', { Status: 'deleting' }));
    const state = deleting(3);
    if (state.userGroups) state.userGroups.StartedAt = NOW - 120 * 60_000;

    // Act
    const error = await rejection(deleteUserGroups(deps, state));

    // Assess
    expect(error.name).toBe('TeardownTimedOut');
  });

  it('fails with TeardownTimedOut once the next wait would pass the time limit', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group('orders', { Status: 'deleting' }));

    // Act
    const error = await rejection(deleteUserGroups(deps, deleting(240)));

    // Assess
    expect(error.name).toBe('TeardownTimedOut');
    expect(error.message).toContain('orders');
  });
});
