/**
 * Changes to a replication group in place: ModifyReplicationGroup, IncreaseReplicaCount,
 * DecreaseReplicaCount, ModifyReplicationGroupShardConfiguration and DescribeCacheClusters (where
 * ElastiCache reports a node's engine version and parameter group). Each change is refused with the
 * service's error code before anything moves, or runs on the nodes for real while the group is
 * `modifying`; a second change meanwhile is refused with InvalidReplicationGroupState.
 */
import type { QueryContext, QueryOperation } from './context';
import { type NodeBackendNodeGroup, pad } from './nodeBackend';
import {
  checkParameterGroup,
  compareVersions,
  type EngineVersion,
  findEngineVersion,
  parseEngine,
} from './rules';
import { pagedList, replicationGroupShape } from './shapes';
import { ACCOUNT_ID, type ReplicationGroupRecord, type Store } from './store';
import { ec } from './wire';

const MAX_REPLICAS = 5;

/** Parameters of ModifyReplicationGroup that this stand-in does not emulate. */
const UNSUPPORTED_MODIFY_PARAMETERS = [
  'AuthToken',
  'AuthTokenUpdateStrategy',
  'PrimaryClusterId',
  'NodeGroupId',
  'NotificationTopicArn',
  'LogDeliveryConfigurations.LogDeliveryConfigurationRequest.1.LogType',
  'IpDiscovery',
];

/** A user group the replication group may use: it exists, is active and suits the engine. */
export function checkUserGroupUsable(store: Store, userGroupId: string, version: EngineVersion): void {
  const group = store.userGroups.get(userGroupId);
  if (!group) throw ec.userGroupNotFound(userGroupId);
  if (group.status !== 'active') {
    throw ec.invalidUserGroupState(`User group ${userGroupId} has status ${group.status}.`);
  }
  if (group.engine !== version.engine) {
    throw ec.invalidParameterCombination(
      `User group ${userGroupId} has engine ${group.engine}; the replication group has engine ${version.engine}.`,
    );
  }
  if (compareVersions(version.version, group.minimumEngineVersion) < 0) {
    throw ec.invalidParameterCombination(
      `User group ${userGroupId} requires engine version ${group.minimumEngineVersion} or later.`,
    );
  }
  for (const userId of group.userIds) {
    const user = store.users.get(userId);
    if (user && compareVersions(version.version, user.minimumEngineVersion) < 0) {
      throw ec.invalidParameterCombination(
        `User ${userId} requires engine version ${user.minimumEngineVersion} or later.`,
      );
    }
  }
}

/** The group, which must be `available`: one change at a time. */
function availableGroup(context: QueryContext): ReplicationGroupRecord {
  const id = context.params.required('ReplicationGroupId').toLowerCase();
  const group = context.store.replicationGroups.get(id);
  if (!group || group.status === 'deleting') throw ec.replicationGroupNotFound(id);
  if (group.status !== 'available') {
    throw ec.invalidReplicationGroupState(
      `Replication group ${id} has status ${group.status}; it must be available to be modified.`,
    );
  }
  return group;
}

/** Increase/Decrease/shard changes happen now or never: the service takes only `true`. */
function requireApplyImmediately(context: QueryContext): void {
  const applyImmediately = context.params.boolean('ApplyImmediately');
  if (applyImmediately !== true) {
    throw ec.invalidParameterValue('ApplyImmediately must be true: changes later are not supported.');
  }
}

function runningNodeGroups(group: ReplicationGroupRecord): NodeBackendNodeGroup[] {
  return group.nodes?.nodeGroups ?? [];
}

function nodeCount(nodeGroups: readonly { members: readonly unknown[] }[]): number {
  return nodeGroups.reduce((sum, nodeGroup) => sum + nodeGroup.members.length, 0);
}

/**
 * The least number of replicas per node group: automatic failover (cluster mode disabled) and
 * Multi-AZ need one to fail over to; cluster mode enabled fails over only when it has one.
 */
function minimumReplicas(group: {
  clusterMode: string;
  automaticFailover: boolean;
  multiAZ: boolean;
}): number {
  if (group.multiAZ) return 1;
  return group.clusterMode === 'disabled' && group.automaticFailover ? 1 : 0;
}

