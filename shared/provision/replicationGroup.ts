/**
 * Creating the replication group, idempotently: an existing group of the requested shape is
 * adopted as it is, one of another shape is refused with every difference named, and nothing
 * existing is ever modified.
 */
import {
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  DescribeEventsCommand,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { findReplicationGroup } from '../aws/lookups';
import type { ElastiCacheLike } from '../aws/types';
import { ConflictError, errorName, ReplicationGroupCreateFailed } from '../errors';
import { withoutUndefined } from '../json';
import type { Log } from '../logger';
import { managedTags } from '../tags';
import type { CreateReplicationGroupResult, NormalisedRequest, ProvisionState } from './state';

/** The only part of the ElastiCache client the core functions use. */

export interface CreateReplicationGroupDeps {
  elastiCache: ElastiCacheLike;
  logger: Log;
}

/** One way an existing group differs from the request. */
export interface ShapeDifference {
  field: string;
  existing: unknown;
  requested: unknown;
}

/**
 * The exact CreateReplicationGroup parameters for a normalised request. Pure, so the same
 * function backs the create call, the tests and a "plan" display.
 */
export function buildCreateReplicationGroupParams(
  request: NormalisedRequest,
): CreateReplicationGroupCommandInput {
  const shape: Partial<CreateReplicationGroupCommandInput> =
    request.ClusterMode === 'enabled'
      ? {
          ClusterMode: 'enabled',
          NumNodeGroups: request.NumNodeGroups,
          ReplicasPerNodeGroup: request.ReplicasPerNodeGroup,
        }
      : {
          ClusterMode: request.ClusterMode === 'compatible' ? 'compatible' : undefined,
          NumCacheClusters: request.NumCacheClusters,
        };

  return withoutUndefined({
    ReplicationGroupId: request.ReplicationGroupId,
    ReplicationGroupDescription: request.ReplicationGroupDescription,
    Engine: request.Engine,
    EngineVersion: request.EngineVersion,
    CacheNodeType: request.CacheNodeType,
    AutomaticFailoverEnabled: request.AutomaticFailoverEnabled,
    MultiAZEnabled: request.MultiAZEnabled,
    TransitEncryptionEnabled: request.TransitEncryptionEnabled,
    AtRestEncryptionEnabled: request.AtRestEncryptionEnabled,
    SnapshotRetentionLimit: request.SnapshotRetentionLimit,
    CacheSubnetGroupName: request.CacheSubnetGroupName,
    SecurityGroupIds: nonEmpty(request.SecurityGroupIds),
    CacheParameterGroupName: parameterGroupName(request),
    Tags: managedTags(request),
    UserGroupIds: nonEmpty(request.UserGroupIds),
    KmsKeyId: request.KmsKeyId,
    LogDeliveryConfigurations: request.LogDeliveryConfigurations,
    PreferredMaintenanceWindow: request.PreferredMaintenanceWindow,
    SnapshotWindow: request.SnapshotWindow,
    NotificationTopicArn: request.NotificationTopicArn,
    Port: request.Port,
    TransitEncryptionMode: request.TransitEncryptionMode,
    AutoMinorVersionUpgrade: request.AutoMinorVersionUpgrade,
    DataTieringEnabled: request.DataTieringEnabled,
    SnapshotArns: request.SnapshotArns,
    SnapshotName: request.SnapshotName,
    NetworkType: request.NetworkType,
    IpDiscovery: request.IpDiscovery,
    ...shape,
  });
}

/**
 * Starts creating the replication group unless it already exists. An existing group (found
 * first, or created by a concurrent execution between our describe and our create) must have
 * the requested shape; it is then adopted with `Created: false`.
 */
export async function createReplicationGroup(
  deps: CreateReplicationGroupDeps,
  state: ProvisionState,
): Promise<CreateReplicationGroupResult> {
  const { request } = state;
  const id = request.ReplicationGroupId;

  const existing = await findReplicationGroup(deps.elastiCache, id);
  if (existing) return adoptExisting(deps, request, existing);

  const params = buildCreateReplicationGroupParams(request);
  deps.logger.info('Creating replication group', { ReplicationGroupId: id, params });
  try {
    const output = await deps.elastiCache.send(new CreateReplicationGroupCommand(params));
    const status = output.ReplicationGroup?.Status ?? 'creating';
    deps.logger.info('Replication group creation started', { ReplicationGroupId: id, Status: status });
    return { ReplicationGroupId: id, Status: status, Created: true };
  } catch (err) {
    if (errorName(err) !== 'ReplicationGroupAlreadyExistsFault') throw err;
    deps.logger.warn('Replication group was created concurrently; comparing it with the request', {
      ReplicationGroupId: id,
    });
    const raced = await findReplicationGroup(deps.elastiCache, id);
    // Gone again already (deleted in between): the original error is the truthful answer.
    if (!raced) throw err;
    return adoptExisting(deps, request, raced);
  }
}

/** Every field of the requested shape the existing group does not match; fields ElastiCache does not report are not compared. */
export function compareWithRequest(group: ReplicationGroup, request: NormalisedRequest): ShapeDifference[] {
  const differences: ShapeDifference[] = [];
  const differ = (field: string, existing: unknown, requested: unknown) => {
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(requested)) {
      differences.push({ field, existing, requested });
    }
  };

  const existingMode = clusterModeOf(group);
  differ('ClusterMode', existingMode, request.ClusterMode);
  // Shard and replica counts only mean something when both sides are in the same cluster mode.
  if (existingMode === request.ClusterMode || existingMode === undefined) {
    if (request.ClusterMode === 'enabled') {
      const nodeGroups = group.NodeGroups ?? [];
      differ('NumNodeGroups', nodeGroups.length > 0 ? nodeGroups.length : undefined, request.NumNodeGroups);
      differ('ReplicasPerNodeGroup', replicasPerNodeGroup(group), request.ReplicasPerNodeGroup);
    } else {
      differ('NumCacheClusters', group.MemberClusters?.length || undefined, request.NumCacheClusters);
    }
  }
  differ('Engine', group.Engine?.toLowerCase(), request.Engine);
  differ('CacheNodeType', group.CacheNodeType, request.CacheNodeType);
  differ('TransitEncryptionEnabled', group.TransitEncryptionEnabled, request.TransitEncryptionEnabled);
  differ('AtRestEncryptionEnabled', group.AtRestEncryptionEnabled, request.AtRestEncryptionEnabled);
  differ('UserGroupIds', sortedLowerCase(group.UserGroupIds ?? []), sortedLowerCase(request.UserGroupIds));
  // Settings the request names explicitly; left out, whatever the group has is fine.
  for (const field of ['NetworkType', 'IpDiscovery', 'TransitEncryptionMode'] as const) {
    if (request[field] !== undefined) differ(field, group[field], request[field]);
  }
  return differences;
}

