/**
 * planChange: what differs between an existing replication group and the request, and the
 * ElastiCache calls that make the group match, in a safe order. Pure: the same function backs the
 * workflow's converge loop, `--plan` and the tests.
 *
 * The order, and why:
 *  1. users: CreateUser, then ModifyUser (access strings), so every requested user exists with its
 *     final rights before it joins the group;
 *  2. user group membership: ModifyUserGroup (one call adds and removes, so a redis group never lacks
 *     its `default` user), then DeleteUser for users no longer requested (see below), each after
 *     DeleteSecret for its generated password secret;
 *  3. ModifyReplicationGroup settings that move no data (description, snapshot retention, security
 *     groups, parameter group), then attaching or detaching user groups, then deleting the detached
 *     ones the provisioner created (see detachedCleanUp);
 *  4. engine upgrade (with the parameter group of the new family in the same call, as ElastiCache requires);
 *  5. capacity up before capacity down: node type scale-up, replicas added, then automatic failover and
 *     Multi-AZ switched on (they need the replicas), shards added; shards removed next (onto nodes that
 *     still have the larger size), failover and Multi-AZ switched off before the replicas they need
 *     go, replicas removed, and node type scale-down last, once the nodes it shrinks hold their final data;
 *  6. tags.
 * A user no longer requested is deleted right after the membership step when the provisioner created
 * it for this replication group and no other group uses it (DeleteUser takes it out of the group in
 * the same call); otherwise it only leaves the group.
 * One call at a time: ElastiCache refuses a modification while the group is `modifying`.
 */

import { compareVersions, parseVersion } from '../../request/versions';
import { CHANGE_TAG_KEY, DETACHED_TAG_KEY, managedTags } from '../../tags';
import { generatedSecretName } from '../secrets';
import type { NormalisedRequest, NormalisedUser, Tag } from '../state';
import type {
  ChangePlan,
  ChangeStep,
  CurrentConfiguration,
  CurrentNodeGroup,
  CurrentUser,
  DetachedEntry,
  FieldChange,
  RefusedChange,
} from './types';

/** ElastiCache's built-in user: it may leave a group, it is never deleted. */
const ELASTICACHE_DEFAULT_USER = 'default';

/** The oldest Redis OSS version ElastiCache upgrades to Valkey in place. */
const VALKEY_UPGRADE_FROM: readonly [number, number, number] = [5, 0, 6];