function changeReplicaCount(context: QueryContext, direction: 'increase' | 'decrease') {
  const { params, store } = context;
  requireApplyImmediately(context);
  const group = availableGroup(context);
  const newReplicaCount = params.integer('NewReplicaCount');
  const configuration = params.structList('ReplicaConfiguration', 'ConfigureShard', (prefix) => ({
    nodeGroupId: params.required(`${prefix}NodeGroupId`),
    newReplicaCount: params.integer(`${prefix}NewReplicaCount`),
  }));
  const replicasToRemove = direction === 'decrease' ? (params.list('ReplicasToRemove') ?? []) : [];
  const ways = [newReplicaCount !== undefined, configuration !== undefined, replicasToRemove.length > 0];
  if (ways.filter(Boolean).length !== 1) {
    throw ec.invalidParameterCombination(
      direction === 'increase'
        ? 'Provide either NewReplicaCount or ReplicaConfiguration.'
        : 'Provide exactly one of NewReplicaCount, ReplicaConfiguration or ReplicasToRemove.',
    );
  }
  const nodeGroups = runningNodeGroups(group);
  const current = new Map(
    nodeGroups.map((nodeGroup) => [nodeGroup.nodeGroupId, nodeGroup.members.length - 1]),
  );
  const wanted = new Map<string, number>();
  if (newReplicaCount !== undefined) {
    for (const nodeGroupId of current.keys()) wanted.set(nodeGroupId, newReplicaCount);
  }
  for (const shard of configuration ?? []) {
    if (!current.has(shard.nodeGroupId)) throw ec.nodeGroupNotFound(shard.nodeGroupId);
    if (shard.newReplicaCount === undefined) {
      throw ec.invalidParameterValue(
        `ReplicaConfiguration of node group ${shard.nodeGroupId} needs NewReplicaCount.`,
      );
    }
    wanted.set(shard.nodeGroupId, shard.newReplicaCount);
  }
  for (const cacheClusterId of replicasToRemove) {
    const nodeGroup = nodeGroups.find((candidate) =>
      candidate.members.some((member) => member.cacheClusterId === cacheClusterId),
    );
    if (!nodeGroup) throw ec.cacheClusterNotFound(cacheClusterId);
    if (nodeGroup.members[0]?.cacheClusterId === cacheClusterId) {
      throw ec.invalidParameterValue(`${cacheClusterId} is a primary: only replicas can be removed.`);
    }
    const id = nodeGroup.nodeGroupId;
    wanted.set(id, (wanted.get(id) ?? current.get(id) ?? 0) - 1);
  }

  const minimum = minimumReplicas(group);
  for (const [nodeGroupId, count] of wanted) {
    const now = current.get(nodeGroupId) ?? 0;
    if (count < 0 || count > MAX_REPLICAS) {
      throw ec.invalidParameterValue(
        `The replica count must be between 0 and ${MAX_REPLICAS}; ${count} was asked.`,
      );
    }
    if (direction === 'increase' && count <= now) {
      throw ec.invalidParameterValue(
        `Node group ${nodeGroupId} has ${now} replicas: IncreaseReplicaCount needs a higher count than ${count}.`,
      );
    }
    if (direction === 'decrease' && count >= now) {
      throw ec.invalidParameterValue(
        `Node group ${nodeGroupId} has ${now} replicas: DecreaseReplicaCount needs a lower count than ${count}.`,
      );
    }
    if (count < minimum) {
      throw ec.invalidParameterCombination(
        `${group.multiAZ ? 'Multi-AZ' : 'Automatic failover'} needs at least ${minimum} replica in each node group: ` +
          'disable it first or keep a replica.',
      );
    }
  }
  const nodesAfter = [...current].reduce((sum, [id, count]) => sum + (wanted.get(id) ?? count) + 1, 0);
  if (nodesAfter > store.options.quotas.nodesPerReplicationGroup) {
    throw ec.nodeQuotaForCustomerExceeded(
      `A replication group can have at most ${store.options.quotas.nodesPerReplicationGroup} nodes.`,
    );
  }

  const replicas = Object.fromEntries(wanted);
  store.modifyReplicationGroup(group, {
    summary: `replicas ${[...wanted].map(([id, count]) => `${id}: ${count}`).join(', ')}`,
    work: (nodes) => nodes.setReplicaCounts(replicas, replicasToRemove),
  });
  return { ReplicationGroup: replicationGroupShape(group, context.region) };
}

const increaseReplicaCount: QueryOperation = (context) => changeReplicaCount(context, 'increase');
const decreaseReplicaCount: QueryOperation = (context) => changeReplicaCount(context, 'decrease');