/**
 * The error for a group ElastiCache reports as `create-failed`. DescribeReplicationGroups says
 * nothing about why, so the group's recent events are added when they can be read.
 */
export async function createFailedError(
  deps: CreateReplicationGroupDeps,
  replicationGroupId: string,
): Promise<ReplicationGroupCreateFailed> {
  const reasons = await recentEventMessages(deps, replicationGroupId);
  const said = reasons.length > 0 ? ` ElastiCache says: ${reasons.join(' | ')}` : '';
  return new ReplicationGroupCreateFailed(
    `Replication group ${replicationGroupId} is create-failed.${said} Delete it before running the workflow again.`,
  );
}

async function adoptExisting(
  deps: CreateReplicationGroupDeps,
  request: NormalisedRequest,
  group: ReplicationGroup,
): Promise<CreateReplicationGroupResult> {
  const id = request.ReplicationGroupId;
  const status = group.Status ?? 'unknown';
  if (status === 'create-failed') throw await createFailedError(deps, id);
  const conflict = conflictWith(group, request);
  if (conflict) throw conflict;
  deps.logger.info('Replication group already exists with the requested shape', {
    ReplicationGroupId: id,
    Status: status,
  });
  return { ReplicationGroupId: id, Status: status, Created: false };
}

/** Why an existing group cannot serve the request (being deleted, another shape), or undefined when it can. */
function conflictWith(group: ReplicationGroup, request: NormalisedRequest): ConflictError | undefined {
  const id = request.ReplicationGroupId;
  if (group.Status === 'deleting') {
    return new ConflictError(
      `Replication group ${id} exists and is being deleted; nothing was changed. Retry once the deletion has finished.`,
    );
  }
  const differences = compareWithRequest(group, request);
  if (differences.length === 0) return undefined;
  const listed = differences
    .map(
      (d) => `${d.field}: existing ${JSON.stringify(d.existing)} vs requested ${JSON.stringify(d.requested)}`,
    )
    .join('; ');
  return new ConflictError(
    `Replication group ${id} already exists with a configuration that differs from the request; nothing was changed. ${listed}.`,
  );
}