export function planChange(current: CurrentConfiguration, requested: NormalisedRequest): ChangePlan {
  const changes: FieldChange[] = [];
  const refused: RefusedChange[] = [];
  const change = (field: string, from: unknown, to: unknown): FieldChange => {
    const item = { field, current: from, requested: to };
    changes.push(item);
    return item;
  };
  const refuse = (item: FieldChange, reason: string) => refused.push({ ...item, reason });

  const id = requested.ReplicationGroupId;
  const modify = (parameters: Record<string, unknown>, reason: string): ChangeStep => ({
    Action: 'ModifyReplicationGroup',
    Parameters: { ReplicationGroupId: id, ...parameters, ApplyImmediately: true },
    Reason: reason,
  });

  // What cannot change in place.
  const clusterModeChanged =
    current.ClusterMode !== undefined && current.ClusterMode !== requested.ClusterMode;
  if (clusterModeChanged) {
    refuse(
      change('ClusterMode', current.ClusterMode, requested.ClusterMode),
      current.ClusterMode === 'enabled'
        ? 'ElastiCache cannot turn cluster mode off'
        : 'turning cluster mode on is a migration through ClusterMode "compatible" that clients must follow; create a new group instead',
    );
  }
  if (differs(current.TransitEncryptionEnabled, requested.TransitEncryptionEnabled)) {
    refuse(
      change(
        'TransitEncryptionEnabled',
        current.TransitEncryptionEnabled,
        requested.TransitEncryptionEnabled,
      ),
      'in-transit encryption is not changed in place by the workflow (clients must move with it); create a new group',
    );
  }
  if (differs(current.AtRestEncryptionEnabled, requested.AtRestEncryptionEnabled)) {
    refuse(
      change('AtRestEncryptionEnabled', current.AtRestEncryptionEnabled, requested.AtRestEncryptionEnabled),
      'ElastiCache sets at-rest encryption only when a group is created',
    );
  }
  if (
    requested.CacheSubnetGroupName !== undefined &&
    differs(current.CacheSubnetGroupName, requested.CacheSubnetGroupName)
  ) {
    refuse(
      change('CacheSubnetGroupName', current.CacheSubnetGroupName, requested.CacheSubnetGroupName),
      'ElastiCache cannot move a group to another subnet group',
    );
  }
  const engine = engineChange(current, requested);
  if (engine.change) {
    const item = change(engine.change.field, engine.change.current, engine.change.requested);
    if (engine.refusedReason) refuse(item, engine.refusedReason);
  }

  // Users.
  const rbac = requested.Rbac;
  const currentUsers = new Map(current.Users.map((user) => [user.UserId, user]));
  const createUsers: ChangeStep[] = [];
  const modifyUsers: ChangeStep[] = [];
  for (const user of rbac?.Users ?? []) {
    const existing = currentUsers.get(user.UserId);
    const field = `Rbac.Users[${user.UserId}]`;
    if (!existing) {
      change(field, null, { UserName: user.UserName, AccessString: user.AccessString });
      createUsers.push(createUserStep(requested, user));
      continue;
    }
    if (existing.UserName !== user.UserName) {
      refuse(
        change(`${field}.UserName`, existing.UserName, user.UserName),
        'ElastiCache cannot rename a user; give the new name another UserId',
      );
    }
    if (existing.AuthenticationType !== user.AuthenticationType) {
      refuse(
        change(`${field}.AuthenticationType`, existing.AuthenticationType, user.AuthenticationType),
        'the authentication type of a user is not changed in place; give the user another UserId',
      );
    }
    if (!sameAccessString(existing.AccessString, user.AccessString)) {
      change(`${field}.AccessString`, existing.AccessString, user.AccessString);
      modifyUsers.push({
        Action: 'ModifyUser',
        Parameters: { UserId: user.UserId, AccessString: user.AccessString },
        Reason: `access string of ${user.UserId}`,
      });
    }
  }

  // A user the provisioner created for this group alone is deleted, which takes it out of the group
  // in the same call (so a crash cannot leave it outside every group, undeleted); any other user that
  // is no longer requested only leaves the group. A redis group's `default` user cannot be deleted
  // while it is in the group: it is swapped out with ModifyUserGroup and deleted afterwards.
  const deletable = (user: CurrentUser | undefined) => isDeletable(user, rbac?.UserGroupId, rbac);
  const membership: ChangeStep[] = [];
  const deleteUsers: ChangeStep[] = [];
  const deleteUser = (user: CurrentUser, why: string) =>
    deleteUsers.push(...userDeletion(user, rbac?.UserGroupId, id, why));
  if (rbac) {
    const wanted = new Set(rbac.Users.map((user) => user.UserId));
    const group = current.UserGroup;
    if (!group) {
      membership.push({
        Action: 'CreateUserGroup',
        Parameters: {
          UserGroupId: rbac.UserGroupId,
          Engine: requested.Engine,
          UserIds: [...wanted],
          Tags: managedTags(requested),
        },
        Reason: `user group ${rbac.UserGroupId} does not exist yet`,
      });
    } else {
      const toAdd = [...wanted].filter((userId) => !group.UserIds.includes(userId));
      const toRemove: string[] = [];
      for (const userId of group.UserIds.filter((member) => !wanted.has(member))) {
        change(`Rbac.Users[${userId}]`, `member of ${group.UserGroupId}`, null);
        const user = currentUsers.get(userId);
        if (deletable(user) && user.UserName !== 'default') deleteUser(user, 'is no longer requested');
        else toRemove.push(userId);
      }
      if (toAdd.length > 0 || toRemove.length > 0) {
        membership.push({
          Action: 'ModifyUserGroup',
          Parameters: {
            UserGroupId: group.UserGroupId,
            ...(toAdd.length > 0 ? { UserIdsToAdd: toAdd } : {}),
            ...(toRemove.length > 0 ? { UserIdsToRemove: toRemove } : {}),
          },
          Reason: `members of user group ${group.UserGroupId}`,
        });
      }
    }
  }
  // Users an earlier step of this change took out of the group (a swapped-out default user).
  const detached = current.DetachedUserGroups ?? [];
  const ofDetached = new Set(detached.flatMap((item) => [...item.UserIds, item.DefaultUserId ?? '']));
  for (const user of current.Users) {
    if (wantedUser(rbac, user.UserId) || current.UserGroup?.UserIds.includes(user.UserId)) continue;
    if (ofDetached.has(user.UserId)) continue;
    if (deletable(user)) deleteUser(user, 'left the group');
  }

  // Settings that move no data.
  const settings: Record<string, unknown> = {};
  if (differs(current.Description, requested.ReplicationGroupDescription)) {
    change('ReplicationGroupDescription', current.Description, requested.ReplicationGroupDescription);
    settings.ReplicationGroupDescription = requested.ReplicationGroupDescription;
  }
  if (differs(current.SnapshotRetentionLimit, requested.SnapshotRetentionLimit)) {
    change('SnapshotRetentionLimit', current.SnapshotRetentionLimit, requested.SnapshotRetentionLimit);
    settings.SnapshotRetentionLimit = requested.SnapshotRetentionLimit;
  }
  // An empty list in the request leaves the security groups as they are (the VPC's default at creation).
  if (
    requested.SecurityGroupIds.length > 0 &&
    differsAsSet(current.SecurityGroupIds, requested.SecurityGroupIds)
  ) {
    change('SecurityGroupIds', current.SecurityGroupIds, requested.SecurityGroupIds);
    settings.SecurityGroupIds = requested.SecurityGroupIds;
  }
  const parameterGroup = requestedParameterGroup(requested);
  const parameterGroupChanged = differs(current.CacheParameterGroupName, parameterGroup);
  if (parameterGroupChanged)
    change('CacheParameterGroupName', current.CacheParameterGroupName, parameterGroup);
  if (parameterGroupChanged && !engine.change) settings.CacheParameterGroupName = parameterGroup;

  const userGroupsToAdd = requested.UserGroupIds.filter((groupId) => !current.UserGroupIds.includes(groupId));
  const userGroupsToRemove = current.UserGroupIds.filter(
    (groupId) => !requested.UserGroupIds.includes(groupId),
  );
  if (userGroupsToAdd.length > 0 || userGroupsToRemove.length > 0) {
    change('UserGroupIds', current.UserGroupIds, requested.UserGroupIds);
  }
  const cleanUp = detachedCleanUp(current, requested, currentUsers, change);

  // Topology.
  const sizeUp = nodeTypeChange(current.CacheNodeType, requested.CacheNodeType);
  if (sizeUp !== undefined) change('CacheNodeType', current.CacheNodeType, requested.CacheNodeType);
  const replicas = clusterModeChanged ? undefined : replicaChange(current, requested);
  if (replicas) change(replicas.field, replicas.current, replicas.requested);
  const shards = clusterModeChanged ? undefined : shardChange(current, requested);
  if (shards) change('NumNodeGroups', current.NodeGroups?.length, requested.NumNodeGroups);

  const failoverOn = isOn(current.AutomaticFailover);
  const multiAzOn = isOn(current.MultiAZ);
  const switchOn: Record<string, boolean> = {};
  const switchOff: Record<string, boolean> = {};
  if (current.AutomaticFailover !== undefined && failoverOn !== requested.AutomaticFailoverEnabled) {
    change('AutomaticFailoverEnabled', failoverOn, requested.AutomaticFailoverEnabled);
    (requested.AutomaticFailoverEnabled ? switchOn : switchOff).AutomaticFailoverEnabled =
      requested.AutomaticFailoverEnabled;
  }
  if (current.MultiAZ !== undefined && multiAzOn !== requested.MultiAZEnabled) {
    change('MultiAZEnabled', multiAzOn, requested.MultiAZEnabled);
    (requested.MultiAZEnabled ? switchOn : switchOff).MultiAZEnabled = requested.MultiAZEnabled;
  }

  const tagSteps = tagChange(current, requested, change);

  if (!current.Managed && changes.length > 0) {
    const reason = `replication group ${id} was not created by the provisioner, so it is used as it is and never changed`;
    for (const item of changes) if (!refused.some((r) => r.field === item.field)) refuse(item, reason);
  }
  if (refused.length > 0) return { changes, steps: [], refused };

  const steps: ChangeStep[] = [...createUsers, ...modifyUsers, ...membership, ...deleteUsers];
  if (Object.keys(settings).length > 0) steps.push(modify(settings, 'settings that move no data'));
  if (userGroupsToAdd.length > 0 || userGroupsToRemove.length > 0) {
    steps.push(
      modify(
        {
          ...(userGroupsToAdd.length > 0 ? { UserGroupIdsToAdd: userGroupsToAdd } : {}),
          ...(userGroupsToRemove.length > 0 ? { UserGroupIdsToRemove: userGroupsToRemove } : {}),
        },
        'user groups attached to the replication group',
      ),
    );
  }
  steps.push(...cleanUp.steps);
  if (engine.change) {
    steps.push(
      modify(
        {
          ...(engine.change.field === 'Engine' ? { Engine: requested.Engine } : {}),
          EngineVersion: requested.EngineVersion,
          ...(parameterGroupChanged ? { CacheParameterGroupName: parameterGroup } : {}),
        },
        'engine upgrade (with the parameter group of its family)',
      ),
    );
  }
  const nodeType = modify({ CacheNodeType: requested.CacheNodeType }, 'node type');
  if (sizeUp === true) steps.push({ ...nodeType, Reason: 'node type scale-up, before nodes are added' });
  if (replicas?.up) steps.push(replicas.up);
  if (Object.keys(switchOn).length > 0) {
    steps.push(modify(switchOn, 'switched on once the replicas they need are there'));
  }
  if (shards?.out) steps.push(shards.out);
  if (shards?.in) steps.push(shards.in);
  if (Object.keys(switchOff).length > 0) {
    steps.push(modify(switchOff, 'switched off before the replicas they need are removed'));
  }
  if (replicas?.down) steps.push(replicas.down);
  if (sizeUp === false) steps.push({ ...nodeType, Reason: 'node type scale-down, once the nodes are final' });
  steps.push(...tagSteps);
  return { changes, steps, refused, ...(cleanUp.detached.length > 0 ? { detached: cleanUp.detached } : {}) };
}