/** Node group ids as the service takes them: 1 to 4 digits. */
function nodeGroupIds(context: QueryContext, name: string, member: string): string[] | undefined {
  const ids = context.params.list(name, member);
  for (const id of ids ?? []) {
    if (!/^\d{1,4}$/.test(id))
      throw ec.invalidParameterValue(`${name}: ${id} is not a node group id (1 to 4 digits).`);
  }
  return ids?.map((id) => pad(Number(id), 4));
}

const modifyShardConfiguration: QueryOperation = (context) => {
  const { params, store } = context;
  const count = params.integer('NodeGroupCount');
  if (count === undefined) throw ec.invalidParameterValue('The parameter NodeGroupCount must be provided.');
  requireApplyImmediately(context);
  const group = availableGroup(context);
  if (group.clusterMode !== 'enabled') {
    throw ec.invalidParameterCombination(
      `Replication group ${group.replicationGroupId} has cluster mode disabled: it has no shards to add or remove.`,
    );
  }
  const toRemove = nodeGroupIds(context, 'NodeGroupsToRemove', 'NodeGroupToRemove');
  const toRetain = nodeGroupIds(context, 'NodeGroupsToRetain', 'NodeGroupToRetain');
  const resharding = params.structList('ReshardingConfiguration', 'ReshardingConfiguration', (prefix) =>
    params.string(`${prefix}NodeGroupId`),
  );
  const current = runningNodeGroups(group).map((nodeGroup) => nodeGroup.nodeGroupId);

  if (count < 1) throw ec.invalidParameterValue('NodeGroupCount must be at least 1.');
  if (count > store.options.quotas.nodeGroupsPerReplicationGroup) {
    throw ec.nodeGroupsPerReplicationGroupQuotaExceeded(
      `A replication group can have at most ${store.options.quotas.nodeGroupsPerReplicationGroup} node groups.`,
    );
  }
  if (toRemove && toRetain) {
    throw ec.invalidParameterCombination('Provide NodeGroupsToRemove or NodeGroupsToRetain, not both.');
  }
  if ((toRemove || toRetain) && count >= current.length) {
    throw ec.invalidParameterCombination(
      'NodeGroupsToRemove and NodeGroupsToRetain apply only when NodeGroupCount is lower than the current count.',
    );
  }
  if (resharding && count <= current.length) {
    throw ec.invalidParameterCombination(
      'ReshardingConfiguration applies only when NodeGroupCount is higher than the current count.',
    );
  }
  for (const id of [...(toRemove ?? []), ...(toRetain ?? [])]) {
    if (!current.includes(id)) throw ec.nodeGroupNotFound(id);
  }

  let remove: string[] = [];
  const add: string[] = [];
  if (count < current.length) {
    if (!toRemove && !toRetain) {
      throw ec.invalidParameterValue(
        `NodeGroupCount ${count} is lower than the ${current.length} node groups: name the ones to go with NodeGroupsToRemove or NodeGroupsToRetain.`,
      );
    }
    remove = toRemove ?? current.filter((id) => !toRetain?.includes(id));
    if (current.length - remove.length !== count) {
      throw ec.invalidParameterValue(
        `Removing ${remove.length} of ${current.length} node groups does not leave NodeGroupCount ${count}.`,
      );
    }
  } else if (count > current.length) {
    const named = (resharding ?? []).flatMap((id) => (id === undefined ? [] : [pad(Number(id), 4)]));
    let next = Math.max(0, ...current.map(Number), ...named.map(Number));
    for (const id of named) if (!current.includes(id) && !add.includes(id)) add.push(id);
    while (current.length + add.length < count) add.push(pad(++next, 4));
    add.splice(count - current.length);
  }
  const replicasPerNodeGroup = group.replicasPerNodeGroup ?? 0;
  const nodesAfter =
    nodeCount(runningNodeGroups(group)) + (add.length - remove.length) * (replicasPerNodeGroup + 1);
  if (nodesAfter > store.options.quotas.nodesPerReplicationGroup) {
    throw ec.nodeQuotaForCustomerExceeded(
      `A replication group can have at most ${store.options.quotas.nodesPerReplicationGroup} nodes.`,
    );
  }

  store.modifyReplicationGroup(group, {
    summary:
      add.length > 0
        ? `node groups ${add.join(', ')} added`
        : remove.length > 0
          ? `node groups ${remove.join(', ')} removed`
          : 'slots rebalanced',
    work: (nodes) => nodes.reshard({ add, remove, replicasPerNodeGroup }),
  });
  return { ReplicationGroup: replicationGroupShape(group, context.region) };
};

