/**
 * Makes sure the request's user group exists and holds every requested user. Called in a
 * loop until the group is `active`; users already in the group are never removed, because
 * other clusters may rely on them.
 */
import { CreateUserGroupCommand, ModifyUserGroupCommand, type UserGroup } from '@aws-sdk/client-elasticache';
import { findUserGroup } from '../aws/lookups';
import type { ElastiCacheLike } from '../aws/types';
import { type Clock, systemClock } from '../clock';
import { ConflictError, errorName, ResourceNotReady } from '../errors';
import type { Log } from '../logger';
import { managedTags } from '../tags';
import { countCheck, giveUpAfterStatusWaitLimit } from './polling';
import type { EnsureUserGroupResult, NormalisedRequest, ProvisionState } from './state';

export interface EnsureUserGroupDeps {
  elastiCache: ElastiCacheLike;
  logger: Log;
  /** The wait for the group to become active is bounded in time; the system clock by default. */
  clock?: Pick<Clock, 'now'>;
}

export async function ensureUserGroup(
  deps: EnsureUserGroupDeps,
  state: ProvisionState,
): Promise<EnsureUserGroupResult> {
  const { request } = state;
  const now = (deps.clock ?? systemClock).now();
  const rbac = request.Rbac;
  if (!rbac) {
    // The state machine skips this step without Rbac; answering "done" keeps a stray call harmless.
    deps.logger.info('No RBAC user group requested');
    return {
      UserGroupId: '',
      Status: 'not-requested',
      Active: true,
      Created: false,
      AddedUsers: [],
      Checks: 1,
      FirstCheckedAt: now,
    };
  }
  const { UserGroupId } = rbac;
  const previous = state.userGroup;
  const wanted = rbac.Users.map((user) => user.UserId);
  const checks = countCheck(previous, now);
  /** The outcome of this check; a group still not active after STATUS_WAIT_LIMIT_MS ends the run. */
  const result = (status: string, created: boolean, added: string[]): EnsureUserGroupResult => {
    giveUpAfterStatusWaitLimit(
      status === 'active',
      checks,
      now,
      (minutes) => `User group ${UserGroupId} still ${status} after ${minutes} minutes`,
    );
    return {
      UserGroupId,
      Status: status,
      Active: status === 'active',
      Created: (previous?.Created ?? false) || created,
      AddedUsers: [...new Set([...(previous?.AddedUsers ?? []), ...added])],
      ...checks,
    };
  };

  const current = await findUserGroup(deps.elastiCache, UserGroupId);
  if (current === undefined) {
    let out: { Status?: string };
    try {
      out = await deps.elastiCache.send(
        new CreateUserGroupCommand({
          UserGroupId,
          Engine: request.Engine,
          UserIds: wanted,
          Tags: managedTags(request),
        }),
      );
    } catch (err) {
      // Created by a concurrent execution: the retried step finds it and completes it if needed.
      if (errorName(err) === 'UserGroupAlreadyExistsFault') {
        throw new ResourceNotReady(`User group ${UserGroupId} was created concurrently; checking it again`, {
          cause: err,
        });
      }
      throw err;
    }
    const status = out.Status ?? 'creating';
    deps.logger.info('User group created', { UserGroupId, Status: status, UserIds: wanted });
    return result(status, true, []);
  }

  const status = current.Status ?? 'unknown';
  if (current.Engine !== undefined && current.Engine.toLowerCase() !== request.Engine) {
    throw new ConflictError(
      `User group ${UserGroupId} exists for engine ${current.Engine}, not ${request.Engine} (nothing was changed)`,
    );
  }
  if (status === 'deleting') {
    throw new ResourceNotReady(`User group ${UserGroupId} is being deleted; it is created again once gone`);
  }

  const members = new Set((current.UserIds ?? []).map((id) => id.toLowerCase()));
  const missing = wanted.filter((id) => !members.has(id));
  const extra = [...members].filter((id) => !wanted.includes(id));
  if (extra.length > 0) {
    deps.logger.info('User group holds users the request does not name; they are kept', {
      UserGroupId,
      UserIds: extra,
    });
  }
  if (missing.length === 0) {
    deps.logger.info('User group checked', { UserGroupId, Status: status });
    return result(status, false, []);
  }
  if (status !== 'active') {
    // ModifyUserGroup on a group that is not active fails; the state machine checks again later.
    deps.logger.info('User group not active yet; users to be added on a later check', {
      UserGroupId,
      Status: status,
      MissingUserIds: missing,
    });
    return result(status, false, []);
  }
  // Only additions: InvalidUserGroupStateFault (a concurrent change) propagates for the state machine to retry.
  const out = await deps.elastiCache.send(new ModifyUserGroupCommand({ UserGroupId, UserIdsToAdd: missing }));
  const newStatus = out.Status ?? 'modifying';
  deps.logger.info('Users added to user group', { UserGroupId, Status: newStatus, AddedUserIds: missing });
  return result(newStatus, false, missing);
}

/**
 * Runs before anything is created: every user group the request attaches (its own Rbac group
 * included) that already exists must be of the request's engine, since ElastiCache attaches groups
 * only to clusters of their engine. A mismatch stops the run with ConflictError, nothing changed.
 */
export async function checkExistingUserGroups(
  deps: { elastiCache: ElastiCacheLike; logger: Log },
  request: NormalisedRequest,
): Promise<void> {
  const groups = await Promise.all(request.UserGroupIds.map((id) => findUserGroup(deps.elastiCache, id)));
  const mismatched = groups.filter(
    (group): group is UserGroup =>
      group?.Engine !== undefined && group.Engine.toLowerCase() !== request.Engine,
  );
  if (mismatched.length > 0) {
    const listed = mismatched.map((group) => `${group.UserGroupId} (${group.Engine})`).join(', ');
    throw new ConflictError(
      `User groups of another engine than ${request.Engine} cannot be attached: ${listed}; nothing was changed`,
    );
  }
}