/**
 * A user the provisioner created for this replication group, that no group other than `from` uses and
 * the request no longer names, is deleted (ElastiCache's own `default` user never is).
 */
function isDeletable(
  user: CurrentUser | undefined,
  from: string | undefined,
  rbac: NormalisedRequest['Rbac'],
): user is CurrentUser {
  return (
    user !== undefined &&
    user.UserId !== ELASTICACHE_DEFAULT_USER &&
    user.Managed &&
    !wantedUser(rbac, user.UserId) &&
    user.UserGroupIds.every((groupId) => groupId === from)
  );
}

/**
 * DeleteUser, after the generated password secret of the user (named after the user group it was
 * created for), deleted only if the provisioner created it for this replication group (the applier
 * checks its tags). The secret goes first: a run stopped between the two finds the user again, and
 * with it the secret; a user already deleted would leave no trace of its secret.
 */
function userDeletion(
  user: CurrentUser,
  userGroupId: string | undefined,
  replicationGroupId: string,
  why: string,
): ChangeStep[] {
  const secret: ChangeStep[] =
    user.AuthenticationType === 'password' && userGroupId !== undefined
      ? [
          {
            Action: 'DeleteSecret',
            Parameters: {
              SecretId: generatedSecretName(userGroupId, user.UserId),
              ForceDeleteWithoutRecovery: true,
            },
            Reason: `the generated password secret of ${user.UserId}, if the provisioner created it for ${replicationGroupId}`,
          },
        ]
      : [];
  return [
    ...secret,
    {
      Action: 'DeleteUser',
      Parameters: { UserId: user.UserId },
      Reason: `${user.UserId} ${why}, was created by the provisioner for ${replicationGroupId} and is in no other group`,
    },
  ];
}