const SNAPSHOT_WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;

/** The engine and version after the change: upgrades only, Redis OSS to Valkey but never back. */
function nextEngineVersion(context: QueryContext, group: ReplicationGroupRecord): EngineVersion | undefined {
  const { params } = context;
  const engineParam = params.string('Engine');
  const versionParam = params.string('EngineVersion');
  if (engineParam === undefined && versionParam === undefined) return undefined;
  const engine = parseEngine(engineParam, group.engine);
  if (group.engine === 'valkey' && engine === 'redis') {
    throw ec.invalidParameterCombination('A valkey replication group cannot be changed back to redis.');
  }
  const version = findEngineVersion(
    engine,
    engine === group.engine ? (versionParam ?? group.engineVersion) : versionParam,
  );
  if (engine === group.engine && compareVersions(version.version, group.engineVersion) < 0) {
    throw ec.invalidParameterValue(
      `Engine version ${version.version} is lower than the current ${group.engineVersion}: engine versions can only be upgraded.`,
    );
  }
  return version;
}

interface Modification {
  summary: string[];
  apply: (() => void)[];
  /** User groups after the change, when they change. */
  userGroupIds?: string[];
}

function readUserGroupChanges(
  context: QueryContext,
  group: ReplicationGroupRecord,
  version: EngineVersion,
  change: Modification,
) {
  const { params, store } = context;
  const toAdd = (params.list('UserGroupIdsToAdd') ?? []).map((id) => id.toLowerCase());
  const removeAll = params.boolean('RemoveUserGroups') === true;
  const toRemove = removeAll
    ? [...group.userGroupIds]
    : (params.list('UserGroupIdsToRemove') ?? []).map((id) => id.toLowerCase());
  if (toAdd.length === 0 && toRemove.length === 0) return;
  if (removeAll && params.list('UserGroupIdsToRemove') !== undefined) {
    throw ec.invalidParameterCombination('RemoveUserGroups cannot be combined with UserGroupIdsToRemove.');
  }
  if (toAdd.some((id) => toRemove.includes(id))) {
    throw ec.invalidParameterCombination('A user group cannot be both added and removed.');
  }
  for (const id of toRemove) {
    if (!group.userGroupIds.includes(id)) {
      throw ec.invalidParameterValue(
        `User group ${id} is not associated with replication group ${group.replicationGroupId}.`,
      );
    }
  }
  for (const id of toAdd) {
    if (group.userGroupIds.includes(id)) {
      throw ec.invalidParameterValue(
        `User group ${id} is already associated with replication group ${group.replicationGroupId}.`,
      );
    }
    checkUserGroupUsable(store, id, version);
  }
  const next = [...group.userGroupIds.filter((id) => !toRemove.includes(id)), ...toAdd];
  if (next.length > 1) {
    throw ec.invalidParameterValue('A replication group can be associated with only one user group.');
  }
  if (toAdd.length > 0 && !group.transitEncryptionEnabled) {
    throw ec.invalidParameterCombination('TransitEncryptionEnabled must be true to associate a user group.');
  }
  change.userGroupIds = next;
  change.summary.push(`user groups ${next.length > 0 ? next.join(', ') : 'none'}`);
}

/** Fields the service cannot change in place (or this stand-in does not emulate); same values pass. */
function refuseFixedFields(context: QueryContext, group: ReplicationGroupRecord): void {
  const { params } = context;
  for (const name of UNSUPPORTED_MODIFY_PARAMETERS) {
    if (params.string(name) !== undefined) throw ec.invalidParameterValue(`${name} is not supported here.`);
  }
  const clusterMode = params.string('ClusterMode')?.toLowerCase();
  if (clusterMode !== undefined && clusterMode !== group.clusterMode) {
    throw ec.invalidParameterCombination(
      `ClusterMode cannot change from ${group.clusterMode} to ${clusterMode} in place.`,
    );
  }
  const tls = params.boolean('TransitEncryptionEnabled');
  if (tls !== undefined && tls !== group.transitEncryptionEnabled) {
    throw ec.invalidParameterValue('TransitEncryptionEnabled cannot be changed here.');
  }
}