/**
 * Runs before anything is created, for a custom resource's Create only: adopting an existing group
 * would let the resource's Delete remove a group another owner relies on. Any other existing group is
 * compared with the request by planChange.
 */
export async function checkExistingReplicationGroup(
  deps: CreateReplicationGroupDeps,
  request: NormalisedRequest,
  options: { mustBeNew?: boolean } = {},
): Promise<void> {
  if (!options.mustBeNew) return;
  const existing = await findReplicationGroup(deps.elastiCache, request.ReplicationGroupId);
  if (!existing) return;
  throw new ConflictError(
    `Replication group ${request.ReplicationGroupId} already exists; this resource only creates new replication groups ` +
      '(nothing was changed). Choose another ReplicationGroupId.',
  );
}

/** Newest first; an empty list when the events cannot be read (the failure itself is what matters). */
async function recentEventMessages(
  deps: CreateReplicationGroupDeps,
  replicationGroupId: string,
): Promise<string[]> {
  try {
    const output = await deps.elastiCache.send(
      new DescribeEventsCommand({
        SourceType: 'replication-group',
        SourceIdentifier: replicationGroupId,
        Duration: 1440,
        MaxRecords: 20,
      }),
    );
    return (output.Events ?? [])
      .filter((event) => event.Message)
      .sort((a, b) => timeOf(b.Date) - timeOf(a.Date))
      .slice(0, 3)
      .map((event) => event.Message as string);
  } catch (err) {
    deps.logger.warn('Could not read the replication group events', {
      ReplicationGroupId: replicationGroupId,
      error: errorName(err),
    });
    return [];
  }
}

function clusterModeOf(group: ReplicationGroup): string | undefined {
  if (group.ClusterMode) return group.ClusterMode;
  if (group.ClusterEnabled === undefined) return undefined;
  return group.ClusterEnabled ? 'enabled' : 'disabled';
}

/** Replicas per shard; a description of the spread when shards differ, undefined when not reported. */
function replicasPerNodeGroup(group: ReplicationGroup): number | string | undefined {
  const nodeGroups = group.NodeGroups ?? [];
  if (nodeGroups.length === 0) return undefined;
  const memberCounts = nodeGroups.map((nodeGroup) => nodeGroup.NodeGroupMembers?.length ?? 0);
  if (memberCounts.every((count) => count > 0)) {
    const replicas = memberCounts.map((count) => count - 1);
    return replicas.every((count) => count === replicas[0])
      ? replicas[0]
      : `per shard ${replicas.join(', ')}`;
  }
  // While creating, shards may not list their members yet; the member clusters are listed from the start.
  const members = group.MemberClusters?.length ?? 0;
  if (members === 0 || members % nodeGroups.length !== 0) return undefined;
  return members / nodeGroups.length - 1;
}

function parameterGroupName(request: NormalisedRequest): string | undefined {
  if (request.CacheParameterGroupName) return request.CacheParameterGroupName;
  // Cluster mode enabled needs a cluster-enabled group; the engine default would be the non-cluster one.
  return request.ClusterMode !== 'disabled'
    ? `default.${request.CacheParameterGroupFamily}.cluster.on`
    : undefined;
}

function nonEmpty(values: string[]): string[] | undefined {
  return values.length > 0 ? values : undefined;
}

function sortedLowerCase(values: string[]): string[] {
  return values.map((value) => value.toLowerCase()).sort();
}

function timeOf(date: Date | string | undefined): number {
  return date === undefined ? 0 : new Date(date).getTime();
}