/**
 * User groups taken off the replication group: each one the provisioner created for it and no other
 * replication group uses is deleted once detached, with its users by the rule of isDeletable: its
 * members first, then the group, then its `default` user (ElastiCache deletes no group's default user
 * while the group holds it). A group that is not the provisioner's, or is used elsewhere, is only
 * detached.
 */
function detachedCleanUp(
  current: CurrentConfiguration,
  requested: NormalisedRequest,
  users: ReadonlyMap<string, CurrentUser>,
  change: (field: string, from: unknown, to: unknown) => FieldChange,
): { steps: ChangeStep[]; detached: DetachedEntry[] } {
  const id = requested.ReplicationGroupId;
  const steps: ChangeStep[] = [];
  const detached: DetachedEntry[] = [];
  const removeUser = (user: CurrentUser, from: string, why: string) => {
    change(`Rbac.Users[${user.UserId}]`, `member of ${from}`, null);
    steps.push(...userDeletion(user, from, id, why));
  };
  for (const group of current.DetachedUserGroups ?? []) {
    const from = group.UserGroupId;
    const defaultUser = group.DefaultUserId ? users.get(group.DefaultUserId) : undefined;
    const defaultLeft = isDeletable(defaultUser, from, requested.Rbac) ? defaultUser : undefined;
    if (!group.Exists) {
      if (defaultLeft) removeUser(defaultLeft, from, `was the default user of deleted user group ${from}`);
      if (defaultLeft) detached.push({ UserGroupId: from, DefaultUserId: defaultLeft.UserId });
      continue;
    }
    const usedElsewhere = group.ReplicationGroupIds.some((rg) => rg !== id);
    if (!group.Managed || usedElsewhere) continue;
    const attached = current.UserGroupIds.includes(from);
    change(`UserGroup[${from}]`, attached ? `attached to ${id}` : `detached from ${id}`, null);
    for (const userId of group.UserIds) {
      const user = users.get(userId);
      if (userId === defaultLeft?.UserId || !isDeletable(user, from, requested.Rbac)) continue;
      removeUser(user, from, `was in user group ${from} only`);
    }
    steps.push({
      Action: 'DeleteUserGroup',
      Parameters: { UserGroupId: from },
      Reason: `${from} is detached from ${id}, was created by the provisioner for it and no other replication group uses it`,
    });
    if (defaultLeft) removeUser(defaultLeft, from, `was the default user of ${from} only`);
    detached.push({
      UserGroupId: from,
      ...(group.DefaultUserId ? { DefaultUserId: group.DefaultUserId } : {}),
    });
  }
  return { steps, detached };
}