const modifyReplicationGroup: QueryOperation = (context) => {
  const { params, store } = context;
  const group = availableGroup(context);
  refuseFixedFields(context, group);
  const applyImmediately = params.boolean('ApplyImmediately') ?? false;
  const change: Modification = { summary: [], apply: [] };
  const pending: { cacheNodeType?: string; engineVersion?: string } = {};

  const description = params.string('ReplicationGroupDescription');
  if (description !== undefined) {
    change.summary.push('description');
    change.apply.push(() => {
      group.description = description;
    });
  }

  const cacheNodeType = params.string('CacheNodeType');
  if (cacheNodeType !== undefined) {
    if (!/^cache\.[a-z0-9-]+\.[a-z0-9]+$/.test(cacheNodeType)) {
      throw ec.invalidParameterValue(`Invalid CacheNodeType ${cacheNodeType}.`);
    }
    if (applyImmediately) {
      change.summary.push(`node type ${cacheNodeType}`);
      change.apply.push(() => {
        group.cacheNodeType = cacheNodeType;
      });
    } else pending.cacheNodeType = cacheNodeType;
  }

  const currentVersion = findEngineVersion(group.engine, group.engineVersion);
  const version = nextEngineVersion(context, group) ?? currentVersion;
  const parameterGroup = params.string('CacheParameterGroupName');
  let nextParameterGroup = parameterGroup;
  if (parameterGroup !== undefined) checkParameterGroup(parameterGroup, version);
  else if (version.family !== currentVersion.family) {
    // A default group follows the engine to its new family; another one must be named.
    const defaults = [`default.${currentVersion.family}`, `default.${currentVersion.family}.cluster.on`];
    if (!defaults.includes(group.cacheParameterGroupName)) {
      throw ec.invalidParameterCombination(
        `Engine ${version.engine} ${version.version} needs a cache parameter group of family ${version.family}: provide CacheParameterGroupName.`,
      );
    }
    nextParameterGroup = `default.${version.family}${group.clusterMode === 'enabled' ? '.cluster.on' : ''}`;
  }
  if (nextParameterGroup !== undefined) {
    const clusterOn = nextParameterGroup.endsWith('.cluster.on');
    if (clusterOn !== (group.clusterMode === 'enabled')) {
      throw ec.invalidParameterCombination(
        `Cache parameter group ${nextParameterGroup} ${clusterOn ? 'enables' : 'disables'} cluster mode; the replication group has cluster mode ${group.clusterMode}.`,
      );
    }
  }
  if (version !== currentVersion && !applyImmediately) {
    pending.engineVersion = version.version;
  } else {
    if (version !== currentVersion) {
      change.summary.push(`engine ${version.engine} ${version.version}`);
      change.apply.push(() => {
        group.engine = version.engine;
        group.engineVersion = version.version;
      });
    }
    if (nextParameterGroup !== undefined && nextParameterGroup !== group.cacheParameterGroupName) {
      const name = nextParameterGroup;
      change.summary.push(`parameter group ${name}`);
      change.apply.push(() => {
        group.cacheParameterGroupName = name;
      });
    }
  }

  const retention = params.integer('SnapshotRetentionLimit');
  if (retention !== undefined) {
    if (retention < 0 || retention > 35)
      throw ec.invalidParameterValue('SnapshotRetentionLimit must be between 0 and 35.');
    change.summary.push(`snapshot retention ${retention}`);
    change.apply.push(() => {
      group.snapshotRetentionLimit = retention;
    });
  }
  const snapshotWindow = params.string('SnapshotWindow');
  if (snapshotWindow !== undefined) {
    if (!SNAPSHOT_WINDOW.test(snapshotWindow)) {
      throw ec.invalidParameterValue('SnapshotWindow must look like 05:00-06:00 (UTC, hh24:mi-hh24:mi).');
    }
    change.summary.push(`snapshot window ${snapshotWindow}`);
    change.apply.push(() => {
      group.snapshotWindow = snapshotWindow;
    });
  }

  const failoverParam = params.boolean('AutomaticFailoverEnabled');
  const multiAZParam = params.boolean('MultiAZEnabled');
  const automaticFailover = failoverParam ?? group.automaticFailover;
  const multiAZ = multiAZParam ?? group.multiAZ;
  if (group.clusterMode === 'enabled' && !automaticFailover) {
    throw ec.invalidParameterCombination('Automatic failover cannot be disabled with cluster mode enabled.');
  }
  if (multiAZ && !automaticFailover) {
    throw ec.invalidParameterCombination(
      'Multi-AZ requires automatic failover: enable it too, or disable Multi-AZ first.',
    );
  }
  const fewestReplicas = Math.min(
    ...runningNodeGroups(group).map((nodeGroup) => nodeGroup.members.length - 1),
  );
  const minimum = minimumReplicas({ clusterMode: group.clusterMode, automaticFailover, multiAZ });
  if (fewestReplicas < minimum) {
    throw ec.invalidParameterCombination(
      `${multiAZ ? 'Multi-AZ' : 'Automatic failover'} needs at least ${minimum} replica in each node group: add one first.`,
    );
  }
  if (automaticFailover !== group.automaticFailover || multiAZ !== group.multiAZ) {
    change.summary.push(
      `automatic failover ${automaticFailover ? 'on' : 'off'}, Multi-AZ ${multiAZ ? 'on' : 'off'}`,
    );
    change.apply.push(() => {
      group.automaticFailover = automaticFailover;
      group.multiAZ = multiAZ;
    });
  }

  readUserGroupChanges(context, group, version, change);

  const hasPending = Object.keys(pending).length > 0;
  if (change.summary.length === 0 && !hasPending) {
    throw ec.invalidParameterCombination('No modifications were requested.');
  }
  if (hasPending) group.pendingModifiedValues = { ...group.pendingModifiedValues, ...pending };
  if (change.summary.length === 0) return { ReplicationGroup: replicationGroupShape(group, context.region) };

  const userGroupIds = change.userGroupIds;
  store.modifyReplicationGroup(group, {
    summary: change.summary.join('; '),
    ...(userGroupIds === undefined
      ? {}
      : {
          work: async () => {
            group.userGroupIds = userGroupIds;
            // Moving from an AUTH token to RBAC drops the token.
            if (userGroupIds.length > 0) {
              group.authTokenEnabled = false;
              store.authTokens.delete(group.replicationGroupId);
            }
            await store.syncNodeUsers(group);
          },
        }),
    apply: () => {
      for (const apply of change.apply) apply();
    },
  });
  return { ReplicationGroup: replicationGroupShape(group, context.region) };
};

