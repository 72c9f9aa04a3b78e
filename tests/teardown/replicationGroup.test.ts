import {
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  InvalidReplicationGroupStateFault,
  ListTagsForResourceCommand,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors';
import { deleteReplicationGroup } from '../../shared/teardown/replicationGroup';
import type { TeardownState } from '../../shared/teardown/types';
import { notFound as notFoundAnswer } from '../support/aws';
import { loadTeardownState } from './fixtures/load';
import { ARN, managedTags, NOW, rejection, teardownStubs } from './helpers';

const { ec, deps } = teardownStubs();

function described(overrides: Partial<ReplicationGroup> = {}) {
  return {
    ReplicationGroups: [
      {
        ReplicationGroupId: 'orders-cache',
        Status: 'available',
        ARN: ARN.replicationGroup('orders-cache'),
        UserGroupIds: ['orders'],
        ...overrides,
      },
    ],
  };
}

const notFound = () => notFoundAnswer.replicationGroup('ReplicationGroup not found');

/** The state after `checks` calls that found the group being deleted. */
function afterChecks(checks: number, status = 'deleting'): TeardownState {
  const state = loadTeardownState('start');
  state.replicationGroup = {
    ReplicationGroupId: 'orders-cache',
    Found: true,
    Managed: true,
    DeleteRequested: true,
    Status: status,
    Gone: false,
    Done: false,
    UserGroupIds: ['orders'],
    Attempt: checks,
    ElapsedSeconds: (checks - 1) * 30,
  };
  return state;
}

describe('deleteReplicationGroup', () => {
  it("deletes a replication group tagged as the provisioner's, without a final snapshot unless asked", async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).resolves(described());
    ec.on(DeleteReplicationGroupCommand).resolves({ ReplicationGroup: { Status: 'deleting' } });

    // Act
    const result = await deleteReplicationGroup(deps, loadTeardownState('start'));

    // Assess
    expect(ec).toHaveReceivedCommandWith(ListTagsForResourceCommand, {
      ResourceName: ARN.replicationGroup('orders-cache'),
    });
    expect(ec).toHaveReceivedCommandExactlyOnceWith(DeleteReplicationGroupCommand, {
      ReplicationGroupId: 'orders-cache',
      RetainPrimaryCluster: false,
    });
    expect(ec.commandCalls(DeleteReplicationGroupCommand)[0]?.args[0].input).not.toHaveProperty(
      'FinalSnapshotIdentifier',
    );
    expect(result).toMatchObject({
      Found: true,
      Managed: true,
      DeleteRequested: true,
      Status: 'deleting',
      Gone: false,
      Done: false,
      UserGroupIds: ['orders'],
      Attempt: 1,
      ElapsedSeconds: 0,
    });
  });

  it('takes the final snapshot the request names', async () => {
    // Prepare
    const state = loadTeardownState('start');
    state.request.FinalSnapshotIdentifier = 'orders-cache-final';
    ec.on(DescribeReplicationGroupsCommand).resolves(described());
    ec.on(DeleteReplicationGroupCommand).resolves({ ReplicationGroup: { Status: 'deleting' } });

    // Act
    await deleteReplicationGroup(deps, state);

    // Assess
    expect(ec).toHaveReceivedCommandWith(DeleteReplicationGroupCommand, {
      ReplicationGroupId: 'orders-cache',
      FinalSnapshotIdentifier: 'orders-cache-final',
    });
  });

  it('asks for no final snapshot of a create-failed group, which holds no data and would refuse it', async () => {
    // Prepare
    const state = loadTeardownState('start');
    state.request.FinalSnapshotIdentifier = 'orders-cache-final';
    ec.on(DescribeReplicationGroupsCommand).resolves(described({ Status: 'create-failed' }));
    ec.on(DeleteReplicationGroupCommand).resolves({ ReplicationGroup: { Status: 'deleting' } });

    // Act
    await deleteReplicationGroup(deps, state);

    // Assess
    const input = ec.commandCalls(DeleteReplicationGroupCommand)[0]?.args[0].input;
    expect(input).toEqual({ ReplicationGroupId: 'orders-cache', RetainPrimaryCluster: false });
  });

  it.each([
    ['no tags at all', []],
    ['the managed-by tag only', [{ Key: 'managed-by', Value: 'elasticache-provisioner' }]],
    ['the tags of another replication group', managedTags('other-cache')],
    [
      'a managed-by tag of another tool',
      [{ Key: 'managed-by', Value: 'terraform' }, ...managedTags().slice(1)],
    ],
  ])('refuses a group with %s with ConflictError and deletes nothing', async (_label, tags) => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).resolves(described());
    ec.on(ListTagsForResourceCommand).resolves({ TagList: tags });

    // Act
    const error = await rejection(deleteReplicationGroup(deps, loadTeardownState('start')));

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('nothing was deleted');
    expect(ec).toHaveReceivedCommandTimes(DeleteReplicationGroupCommand, 0);
  });

  it("keeps a group without the provisioner's tags when IfNotManaged is keep, and goes on", async () => {
    // Prepare
    const state = loadTeardownState('start');
    state.request.IfNotManaged = 'keep';
    ec.on(DescribeReplicationGroupsCommand).resolves(described());
    ec.on(ListTagsForResourceCommand).resolves({ TagList: [] });

    // Act
    const result = await deleteReplicationGroup(deps, state);

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteReplicationGroupCommand, 0);
    expect(result).toMatchObject({ Found: true, Managed: false, Done: true, Gone: false, UserGroupIds: [] });
    expect(result.Kept).toMatchObject({ Type: 'ReplicationGroup', Id: 'orders-cache' });
  });

  it('reports a group that does not exist as done: already gone is success', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).rejects(notFound());

    // Act
    const result = await deleteReplicationGroup(deps, loadTeardownState('start'));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteReplicationGroupCommand, 0);
    expect(ec).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 0);
    expect(result).toMatchObject({ Found: false, Status: 'not-found', Gone: true, Done: true });
  });

  it('waits while the group is being deleted, without asking again', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).resolves(described({ Status: 'deleting' }));

    // Act
    const result = await deleteReplicationGroup(deps, afterChecks(3));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteReplicationGroupCommand, 0);
    expect(result).toMatchObject({ Status: 'deleting', Done: false, Attempt: 4, ElapsedSeconds: 90 });
  });

  it('reports the group deleted once it is gone, keeping the user groups it had', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).rejects(notFound());

    // Act
    const result = await deleteReplicationGroup(deps, afterChecks(5));

    // Assess
    expect(result).toMatchObject({
      Found: true,
      Managed: true,
      DeleteRequested: true,
      Status: 'deleted',
      Gone: true,
      Done: true,
      UserGroupIds: ['orders'],
    });
  });

  it('reports the group deleted when it vanishes between being described and its tags being read', async () => {
    // Prepare: still deleting when described, gone a moment later.
    ec.on(DescribeReplicationGroupsCommand).resolves(described({ Status: 'deleting' }));
    ec.on(ListTagsForResourceCommand).rejects(notFound());

    // Act
    const result = await deleteReplicationGroup(deps, afterChecks(2));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteReplicationGroupCommand, 0);
    expect(result).toMatchObject({ Found: true, Managed: true, Status: 'deleted', Gone: true, Done: true });
  });

  it('waits for a group that is still being created, and deletes it once it is available', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand)
      .resolvesOnce(described({ Status: 'creating' }))
      .resolvesOnce(described({ Status: 'available' }));
    ec.on(DeleteReplicationGroupCommand).resolves({ ReplicationGroup: { Status: 'deleting' } });

    // Act
    const first = await deleteReplicationGroup(deps, loadTeardownState('start'));
    const second = await deleteReplicationGroup(deps, {
      ...loadTeardownState('start'),
      replicationGroup: first,
    });

    // Assess
    expect(first).toMatchObject({ Status: 'creating', DeleteRequested: false, Done: false });
    expect(second).toMatchObject({ Status: 'deleting', DeleteRequested: true, Done: false, Attempt: 2 });
    expect(ec).toHaveReceivedCommandTimes(DeleteReplicationGroupCommand, 1);
  });

  it('checks again later when the status changed between the describe and the delete', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).resolves(described());
    ec.on(DeleteReplicationGroupCommand).rejects(
      new InvalidReplicationGroupStateFault({ message: 'modifying', $metadata: {} }),
    );

    // Act
    const result = await deleteReplicationGroup(deps, loadTeardownState('start'));

    // Assess
    expect(result).toMatchObject({ DeleteRequested: false, Done: false });
  });

  it('fails with TeardownTimedOut on the time since the first check, when checks took longer than their waits', async () => {
    // Prepare: 3 checks scheduled 30 s apart, but the first ran 120 minutes ago.
    ec.on(DescribeReplicationGroupsCommand).resolves(described({ Status: 'deleting' }));
    const state = afterChecks(3);
    if (state.replicationGroup) state.replicationGroup.StartedAt = NOW - 120 * 60_000;

    // Act
    const error = await rejection(deleteReplicationGroup(deps, state));

    // Assess
    expect(error.name).toBe('TeardownTimedOut');
    expect(error.message).toContain('still deleting after 120 minutes');
  });

  it('keeps checking while the time since the first check is within the limit', async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).resolves(described({ Status: 'deleting' }));
    const state = afterChecks(3);
    if (state.replicationGroup) state.replicationGroup.StartedAt = NOW - 100 * 60_000;

    // Act
    const result = await deleteReplicationGroup(deps, state);

    // Assess
    expect(result).toMatchObject({ Done: false, StartedAt: NOW - 100 * 60_000 });
  });

  it('fails with TeardownTimedOut once the next wait would pass the time limit', async () => {
    // Prepare: 120 minutes at 30 s per wait, this is the 240th check.
    ec.on(DescribeReplicationGroupsCommand).resolves(described({ Status: 'deleting' }));

    // Act
    const error = await rejection(deleteReplicationGroup(deps, afterChecks(240)));

    // Assess
    expect(error.name).toBe('TeardownTimedOut');
    expect(error.message).toContain('still deleting after 120 minutes');
  });

  it('makes no call at all when the request keeps the replication group', async () => {
    // Prepare
    const state = loadTeardownState('start');
    state.request.KeepReplicationGroup = true;

    // Act
    const result = await deleteReplicationGroup(deps, state);

    // Assess
    expect(ec.calls()).toHaveLength(0);
    expect(result).toMatchObject({ Status: 'kept', Done: true, Gone: false });
  });
});