/** The change of engine or engine version, and why it is refused when it is. */
function engineChange(
  current: CurrentConfiguration,
  requested: NormalisedRequest,
): { change?: FieldChange; refusedReason?: string } {
  const currentEngine = current.Engine;
  const currentVersion = current.EngineVersion && parseVersion(current.EngineVersion);
  const requestedVersion = parseVersion(requested.EngineVersion);
  if (currentEngine !== undefined && currentEngine !== requested.Engine) {
    const change = {
      field: 'Engine',
      current: `${currentEngine} ${current.EngineVersion ?? ''}`.trim(),
      requested: `${requested.Engine} ${requested.EngineVersion}`,
    };
    if (currentEngine === 'valkey') {
      return { change, refusedReason: 'ElastiCache cannot move a Valkey group back to Redis OSS' };
    }
    if (currentVersion && compareVersions(currentVersion, VALKEY_UPGRADE_FROM) < 0) {
      return { change, refusedReason: 'ElastiCache upgrades Redis OSS to Valkey from Redis OSS 5.0.6 only' };
    }
    return { change };
  }
  if (!currentVersion || !requestedVersion) return {};
  // ElastiCache reports the patch (7.1.0); a request names major.minor, which any patch satisfies.
  const order = compareVersions(
    [currentVersion[0], currentVersion[1], 0],
    [requestedVersion[0], requestedVersion[1], 0],
  );
  if (order === 0) return {};
  const change = {
    field: 'EngineVersion',
    current: current.EngineVersion,
    requested: requested.EngineVersion,
  };
  return order > 0 ? { change, refusedReason: 'ElastiCache cannot downgrade an engine' } : { change };
}

