/**
 * Reads what ElastiCache reports about an existing replication group and its RBAC, in the shape
 * planChange compares with the request. Read only.
 */
import {
  type CacheCluster,
  DescribeCacheClustersCommand,
  type ReplicationGroup,
  type User,
} from '@aws-sdk/client-elasticache';
import { findReplicationGroup, findUser, findUserGroup } from '../../aws/lookups';
import type { ElastiCacheLike } from '../../aws/types';
import { mapWithConcurrency } from '../../concurrency';
import { elastiCacheTags, isManagedFor, type TagLike } from '../../teardown/ownership';
import type { NormalisedRequest, Tag } from '../state';
import { readDetached } from './lock';
import type {
  CurrentConfiguration,
  CurrentNodeGroup,
  CurrentUser,
  CurrentUserGroup,
  DetachedUserGroup,
} from './types';

// A 100-user group stays well inside a Lambda timeout without provoking throttling.
const CONCURRENCY = 4;

/**
 * The group as ElastiCache reports it, or undefined when it does not exist. `alsoUsers` are users
 * the change already took out of the group (they are no longer members but may still be deleted).
 */
export async function readCurrent(
  elastiCache: ElastiCacheLike,
  request: NormalisedRequest,
  alsoUsers: readonly string[] = [],
): Promise<CurrentConfiguration | undefined> {
  const id = request.ReplicationGroupId;
  const group = await findReplicationGroup(elastiCache, id);
  if (!group) return undefined;

  const [tags, cluster, userGroup] = await Promise.all([
    elastiCacheTags(elastiCache, group.ARN),
    firstMemberCluster(elastiCache, group),
    request.Rbac ? findUserGroup(elastiCache, request.Rbac.UserGroupId) : undefined,
  ]);
  const tagList = tags === 'gone' ? [] : tags;
  const currentGroup: CurrentUserGroup | undefined = userGroup && {
    UserGroupId: userGroup.UserGroupId?.toLowerCase() ?? '',
    Status: userGroup.Status ?? 'unknown',
    Engine: userGroup.Engine?.toLowerCase() ?? '',
    UserIds: (userGroup.UserIds ?? []).map((userId) => userId.toLowerCase()),
  };
  const attachedIds = (group.UserGroupIds ?? []).map((userGroupId) => userGroupId.toLowerCase());
  const detached = await readDetachedGroups(elastiCache, request, attachedIds, tagList);
  const userIds = new Set([
    ...(currentGroup?.UserIds ?? []),
    ...(request.Rbac?.Users.map((user) => user.UserId) ?? []),
    ...alsoUsers,
    ...detached.flatMap((item) => (item.DefaultUserId ? [item.DefaultUserId] : [])),
    ...detached.flatMap((item) => (item.Managed ? item.UserIds : [])),
  ]);
  const users = (
    await mapWithConcurrency([...userIds], CONCURRENCY, (userId) => readUser(elastiCache, userId, id))
  ).filter((user): user is CurrentUser => user !== undefined);
  for (const item of detached) {
    item.DefaultUserId ??= users.find(
      (user) => user.UserName === 'default' && item.UserIds.includes(user.UserId),
    )?.UserId;
    if (!item.DefaultUserId) delete item.DefaultUserId;
  }

  return {
    ReplicationGroupId: id,
    Status: group.Status ?? 'unknown',
    ...(group.ARN ? { ARN: group.ARN } : {}),
    Managed: isManagedFor(tagList, id),
    ...defined({
      Description: group.Description,
      Engine: (group.Engine ?? cluster?.Engine)?.toLowerCase(),
      EngineVersion: cluster?.EngineVersion,
      CacheNodeType: group.CacheNodeType,
      ClusterMode: clusterModeOf(group),
      AutomaticFailover: group.AutomaticFailover,
      MultiAZ: group.MultiAZ,
      TransitEncryptionEnabled: group.TransitEncryptionEnabled,
      AtRestEncryptionEnabled: group.AtRestEncryptionEnabled,
      SnapshotRetentionLimit: group.SnapshotRetentionLimit,
      CacheParameterGroupName: cluster?.CacheParameterGroup?.CacheParameterGroupName,
      CacheSubnetGroupName: cluster?.CacheSubnetGroupName,
      SecurityGroupIds: cluster?.SecurityGroups?.flatMap((sg) =>
        sg.SecurityGroupId ? [sg.SecurityGroupId] : [],
      ),
    }),
    ...shapeOf(group),
    UserGroupIds: attachedIds,
    Tags: tagList.flatMap((tag): Tag[] =>
      tag.Key !== undefined ? [{ Key: tag.Key, Value: tag.Value ?? '' }] : [],
    ),
    ...(currentGroup ? { UserGroup: currentGroup } : {}),
    ...(detached.length > 0 ? { DetachedUserGroups: detached } : {}),
    Users: users,
  };
}

