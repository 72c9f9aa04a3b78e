/**
 * Deleting the user groups created for the replication group. Called in a loop like the
 * replication group step. A user group is deleted only when it is tagged as the provisioner's for
 * this replication group and no other replication group uses it; its members are remembered for
 * the users step, because a deleted group no longer lists them.
 */
import { DeleteUserGroupCommand, type UserGroup } from '@aws-sdk/client-elasticache';
import { findUserGroup } from '../aws/lookups';
import type { ElastiCacheLike } from '../aws/types';
import { errorName, TeardownTimedOut } from '../errors';
import type { Log } from '../logger';
import { elastiCacheTags, isManagedFor, notManagedReason } from './ownership';
import { pastTimeLimit } from './timeLimit';
import type { KeptResource, TeardownState, UserGroupRecord, UserGroupsTeardown } from './types';

export interface DeleteUserGroupsDeps {
  elastiCache: ElastiCacheLike;
  logger: Log;
  /** Date.now by default. */
  now?: () => number;
}

export async function deleteUserGroups(
  deps: DeleteUserGroupsDeps,
  state: TeardownState,
): Promise<UserGroupsTeardown> {
  const { request } = state;
  const id = request.ReplicationGroupId;
  const previous = state.userGroups;
  const now = (deps.now ?? Date.now)();
  const kept: KeptResource[] = [...(previous?.Kept ?? [])];
  // The replication group's own id in a group's ReplicationGroups only means "not detached yet" once it is gone.
  const replicationGroupGone = state.replicationGroup?.Gone ?? false;

  const records: UserGroupRecord[] = previous
    ? previous.Groups.map((record) => ({ ...record, UserIds: [...record.UserIds] }))
    : await classify(deps, state, kept);

  const still: UserGroupRecord[] = [];
  for (const record of records) {
    if (record.Gone) {
      still.push(record);
      continue;
    }
    const group = await findUserGroup(deps.elastiCache, record.UserGroupId);
    if (!group) {
      deps.logger.info('User group deleted', { UserGroupId: record.UserGroupId });
      still.push({ ...record, Gone: true });
      continue;
    }
    const members = union(record.UserIds, lowerCase(group.UserIds));
    const users = group.ReplicationGroups ?? [];
    const others = users.filter((rg) => !(replicationGroupGone && rg.toLowerCase() === id));
    if (others.length > 0) {
      kept.push({
        Type: 'UserGroup',
        Id: record.UserGroupId,
        Reason: `still attached to replication group(s) ${others.join(', ')}`,
      });
      deps.logger.warn('User group still in use: kept', {
        UserGroupId: record.UserGroupId,
        ReplicationGroups: others,
      });
      continue;
    }
    still.push(await deleteWhenPossible(deps, { ...record, UserIds: members }, group, users.length > 0));
  }

  const result: UserGroupsTeardown = {
    Groups: still,
    Kept: kept,
    Done: still.every((record) => record.Gone),
    Attempt: (previous?.Attempt ?? 0) + 1,
    ElapsedSeconds: previous ? previous.ElapsedSeconds + request.Polling.WaitSeconds : 0,
    StartedAt: previous?.StartedAt ?? now,
  };
  if (!result.Done) checkTime(state, result, now);
  return result;
}

/** First call: which of the candidate user groups are the provisioner's for this replication group. */
async function classify(
  deps: DeleteUserGroupsDeps,
  state: TeardownState,
  kept: KeptResource[],
): Promise<UserGroupRecord[]> {
  const id = state.request.ReplicationGroupId;
  const candidates = [
    ...new Set([
      ...(state.replicationGroup?.UserGroupIds ?? []),
      ...(state.request.Rbac ? [state.request.Rbac.UserGroupId] : []),
    ]),
  ];
  const records: UserGroupRecord[] = [];
  for (const userGroupId of candidates) {
    const group = await findUserGroup(deps.elastiCache, userGroupId);
    if (!group) {
      deps.logger.info('User group not found: nothing to delete', { UserGroupId: userGroupId });
      continue;
    }
    const tags = await elastiCacheTags(deps.elastiCache, group.ARN);
    if (tags === 'gone') {
      deps.logger.info('User group not found: nothing to delete', { UserGroupId: userGroupId });
      continue;
    }
    if (!isManagedFor(tags, id)) {
      kept.push({ Type: 'UserGroup', Id: userGroupId, Reason: notManagedReason(id) });
      deps.logger.info("User group is not the provisioner's for this replication group: kept", {
        UserGroupId: userGroupId,
      });
      continue;
    }
    records.push({
      UserGroupId: userGroupId,
      UserIds: lowerCase(group.UserIds),
      DeleteRequested: false,
      Gone: false,
    });
  }
  return records;
}

async function deleteWhenPossible(
  deps: DeleteUserGroupsDeps,
  record: UserGroupRecord,
  group: UserGroup,
  detaching: boolean,
): Promise<UserGroupRecord> {
  const status = group.Status ?? 'unknown';
  if (status !== 'active' || detaching) {
    deps.logger.info('User group not deletable yet; checking again later', {
      UserGroupId: record.UserGroupId,
      Status: status,
      Detaching: detaching,
    });
    return record;
  }
  try {
    await deps.elastiCache.send(new DeleteUserGroupCommand({ UserGroupId: record.UserGroupId }));
    deps.logger.info('User group deletion started', { UserGroupId: record.UserGroupId });
    return { ...record, DeleteRequested: true };
  } catch (err) {
    const name = errorName(err);
    if (name === 'UserGroupNotFoundFault') return { ...record, Gone: true };
    if (name === 'InvalidUserGroupStateFault') return record;
    throw err;
  }
}

function checkTime(state: TeardownState, result: UserGroupsTeardown, now: number): void {
  const { Polling } = state.request;
  if (pastTimeLimit(Polling, result, now)) {
    const pending = result.Groups.filter((record) => !record.Gone).map((record) => record.UserGroupId);
    throw new TeardownTimedOut(
      `User group(s) ${pending.join(', ')} still not deleted after ${Polling.TimeoutMinutes} minutes; ` +
        'their users and secrets were not deleted. Run the teardown again once they are gone.',
    );
  }
}

function lowerCase(ids: readonly string[] | undefined): string[] {
  return (ids ?? []).map((value) => value.toLowerCase());
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