/** true: bigger, false: smaller, undefined: unchanged. Another family of the same size counts as bigger (resized first). */
function nodeTypeChange(current: string | undefined, requested: string): boolean | undefined {
  if (current === undefined || current === requested) return undefined;
  return nodeSize(requested) >= nodeSize(current);
}

const SIZES = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge'];

/** cache.r7g.2xlarge -> 7; cache.t3.micro -> 1. */
export function nodeSize(nodeType: string): number {
  const size = nodeType.split('.').at(-1) ?? '';
  const multiple = /^(\d+)xlarge$/.exec(size);
  if (multiple?.[1]) return SIZES.length - 1 + Number(multiple[1]);
  const index = SIZES.indexOf(size);
  return Math.max(index, 0);
}

function replicaChange(
  current: CurrentConfiguration,
  requested: NormalisedRequest,
): { field: string; current: unknown; requested: unknown; up?: ChangeStep; down?: ChangeStep } | undefined {
  const id = requested.ReplicationGroupId;
  const step = (action: 'IncreaseReplicaCount' | 'DecreaseReplicaCount', replicas: number): ChangeStep => ({
    Action: action,
    Parameters: { ReplicationGroupId: id, NewReplicaCount: replicas, ApplyImmediately: true },
    Reason: action === 'IncreaseReplicaCount' ? 'replicas added' : 'replicas removed',
  });
  if (requested.ClusterMode === 'enabled') {
    const wanted = requested.ReplicasPerNodeGroup;
    const shards = current.NodeGroups ?? [];
    if (wanted === undefined || shards.length === 0) return undefined;
    const counts = shards.map((shard) => shard.Replicas);
    const fewer = counts.some((count) => count < wanted);
    const more = counts.some((count) => count > wanted);
    if (!fewer && !more) return undefined;
    const reported = counts.every((count) => count === counts[0])
      ? counts[0]
      : `per shard ${counts.join(', ')}`;
    return {
      field: 'ReplicasPerNodeGroup',
      current: reported,
      requested: wanted,
      ...(fewer ? { up: step('IncreaseReplicaCount', wanted) } : {}),
      ...(more ? { down: step('DecreaseReplicaCount', wanted) } : {}),
    };
  }
  const wanted = requested.NumCacheClusters;
  const nodes = current.NumCacheClusters;
  if (wanted === undefined || nodes === undefined || nodes === wanted) return undefined;
  const action = wanted > nodes ? 'up' : 'down';
  return {
    field: 'NumCacheClusters',
    current: nodes,
    requested: wanted,
    [action]: step(action === 'up' ? 'IncreaseReplicaCount' : 'DecreaseReplicaCount', wanted - 1),
  };
}

function shardChange(
  current: CurrentConfiguration,
  requested: NormalisedRequest,
): { out?: ChangeStep; in?: ChangeStep } | undefined {
  const wanted = requested.NumNodeGroups;
  const shards = current.NodeGroups ?? [];
  if (requested.ClusterMode !== 'enabled' || wanted === undefined || shards.length === 0) return undefined;
  if (shards.length === wanted) return undefined;
  const base = {
    ReplicationGroupId: requested.ReplicationGroupId,
    NodeGroupCount: wanted,
    ApplyImmediately: true,
  };
  if (wanted > shards.length) {
    return {
      out: {
        Action: 'ModifyReplicationGroupShardConfiguration',
        Parameters: base,
        Reason: `${wanted - shards.length} shard(s) added; slots are rebalanced onto them online`,
      },
    };
  }
  const removed = shardsToRemove(shards, shards.length - wanted);
  return {
    in: {
      Action: 'ModifyReplicationGroupShardConfiguration',
      Parameters: { ...base, NodeGroupsToRemove: removed },
      Reason: `shards holding the fewest slots removed (${removed.join(', ')}), so the fewest keys move`,
    },
  };
}

