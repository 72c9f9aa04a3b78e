/**
 * Last teardown step: the users of the deleted user groups (and those the request names), then
 * the password secrets the provisioner generated for them, and the summary of what was deleted.
 *
 * A user is deleted only when it is tagged as the provisioner's for this replication group and no
 * longer belongs to any user group: DeleteUser would silently take it out of another group, and so
 * out of another cluster. ElastiCache's own `default` user is never touched.
 *
 * Generated secrets are deleted without a recovery window: the password they hold belongs to a
 * user that no longer exists, so there is nothing worth recovering, and a secret waiting out a
 * recovery window keeps its name taken, which would make provisioning the same ids again fail
 * for a week.
 */
import { DeleteUserCommand } from '@aws-sdk/client-elasticache';
import { DeleteSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { findUser } from '../aws/lookups';
import type { ElastiCacheLike, SecretsManagerLike } from '../aws/types';
import { mapWithConcurrency } from '../concurrency';
import { errorName, ResourceNotReady } from '../errors';
import type { Log } from '../logger';
import { generatedSecretName } from '../provision/secrets';
import { elastiCacheTags, isManagedFor, notManagedReason } from './ownership';
import type { KeptResource, TeardownResult, TeardownState } from './types';

export interface DeleteUsersDeps {
  elastiCache: ElastiCacheLike;
  secretsManager: SecretsManagerLike;
  logger: Log;
}

/** ElastiCache's built-in user: every account has it and redis user groups may use it. */
export const ELASTICACHE_DEFAULT_USER_ID = 'default';

// A 100-user group stays well inside the Lambda timeout without provoking throttling.
const CONCURRENCY = 4;

type UserOutcome =
  | { kind: 'deleted'; userId: string }
  | { kind: 'gone'; userId: string }
  | { kind: 'kept'; userId: string; kept: KeptResource };

export async function deleteUsersAndSecrets(
  deps: DeleteUsersDeps,
  state: TeardownState,
): Promise<TeardownResult> {
  const { request } = state;
  const deletedGroups = (state.userGroups?.Groups ?? []).filter((record) => record.Gone);
  const deletedGroupIds = new Set(deletedGroups.map((record) => record.UserGroupId));

  // Every candidate user with the user groups its generated secret may be named after.
  const candidates = new Map<string, Set<string>>();
  const add = (userId: string, userGroupId: string) => {
    if (userId === ELASTICACHE_DEFAULT_USER_ID) return;
    const groups = candidates.get(userId) ?? new Set<string>();
    groups.add(userGroupId);
    candidates.set(userId, groups);
  };
  for (const record of deletedGroups) for (const userId of record.UserIds) add(userId, record.UserGroupId);
  if (request.Rbac) for (const userId of request.Rbac.UserIds) add(userId, request.Rbac.UserGroupId);

  const outcomes = await mapWithConcurrency([...candidates.keys()], CONCURRENCY, (userId) =>
    deleteUser(deps, state, userId, deletedGroupIds),
  );

  const secretNames = outcomes
    .filter((outcome) => outcome.kind !== 'kept')
    .flatMap((outcome) =>
      [...(candidates.get(outcome.userId) ?? [])].map((g) => generatedSecretName(g, outcome.userId)),
    );
  const secrets = await mapWithConcurrency(secretNames, CONCURRENCY, (name) =>
    deleteGeneratedSecret(deps, request.ReplicationGroupId, name),
  );

  const rg = state.replicationGroup;
  const kept: KeptResource[] = [
    ...(rg?.Kept ? [rg.Kept] : []),
    ...(state.userGroups?.Kept ?? []),
    ...outcomes.flatMap((outcome) => (outcome.kind === 'kept' ? [outcome.kept] : [])),
    ...secrets.flatMap((secret) => (secret.kept ? [secret.kept] : [])),
  ];
  const result: TeardownResult = {
    ReplicationGroupId: request.ReplicationGroupId,
    Deleted: {
      ReplicationGroup: Boolean(rg?.Found && rg.Managed && rg.Gone),
      UserGroups: deletedGroups.map((record) => record.UserGroupId),
      Users: outcomes.filter((outcome) => outcome.kind === 'deleted').map((outcome) => outcome.userId),
      Secrets: secrets.flatMap((secret) => (secret.deletedArn ? [secret.deletedArn] : [])),
    },
    Kept: kept,
    ...(rg?.DeleteRequested && request.FinalSnapshotIdentifier
      ? { FinalSnapshotIdentifier: request.FinalSnapshotIdentifier }
      : {}),
    ...(request.CorrelationId ? { CorrelationId: request.CorrelationId } : {}),
  };
  deps.logger.info('Teardown finished', { Deleted: result.Deleted, Kept: result.Kept });
  return result;
}

async function deleteUser(
  deps: DeleteUsersDeps,
  state: TeardownState,
  userId: string,
  deletedGroupIds: ReadonlySet<string>,
): Promise<UserOutcome> {
  const id = state.request.ReplicationGroupId;
  const user = await findUser(deps.elastiCache, userId);
  const tags = user ? await elastiCacheTags(deps.elastiCache, user.ARN) : 'gone';
  if (!user || tags === 'gone') return { kind: 'gone', userId };
  if (!isManagedFor(tags, id)) {
    return { kind: 'kept', userId, kept: { Type: 'User', Id: userId, Reason: notManagedReason(id) } };
  }
  // A just-deleted group may linger in the list for a moment; any other group means the user is in use.
  const otherGroups = (user.UserGroupIds ?? []).filter(
    (groupId) => !deletedGroupIds.has(groupId.toLowerCase()),
  );
  if (otherGroups.length > 0) {
    return {
      kind: 'kept',
      userId,
      kept: { Type: 'User', Id: userId, Reason: `still a member of user group(s) ${otherGroups.join(', ')}` },
    };
  }
  const status = user.Status ?? 'unknown';
  if (status === 'deleting') return { kind: 'deleted', userId };
  if (status !== 'active') {
    throw new ResourceNotReady(`User ${userId} is ${status}; it can be deleted once active`);
  }
  try {
    await deps.elastiCache.send(new DeleteUserCommand({ UserId: userId }));
    deps.logger.info('User deleted', { UserId: userId });
    return { kind: 'deleted', userId };
  } catch (err) {
    if (errorName(err) === 'UserNotFoundFault') return { kind: 'gone', userId };
    throw err;
  }
}

/**
 * Deletes the secret named `name` when it carries the provisioner's tags for replication group `id`;
 * one already gone (or scheduled for deletion) is nothing to do. Never reads its value.
 */
export async function deleteGeneratedSecret(
  deps: Pick<DeleteUsersDeps, 'secretsManager' | 'logger'>,
  id: string,
  name: string,
): Promise<{ deletedArn?: string; kept?: KeptResource }> {
  let described: Awaited<ReturnType<typeof describeSecret>>;
  try {
    described = await describeSecret(deps.secretsManager, name);
  } catch (err) {
    // IAM users and users with a secret of their own have no generated secret.
    if (errorName(err) === 'ResourceNotFoundException') return {};
    throw err;
  }
  const arn = described.ARN ?? name;
  if (described.DeletedDate !== undefined) return {};
  if (!isManagedFor(described.Tags, id)) {
    return { kept: { Type: 'Secret', Id: arn, Reason: notManagedReason(id) } };
  }
  try {
    await deps.secretsManager.send(
      new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }),
    );
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return {};
    throw err;
  }
  deps.logger.info('Generated secret deleted', { SecretArn: arn });
  return { deletedArn: arn };
}

function describeSecret(secretsManager: SecretsManagerLike, name: string) {
  return secretsManager.send(new DescribeSecretCommand({ SecretId: name }));
}
