/**
 * Deleting the replication group, when it is the provisioner's. The state machine calls this in a
 * loop (Wait, call again) until the group is gone, so every call is a re-check: it asks for the
 * deletion once the group's status allows it, and otherwise only reports.
 */
import { DeleteReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import { findReplicationGroup } from '../aws/lookups';
import type { ElastiCacheLike } from '../aws/types';
import { ConflictError, errorName, TeardownTimedOut } from '../errors';
import type { Log } from '../logger';
import { elastiCacheTags, isManagedFor, notManagedReason } from './ownership';
import { pastTimeLimit } from './timeLimit';
import type { ReplicationGroupTeardown, TeardownRequest, TeardownState } from './types';

export interface DeleteReplicationGroupDeps {
  elastiCache: ElastiCacheLike;
  logger: Log;
  /** Date.now by default. */
  now?: () => number;
}

/** Statuses in which DeleteReplicationGroup is accepted; others (creating, modifying, snapshotting) wait. */
const DELETABLE = new Set(['available', 'create-failed']);

export async function deleteReplicationGroup(
  deps: DeleteReplicationGroupDeps,
  state: TeardownState,
): Promise<ReplicationGroupTeardown> {
  const { request } = state;
  const id = request.ReplicationGroupId;
  const previous = state.replicationGroup;
  const now = (deps.now ?? Date.now)();
  const base: ReplicationGroupTeardown = {
    ReplicationGroupId: id,
    Found: previous?.Found ?? false,
    Managed: previous?.Managed ?? false,
    DeleteRequested: previous?.DeleteRequested ?? false,
    Status: previous?.Status ?? 'unknown',
    Gone: false,
    Done: false,
    UserGroupIds: previous?.UserGroupIds ?? [],
    Attempt: (previous?.Attempt ?? 0) + 1,
    ElapsedSeconds: previous ? previous.ElapsedSeconds + request.Polling.WaitSeconds : 0,
    StartedAt: previous?.StartedAt ?? now,
  };

  if (request.KeepReplicationGroup) {
    deps.logger.info('Replication group kept on request', { ReplicationGroupId: id });
    return {
      ...base,
      Status: 'kept',
      Done: true,
      Kept: { Type: 'ReplicationGroup', Id: id, Reason: 'KeepReplicationGroup was requested' },
    };
  }

  const group = await findReplicationGroup(deps.elastiCache, id);
  // Checked on every call, not only the first: the tags decide, and they are cheap to read.
  const tags = group ? await elastiCacheTags(deps.elastiCache, group.ARN) : 'gone';
  if (!group || tags === 'gone') {
    const seen = base.Found || group !== undefined;
    deps.logger.info(seen ? 'Replication group deleted' : 'Replication group not found: nothing to delete', {
      ReplicationGroupId: id,
    });
    // Managed stays as the last check found it: a group that vanished mid-check was seen, not judged.
    return { ...base, Found: seen, Status: seen ? 'deleted' : 'not-found', Gone: true, Done: true };
  }

  const status = group.Status ?? 'unknown';
  const found = { ...base, Found: true, Status: status };
  if (!isManagedFor(tags, id)) {
    const reason = notManagedReason(id);
    if (request.IfNotManaged === 'keep') {
      deps.logger.warn("Replication group is not the provisioner's: kept", {
        ReplicationGroupId: id,
        Status: status,
      });
      return { ...found, Done: true, Kept: { Type: 'ReplicationGroup', Id: id, Reason: reason } };
    }
    throw new ConflictError(
      `Replication group ${id} was not created by elasticache-provisioner (${reason}); nothing was deleted.`,
    );
  }

  const attached = union(
    base.UserGroupIds,
    (group.UserGroupIds ?? []).map((groupId) => groupId.toLowerCase()),
  );
  const managed = { ...found, Managed: true, UserGroupIds: attached };
  if (DELETABLE.has(status)) {
    return requestDeletion(deps, request, managed, status, now);
  }
  if (status !== 'deleting') {
    deps.logger.info('Replication group cannot be deleted in its current status yet; checking again later', {
      ReplicationGroupId: id,
      Status: status,
    });
  }
  return checkTime(request, managed, now);
}

async function requestDeletion(
  deps: DeleteReplicationGroupDeps,
  request: TeardownRequest,
  current: ReplicationGroupTeardown,
  status: string,
  now: number,
): Promise<ReplicationGroupTeardown> {
  const id = request.ReplicationGroupId;
  // A group that never became available holds no data to snapshot, and refuses a final snapshot.
  const snapshot = status === 'available' ? request.FinalSnapshotIdentifier : undefined;
  try {
    const out = await deps.elastiCache.send(
      new DeleteReplicationGroupCommand({
        ReplicationGroupId: id,
        RetainPrimaryCluster: false,
        ...(snapshot === undefined ? {} : { FinalSnapshotIdentifier: snapshot }),
      }),
    );
    const newStatus = out.ReplicationGroup?.Status ?? 'deleting';
    deps.logger.info('Replication group deletion started', {
      ReplicationGroupId: id,
      Status: newStatus,
      FinalSnapshotIdentifier: snapshot,
    });
    return checkTime(request, { ...current, DeleteRequested: true, Status: newStatus }, now);
  } catch (err) {
    const name = errorName(err);
    if (name === 'ReplicationGroupNotFoundFault') {
      return { ...current, Status: 'deleted', Gone: true, Done: true };
    }
    // The status moved between the describe and the delete: the next check decides again.
    if (name === 'InvalidReplicationGroupStateFault') {
      deps.logger.info('Replication group changed status before it could be deleted; checking again later', {
        ReplicationGroupId: id,
      });
      return checkTime(request, current, now);
    }
    throw err;
  }
}

/** A check that did not finish the deletion; fails once the next wait would pass the time limit. */
function checkTime(
  request: TeardownRequest,
  current: ReplicationGroupTeardown,
  now: number,
): ReplicationGroupTeardown {
  if (pastTimeLimit(request.Polling, current, now)) {
    throw new TeardownTimedOut(
      `Replication group ${request.ReplicationGroupId} is still ${current.Status} after ${request.Polling.TimeoutMinutes} minutes; ` +
        'nothing after it (user groups, users, secrets) was deleted. Run the teardown again once it is gone.',
    );
  }
  return current;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
