/**
 * The converge loop's step: it reads the group again, plans again, and makes ONE call, the first one
 * left; the state machine then waits for `available` and calls it again until nothing is left.
 * Planning from what ElastiCache reports each time makes a re-run after a crash, or a second
 * execution, pick up exactly where things stand.
 */
import {
  AddTagsToResourceCommand,
  DecreaseReplicaCountCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-elasticache';
import type { ElastiCacheLike } from '../../aws/types';
import { ConflictError, errorName, ProvisioningTimedOut } from '../../errors';
import { CHANGE_TAG_KEY, DETACHED_TAG_KEY } from '../../tags';
import { STATUS_WAIT_LIMIT_MS } from '../polling';
import { createFailedError } from '../replicationGroup';
import type { NormalisedRequest, ProvisionState } from '../state';
import { checkMark, markSince, readMark, requestDigest, setMark } from './lock';
import { planChange } from './plan';
import { type ChangeDeps, changeState, secretIdOf, throwIfRefused } from './progress';
import { readCurrent } from './read';
import type { ChangeAction, ChangeState, ChangeStep, CurrentConfiguration } from './types';

/**
 * The calls the converge loop makes. Users are created (with their password secrets) and added to the
 * group by the workflow's users and user group steps, which run before it: CreateUser and
 * CreateUserGroup are in a plan only to be shown. DeleteSecret is handed to deleteUserSecrets
 * (secrets.ts), so this function carries no Secrets Manager client.
 */
const APPLIED_HERE: ReadonlySet<ChangeAction> = new Set<ChangeAction>([
  'ModifyUser',
  'ModifyUserGroup',
  'ModifyReplicationGroup',
  'IncreaseReplicaCount',
  'DecreaseReplicaCount',
  'ModifyReplicationGroupShardConfiguration',
  'AddTagsToResource',
  'RemoveTagsFromResource',
  'DeleteUser',
  'DeleteUserGroup',
  'DeleteSecret',
]);

/** Errors that mean "another change is under way": waited for, not failed. */
const BUSY = new Set([
  'InvalidReplicationGroupStateFault',
  'InvalidUserGroupStateFault',
  'InvalidUserStateFault',
  'InvalidCacheClusterStateFault',
]);

/** Seconds between two looks at a change under way; the availability check follows each one. */
const CHANGE_WAIT_SECONDS = 10;

export async function applyNextChange(deps: ChangeDeps, state: ProvisionState): Promise<ChangeState> {
  const { request } = state;
  const id = request.ReplicationGroupId;
  const previous = state.change ?? changeState({ Exists: true });
  const now = (deps.now ?? Date.now)();
  const checks = previous.Checks + 1;

  const current = await readCurrent(deps.elastiCache, request, previous.RemovedUsers);
  if (!current) {
    throw new ConflictError(
      `Replication group ${id} disappeared while it was being changed; nothing more was changed.`,
    );
  }
  if (current.Status === 'create-failed') throw await createFailedError(deps, id);
  if (current.Status === 'deleting') {
    throw new ConflictError(`Replication group ${id} is being deleted; the change stopped there.`);
  }
  checkMark(request, current.Tags, now, 'the change stopped here');
  const busy = busyWith(current);
  if (busy) return waiting(deps, previous, checks, now, busy);

  const plan = planChange(current, request);
  const handled = new Set(previous.SecretsHandled ?? []);
  const left = plan.steps.filter(
    (step) =>
      APPLIED_HERE.has(step.Action) && !(step.Action === 'DeleteSecret' && handled.has(secretIdOf(step))),
  );
  // One call a turn: the first one left.
  const [next] = left;
  if (plan.refused.length > 0 || !next) {
    await releaseMark(deps, request, current, plan.refused.length === 0);
  }
  // Someone changed the group meanwhile in a way that cannot be undone in place: stop, say what.
  throwIfRefused(request, plan);
  if (!next) {
    deps.logger.info('Replication group matches the request', {
      ReplicationGroupId: id,
      Applied: previous.Applied.length,
    });
    const { WaitingSince: _waited, ...finished } = previous;
    return { ...finished, Done: true, Waiting: false, WaitSeconds: 0, Checks: checks };
  }

  // Progress: a later wait is measured from its own start.
  const { WaitingSince: _waited, ...progressed } = previous;
  try {
    // A mark left by another request that timed out is taken over.
    if (current.ARN && readMark(current.Tags)?.digest !== requestDigest(request)) {
      await setMark(deps.elastiCache, current.ARN, request, markSince(state, now), plan.detached);
    }
    const secrets = leadingSecretDeletions(left);
    if (secrets.length > 0) {
      return {
        ...progressed,
        SecretsToDelete: secrets,
        Done: false,
        Waiting: false,
        WaitSeconds: 0,
        Checks: checks,
      };
    }
    await send(deps.elastiCache, next);
  } catch (err) {
    const name = errorName(err);
    if (name && BUSY.has(name)) {
      return waiting(deps, previous, checks, now, `${next.Action} refused for now (${name})`);
    }
    // The run ends here: another request may change the group at once (a re-run of this one would
    // anyway). The call's own error is the one to report, whatever becomes of the mark.
    await releaseMark(deps, request, current, false).catch(() => undefined);
    throw err;
  }
  deps.logger.info('Change applied', {
    ReplicationGroupId: id,
    Action: next.Action,
    Parameters: next.Parameters,
  });
  // Read again until gone: the change ends once the users it deletes are deleted, not while deleting.
  const removed =
    next.Action === 'DeleteUser'
      ? [String(next.Parameters.UserId)]
      : ((next.Parameters.UserIdsToRemove as string[] | undefined) ?? []);
  return {
    ...progressed,
    Applied: [...previous.Applied, next],
    RemovedUsers: [...new Set([...previous.RemovedUsers, ...removed])],
    Done: false,
    Waiting: false,
    WaitSeconds: CHANGE_WAIT_SECONDS,
    Checks: checks,
  };
}

/** The DeleteSecret steps the plan puts before its next ElastiCache call. */
function leadingSecretDeletions(left: readonly ChangeStep[]): ChangeStep[] {
  const end = left.findIndex((step) => step.Action !== 'DeleteSecret');
  return left.slice(0, end === -1 ? left.length : end);
}

/**
 * Removes this request's change mark, if it holds the group, and once the change is `finished` the
 * list of detached user groups (their clean-up is over); a run that stops keeps the list for the next.
 */
async function releaseMark(
  deps: ChangeDeps,
  request: NormalisedRequest,
  current: CurrentConfiguration,
  finished: boolean,
): Promise<void> {
  const ours = readMark(current.Tags)?.digest === requestDigest(request);
  const remembered = finished && current.Tags.some((tag) => tag.Key === DETACHED_TAG_KEY);
  const keys = [...(ours ? [CHANGE_TAG_KEY] : []), ...(remembered ? [DETACHED_TAG_KEY] : [])];
  if (!current.ARN || keys.length === 0) return;
  await removeTags(deps.elastiCache, { ResourceName: current.ARN, TagKeys: keys });
}

/** Tags already gone (another execution of the same request removed them first) are as good as removed. */
async function removeTags(elastiCache: ElastiCacheLike, input: { ResourceName: string; TagKeys: string[] }) {
  try {
    await elastiCache.send(new RemoveTagsFromResourceCommand(input));
  } catch (err) {
    if (errorName(err) !== 'TagNotFoundFault') throw err;
  }
}

/** Why the next call must wait (`modifying`, `snapshotting`, a user group still applying members...), or undefined when the group, its user group and its users are settled. */
function busyWith(current: CurrentConfiguration): string | undefined {
  if (current.Status !== 'available')
    return `replication group ${current.ReplicationGroupId} is ${current.Status}`;
  if (current.UserGroup && current.UserGroup.Status !== 'active') {
    return `user group ${current.UserGroup.UserGroupId} is ${current.UserGroup.Status}`;
  }
  // A detached group to delete: its members leave it (modifying), then it is deleted (deleting, then gone).
  const detached = current.DetachedUserGroups?.find(
    (group) => group.Exists && group.Managed && group.Status !== 'active',
  );
  if (detached) return `user group ${detached.UserGroupId} is ${detached.Status}`;
  const user = current.Users.find((item) => item.Status !== 'active');
  return user ? `user ${user.UserId} is ${user.Status}` : undefined;
}

function waiting(
  deps: ChangeDeps,
  previous: ChangeState,
  checks: number,
  now: number,
  why: string,
): ChangeState {
  const since = previous.WaitingSince ?? now;
  if (now - since >= STATUS_WAIT_LIMIT_MS) {
    throw new ProvisioningTimedOut(
      `The change could not go on for ${Math.round((now - since) / 60_000)} minutes: ${why}.`,
    );
  }
  deps.logger.info('A change is under way; waiting for it', { Reason: why, Checks: checks });
  return {
    ...previous,
    Done: false,
    Waiting: true,
    WaitSeconds: CHANGE_WAIT_SECONDS,
    Checks: checks,
    WaitingSince: since,
  };
}

/** The ElastiCache command of each action the converge loop makes (DeleteSecret is Secrets Manager's). */
const COMMANDS: Partial<Record<ChangeAction, new (input: never) => object>> = {
  ModifyUser: ModifyUserCommand,
  ModifyUserGroup: ModifyUserGroupCommand,
  ModifyReplicationGroup: ModifyReplicationGroupCommand,
  IncreaseReplicaCount: IncreaseReplicaCountCommand,
  DecreaseReplicaCount: DecreaseReplicaCountCommand,
  ModifyReplicationGroupShardConfiguration: ModifyReplicationGroupShardConfigurationCommand,
  AddTagsToResource: AddTagsToResourceCommand,
  DeleteUser: DeleteUserCommand,
  DeleteUserGroup: DeleteUserGroupCommand,
};

/** A deletion that finds its resource already gone has nothing left to do. */
const GONE: Partial<Record<ChangeAction, string>> = {
  DeleteUser: 'UserNotFoundFault',
  DeleteUserGroup: 'UserGroupNotFoundFault',
};

/** The one call a step is; its parameters are exactly what planChange wrote (and `--plan` showed). */
async function send(elastiCache: ElastiCacheLike, step: ChangeStep): Promise<void> {
  // The parameters were built for this very action by planChange.
  const input = step.Parameters as never;
  if (step.Action === 'RemoveTagsFromResource') return removeTags(elastiCache, input);
  const Command = COMMANDS[step.Action];
  // CreateUser and CreateUserGroup are never chosen (APPLIED_HERE): the users and user group steps make them.
  if (!Command) return;
  try {
    // The command built for this action: its input is the one planChange wrote for it.
    await elastiCache.send(new Command(input) as never);
  } catch (err) {
    if (errorName(err) !== GONE[step.Action]) throw err;
  }
}