/** The nodes as cache clusters: where ElastiCache reports engine version and parameter group. */
const describeCacheClusters: QueryOperation = (context) => {
  const { params, store } = context;
  const wanted = params.string('CacheClusterId')?.toLowerCase();
  const clusters = [...store.replicationGroups.values()].flatMap((group) => {
    const ids = group.nodes
      ? group.nodes.nodeGroups.flatMap((nodeGroup) =>
          nodeGroup.members.map((member) => member.cacheClusterId),
        )
      : group.planned.flatMap((planned) => planned.memberIds);
    return ids.map((cacheClusterId) => ({ cacheClusterId, group }));
  });
  const found = clusters.filter((cluster) => wanted === undefined || cluster.cacheClusterId === wanted);
  if (wanted !== undefined && found.length === 0) throw ec.cacheClusterNotFound(wanted);
  return pagedList(found, params, 'CacheClusters', 'CacheCluster', ({ cacheClusterId, group }) => ({
    CacheClusterId: cacheClusterId,
    ReplicationGroupId: group.replicationGroupId,
    CacheClusterStatus: group.status,
    CacheNodeType: group.cacheNodeType,
    Engine: group.engine,
    EngineVersion: group.engineVersion,
    NumCacheNodes: 1,
    // Changes kept for the maintenance window show on the nodes, not on the replication group.
    PendingModifiedValues: {
      CacheNodeType: group.pendingModifiedValues?.cacheNodeType,
      EngineVersion: group.pendingModifiedValues?.engineVersion,
    },
    CacheParameterGroup: {
      CacheParameterGroupName: group.cacheParameterGroupName,
      ParameterApplyStatus: 'in-sync',
    },
    SnapshotRetentionLimit: group.snapshotRetentionLimit,
    SnapshotWindow: group.snapshotWindow,
    TransitEncryptionEnabled: group.transitEncryptionEnabled,
    AtRestEncryptionEnabled: group.atRestEncryptionEnabled,
    AuthTokenEnabled: group.authTokenEnabled,
    ARN: `arn:aws:elasticache:${context.region}:${ACCOUNT_ID}:cluster:${cacheClusterId}`,
  }));
};

export const replicationGroupChangeOperations: Record<string, QueryOperation> = {
  ModifyReplicationGroup: modifyReplicationGroup,
  IncreaseReplicaCount: increaseReplicaCount,
  DecreaseReplicaCount: decreaseReplicaCount,
  ModifyReplicationGroupShardConfiguration: modifyShardConfiguration,
  DescribeCacheClusters: describeCacheClusters,
};