/** The `count` shards holding the fewest slots; among equals the last ones, the shards added most recently. */
export function shardsToRemove(shards: readonly CurrentNodeGroup[], count: number): string[] {
  return [...shards]
    .sort((a, b) => a.SlotCount - b.SlotCount || b.NodeGroupId.localeCompare(a.NodeGroupId))
    .slice(0, count)
    .map((shard) => shard.NodeGroupId);
}

/**
 * The request's tags are every tag of the group apart from the provisioner's own (ownership and
 * the change mark) and AWS's (`aws:`): one missing from the request is removed, as Terraform's `tags` does.
 */
function tagChange(
  current: CurrentConfiguration,
  requested: NormalisedRequest,
  change: (field: string, from: unknown, to: unknown) => FieldChange,
): ChangeStep[] {
  if (!current.ARN) return [];
  const reserved = new Set([
    ...managedTags(requested)
      .slice(0, 2)
      .map((tag) => tag.Key),
    CHANGE_TAG_KEY,
    DETACHED_TAG_KEY,
  ]);
  const own = (tag: Tag) => !reserved.has(tag.Key) && !tag.Key.startsWith('aws:');
  const currentTags = current.Tags.filter(own);
  const wantedTags = managedTags(requested).filter(own);
  const have = new Map(currentTags.map((tag) => [tag.Key, tag.Value]));
  const want = new Map(wantedTags.map((tag) => [tag.Key, tag.Value]));
  const toSet = wantedTags.filter((tag) => have.get(tag.Key) !== tag.Value);
  const toRemove = currentTags.filter((tag) => !want.has(tag.Key)).map((tag) => tag.Key);
  if (toSet.length === 0 && toRemove.length === 0) return [];
  change('Tags', currentTags, wantedTags);
  const steps: ChangeStep[] = [];
  if (toSet.length > 0) {
    steps.push({
      Action: 'AddTagsToResource',
      Parameters: { ResourceName: current.ARN, Tags: toSet },
      Reason: 'tags added or changed',
    });
  }
  if (toRemove.length > 0) {
    steps.push({
      Action: 'RemoveTagsFromResource',
      Parameters: { ResourceName: current.ARN, TagKeys: toRemove },
      Reason: 'tags no longer requested',
    });
  }
  return steps;
}

/** Shown by `--plan`; in the workflow the users step creates users, with their password secrets. */
function createUserStep(request: NormalisedRequest, user: NormalisedUser): ChangeStep {
  return {
    Action: 'CreateUser',
    Parameters: {
      UserId: user.UserId,
      UserName: user.UserName,
      Engine: request.Engine,
      AccessString: user.AccessString,
      AuthenticationMode: { Type: user.AuthenticationType },
    },
    Reason: `${user.UserId} is new${user.AuthenticationType === 'password' ? ' (its password from its secret)' : ''}`,
  };
}

/** The parameter group the request means: its own, or the engine family's default. */
function requestedParameterGroup(request: NormalisedRequest): string {
  return request.CacheParameterGroupName ?? `default.${request.CacheParameterGroupFamily}`;
}

function wantedUser(rbac: NormalisedRequest['Rbac'], userId: string): boolean {
  return rbac?.Users.some((user) => user.UserId === userId) ?? false;
}

function isOn(status: string | undefined): boolean {
  return status === 'enabled' || status === 'enabling';
}

/** Differs, for a field ElastiCache reports; an unreported one is not compared. */
function differs(current: unknown, requested: unknown): boolean {
  return current !== undefined && current !== requested;
}

function differsAsSet(current: readonly string[] | undefined, requested: readonly string[]): boolean {
  if (current === undefined) return false;
  const sorted = (values: readonly string[]) => JSON.stringify([...new Set(values)].sort());
  return sorted(current) !== sorted(requested);
}

function sameAccessString(actual: string, wanted: string): boolean {
  const normalise = (text: string) => text.trim().split(/\s+/).join(' ');
  return normalise(actual) === normalise(wanted);
}