/**
 * The user groups attached but no longer requested, and those an earlier step of the change detached
 * (the group's tag names them), as far as they concern the change. A group the request names again is
 * no longer one to clean up.
 */
async function readDetachedGroups(
  elastiCache: ElastiCacheLike,
  request: NormalisedRequest,
  attachedIds: readonly string[],
  tags: readonly TagLike[],
): Promise<DetachedUserGroup[]> {
  const remembered = readDetached(
    tags.flatMap((tag) => (tag.Key !== undefined ? [{ Key: tag.Key, Value: tag.Value ?? '' }] : [])),
  );
  const candidates = new Map<string, string | undefined>();
  for (const userGroupId of attachedIds) candidates.set(userGroupId, undefined);
  for (const entry of remembered) candidates.set(entry.UserGroupId, entry.DefaultUserId);
  for (const userGroupId of request.UserGroupIds) candidates.delete(userGroupId);
  return mapWithConcurrency([...candidates], CONCURRENCY, async ([userGroupId, defaultUserId]) => {
    const found = await findUserGroup(elastiCache, userGroupId);
    const groupTags = found ? await elastiCacheTags(elastiCache, found.ARN) : 'gone';
    const item: DetachedUserGroup = {
      UserGroupId: userGroupId,
      Exists: found !== undefined && groupTags !== 'gone',
      Managed: groupTags !== 'gone' && isManagedFor(groupTags, request.ReplicationGroupId),
      ReplicationGroupIds: (found?.ReplicationGroups ?? []).map((rg) => rg.toLowerCase()),
      UserIds: (found?.UserIds ?? []).map((userId) => userId.toLowerCase()),
      ...(found?.Status ? { Status: found.Status } : {}),
      ...(defaultUserId ? { DefaultUserId: defaultUserId } : {}),
    };
    return item;
  });
}

function clusterModeOf(group: ReplicationGroup): 'enabled' | 'disabled' | undefined {
  if (group.ClusterMode === 'enabled' || group.ClusterMode === 'disabled') return group.ClusterMode;
  // "compatible" is a migration in progress: as far as clients know it is still disabled.
  if (group.ClusterMode === 'compatible') return 'disabled';
  if (group.ClusterEnabled === undefined) return undefined;
  return group.ClusterEnabled ? 'enabled' : 'disabled';
}

function shapeOf(group: ReplicationGroup): Pick<CurrentConfiguration, 'NumCacheClusters' | 'NodeGroups'> {
  if (clusterModeOf(group) === 'enabled') {
    const nodeGroups: CurrentNodeGroup[] = (group.NodeGroups ?? []).map((nodeGroup) => ({
      NodeGroupId: nodeGroup.NodeGroupId ?? '',
      SlotCount: slotCount(nodeGroup.Slots),
      Replicas: Math.max(0, (nodeGroup.NodeGroupMembers?.length ?? 1) - 1),
    }));
    return { NodeGroups: nodeGroups };
  }
  const members = group.MemberClusters?.length ?? 0;
  return members > 0 ? { NumCacheClusters: members } : {};
}

/** "0-5460" -> 5461; "0-100,200-300" -> 202; unreported -> 0. */
export function slotCount(slots: string | undefined): number {
  if (!slots) return 0;
  return slots.split(',').reduce((total, range) => {
    const [from, to = from] = range.split('-').map((part) => Number(part.trim()));
    if (from === undefined || to === undefined || Number.isNaN(from) || Number.isNaN(to)) return total;
    return total + (to - from + 1);
  }, 0);
}

/** Engine version, parameter and subnet groups and security groups are reported per cache cluster. */
async function firstMemberCluster(
  elastiCache: ElastiCacheLike,
  group: ReplicationGroup,
): Promise<CacheCluster | undefined> {
  const member = group.MemberClusters?.[0];
  if (!member) return undefined;
  const out = await elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: member }));
  return out.CacheClusters?.[0];
}

async function readUser(
  elastiCache: ElastiCacheLike,
  userId: string,
  replicationGroupId: string,
): Promise<CurrentUser | undefined> {
  const user: User | undefined = await findUser(elastiCache, userId);
  if (!user) return undefined;
  const tags = await elastiCacheTags(elastiCache, user.ARN);
  return {
    UserId: userId,
    UserName: user.UserName ?? '',
    AccessString: user.AccessString ?? '',
    AuthenticationType: requestedName(user.Authentication?.Type),
    Status: user.Status ?? 'unknown',
    UserGroupIds: (user.UserGroupIds ?? []).map((id) => id.toLowerCase()),
    Managed: tags !== 'gone' && isManagedFor(tags, replicationGroupId),
  };
}

function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** DescribeUsers says `no-password` for what CreateUser (and the request) call `no-password-required`. */
function requestedName(type: string | undefined): string {
  if (type === 'no-password') return 'no-password-required';
  return type ?? 'password';
}
