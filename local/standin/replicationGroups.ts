/**
 * Replication groups, engine versions and tags: CreateReplicationGroup, DescribeReplicationGroups,
 * DeleteReplicationGroup, DescribeCacheEngineVersions, DescribeEvents, ListTagsForResource,
 * AddTagsToResource, RemoveTagsFromResource; changes in place come from ./changes.
 */
import { checkUserGroupUsable, replicationGroupChangeOperations } from './changes';
import type { QueryContext, QueryOperation } from './context';
import { readCreateSettings } from './createSettings';
import { plannedNodeGroups } from './nodeBackend';
import {
  checkParameterGroup,
  checkPassword,
  compareVersions,
  ENGINE_VERSIONS,
  type EngineVersion,
  findEngineVersion,
  normaliseReplicationGroupId,
  parseEngine,
} from './rules';
import { mergeTags, pagedList, replicationGroupShape, tagListShape } from './shapes';
import { ACCOUNT_ID, type ReplicationGroupRecord, type Tag } from './store';
import { ec, ServiceError } from './wire';

const UNSUPPORTED_CREATE_PARAMETERS = [
  'GlobalReplicationGroupId',
  'PrimaryClusterId',
  'ServerlessCacheSnapshotName',
];

interface Shape {
  clusterMode: 'enabled' | 'disabled';
  /** A compatible group runs as one cluster-mode-disabled shard that also speaks the cluster protocol. */
  compatible: boolean;
  cacheParameterGroupName: string;
  numCacheClusters?: number;
  numNodeGroups?: number;
  replicasPerNodeGroup?: number;
}

function readShape(context: QueryContext, version: EngineVersion): Shape {
  const { params, store } = context;
  const clusterModeParam = params.string('ClusterMode')?.toLowerCase();
  if (clusterModeParam !== undefined && !['enabled', 'disabled', 'compatible'].includes(clusterModeParam)) {
    throw ec.invalidParameterValue(
      `Invalid ClusterMode ${clusterModeParam}: use enabled, disabled or compatible.`,
    );
  }
  const compatible = clusterModeParam === 'compatible';
  if (compatible && compareVersions(version.version, version.engine === 'valkey' ? '7.2' : '7.0') < 0) {
    throw ec.invalidParameterCombination(
      'ClusterMode compatible requires Valkey 7.2 or Redis OSS 7.0 or later.',
    );
  }
  const parameterGroup = params.string('CacheParameterGroupName');
  if (parameterGroup !== undefined) checkParameterGroup(parameterGroup, version);
  const clusterOnGroup = parameterGroup?.endsWith('.cluster.on') ?? false;
  if (clusterModeParam === 'enabled' && parameterGroup !== undefined && !clusterOnGroup) {
    throw ec.invalidParameterCombination(
      'Cluster mode enabled requires a cache parameter group with cluster-enabled yes.',
    );
  }
  if (compatible && parameterGroup !== undefined && !clusterOnGroup) {
    throw ec.invalidParameterCombination(
      'Cluster mode compatible requires a cache parameter group with cluster-enabled yes.',
    );
  }
  if (clusterModeParam === 'disabled' && clusterOnGroup) {
    throw ec.invalidParameterCombination(
      'Cluster mode disabled cannot use a cluster-enabled cache parameter group.',
    );
  }
  const enabled = clusterModeParam === 'enabled' || (clusterOnGroup && !compatible);
  const numCacheClusters = params.integer('NumCacheClusters');
  const numNodeGroups = params.integer('NumNodeGroups');
  const replicas = params.integer('ReplicasPerNodeGroup');
  const cacheParameterGroupName =
    parameterGroup ?? `default.${version.family}${enabled || compatible ? '.cluster.on' : ''}`;

  if (replicas !== undefined && (replicas < 0 || replicas > 5)) {
    throw ec.invalidParameterValue('ReplicasPerNodeGroup must be between 0 and 5.');
  }

  if (enabled) {
    if (numCacheClusters !== undefined) {
      throw ec.invalidParameterCombination(
        'NumCacheClusters cannot be used with cluster mode enabled: use NumNodeGroups and ReplicasPerNodeGroup.',
      );
    }
    const shards = numNodeGroups ?? 1;
    const replicasPerNodeGroup = replicas ?? 0;
    if (shards < 1) throw ec.invalidParameterValue('NumNodeGroups must be at least 1.');
    if (shards > store.options.quotas.nodeGroupsPerReplicationGroup) {
      throw ec.nodeGroupsPerReplicationGroupQuotaExceeded(
        `A replication group can have at most ${store.options.quotas.nodeGroupsPerReplicationGroup} node groups.`,
      );
    }
    if (shards * (replicasPerNodeGroup + 1) > store.options.quotas.nodesPerReplicationGroup) {
      throw ec.nodeQuotaForClusterExceeded(
        `A replication group can have at most ${store.options.quotas.nodesPerReplicationGroup} nodes.`,
      );
    }
    return {
      clusterMode: 'enabled',
      compatible,
      cacheParameterGroupName,
      numNodeGroups: shards,
      replicasPerNodeGroup,
    };
  }

  if (numNodeGroups !== undefined && numNodeGroups > 1) {
    throw ec.invalidParameterCombination('More than one node group requires cluster mode enabled.');
  }
  if (numCacheClusters !== undefined && replicas !== undefined) {
    throw ec.invalidParameterCombination(
      'NumCacheClusters and ReplicasPerNodeGroup cannot both be provided.',
    );
  }
  const nodes = numCacheClusters ?? (replicas === undefined ? 1 : replicas + 1);
  if (nodes < 1 || nodes > 6) throw ec.invalidParameterValue('NumCacheClusters must be between 1 and 6.');
  return { clusterMode: 'disabled', compatible, cacheParameterGroupName, numCacheClusters: nodes };
}

function checkUserGroups(
  context: QueryContext,
  userGroupIds: string[],
  version: EngineVersion,
  tls: boolean,
): void {
  const { store } = context;
  if (userGroupIds.length === 0) return;
  if (userGroupIds.length > 1) {
    throw ec.invalidParameterValue('A replication group can be associated with only one user group.');
  }
  if (context.params.string('AuthToken') !== undefined) {
    throw ec.invalidParameterCombination('AuthToken cannot be used together with UserGroupIds.');
  }
  if (!tls) {
    throw ec.invalidParameterCombination('TransitEncryptionEnabled must be true to associate a user group.');
  }
  for (const userGroupId of userGroupIds) checkUserGroupUsable(store, userGroupId, version);
}

const createReplicationGroup: QueryOperation = (context) => {
  const { params, store, faults } = context;
  const replicationGroupId = normaliseReplicationGroupId(params.required('ReplicationGroupId'));
  const description = params.required('ReplicationGroupDescription');
  for (const name of UNSUPPORTED_CREATE_PARAMETERS) {
    if (params.string(name) !== undefined) throw ec.invalidParameterValue(`${name} is not supported here.`);
  }
  const engine = parseEngine(params.string('Engine'), 'redis');
  const version = findEngineVersion(engine, params.string('EngineVersion'));
  const cacheNodeType = params.string('CacheNodeType') ?? 'cache.t3.small';
  if (!/^cache\.[a-z0-9-]+\.[a-z0-9]+$/.test(cacheNodeType)) {
    throw ec.invalidParameterValue(`Invalid CacheNodeType ${cacheNodeType}.`);
  }
  const shape = readShape(context, version);
  const nodeCount =
    shape.clusterMode === 'enabled'
      ? (shape.numNodeGroups ?? 1) * ((shape.replicasPerNodeGroup ?? 0) + 1)
      : (shape.numCacheClusters ?? 1);

  const automaticFailoverParam = params.boolean('AutomaticFailoverEnabled');
  if (shape.clusterMode === 'enabled' && automaticFailoverParam === false) {
    throw ec.invalidParameterCombination('Automatic failover must be enabled with cluster mode enabled.');
  }
  const automaticFailover = shape.clusterMode === 'enabled' ? true : (automaticFailoverParam ?? false);
  if (shape.clusterMode === 'disabled' && automaticFailover && nodeCount < 2) {
    throw ec.invalidParameterCombination('Automatic failover requires at least 2 cache clusters.');
  }
  if (shape.compatible && (!automaticFailover || nodeCount < 2)) {
    throw ec.invalidParameterCombination(
      'Cluster mode compatible requires automatic failover and at least one replica.',
    );
  }
  const multiAZ = params.boolean('MultiAZEnabled') ?? false;
  if (multiAZ && !automaticFailover) {
    throw ec.invalidParameterCombination('Multi-AZ requires automatic failover.');
  }

  const tls = params.boolean('TransitEncryptionEnabled') ?? false;
  const modeParam = params.string('TransitEncryptionMode');
  if (modeParam !== undefined && modeParam !== 'preferred' && modeParam !== 'required') {
    throw ec.invalidParameterValue(`Invalid TransitEncryptionMode ${modeParam}.`);
  }
  if (modeParam !== undefined && !tls) {
    throw ec.invalidParameterCombination('TransitEncryptionMode requires TransitEncryptionEnabled.');
  }
  if (modeParam !== undefined && engine === 'redis' && compareVersions(version.version, '7.0') < 0) {
    throw ec.invalidParameterCombination('TransitEncryptionMode requires engine version 7.0.5 or later.');
  }
  const authToken = params.string('AuthToken');
  if (authToken !== undefined) {
    if (!tls) throw ec.invalidParameterCombination('AuthToken requires TransitEncryptionEnabled.');
    checkPassword(authToken, 'AuthToken');
  }
  const userGroupIds = (params.list('UserGroupIds') ?? []).map((id) => id.toLowerCase());
  checkUserGroups(context, userGroupIds, version, tls);

  const snapshotRetentionLimit = params.integer('SnapshotRetentionLimit') ?? 0;
  if (snapshotRetentionLimit < 0 || snapshotRetentionLimit > 35) {
    throw ec.invalidParameterValue('SnapshotRetentionLimit must be between 0 and 35.');
  }
  const port = params.integer('Port') ?? 6379;
  if (port < 1 || port > 65535) throw ec.invalidParameterValue('Port must be between 1 and 65535.');
  const atRestEncryption = params.boolean('AtRestEncryptionEnabled') ?? false;
  const settings = readCreateSettings(params, { version, cacheNodeType, atRestEncryption });
  const snapshotName = params.string('SnapshotName');
  // The stand-in keeps no snapshots; restoring from S3 files starts the nodes empty.
  if (snapshotName !== undefined) throw ec.snapshotNotFound(snapshotName);
  const tags = mergeTags([], params.tags() ?? []);

  if (store.replicationGroups.has(replicationGroupId))
    throw ec.replicationGroupAlreadyExists(replicationGroupId);
  if (store.replicationGroups.size >= store.options.quotas.replicationGroups) {
    throw ec.clusterQuotaForCustomerExceeded();
  }

  const group: ReplicationGroupRecord = {
    replicationGroupId,
    description,
    status: 'creating',
    engine,
    engineVersion: version.version,
    cacheParameterGroupName: shape.cacheParameterGroupName,
    cacheNodeType,
    clusterMode: shape.clusterMode,
    ...(shape.numCacheClusters === undefined ? {} : { numCacheClusters: shape.numCacheClusters }),
    ...(shape.numNodeGroups === undefined ? {} : { numNodeGroups: shape.numNodeGroups }),
    ...(shape.replicasPerNodeGroup === undefined ? {} : { replicasPerNodeGroup: shape.replicasPerNodeGroup }),
    automaticFailover,
    multiAZ,
    transitEncryptionEnabled: tls,
    ...(tls ? { transitEncryptionMode: modeParam ?? 'required' } : {}),
    atRestEncryptionEnabled: atRestEncryption,
    ...(shape.compatible ? { compatible: true } : {}),
    settings,
    authTokenEnabled: authToken !== undefined,
    userGroupIds,
    snapshotRetentionLimit,
    snapshotWindow: params.string('SnapshotWindow') ?? '05:00-06:00',
    cacheSubnetGroupName: params.string('CacheSubnetGroupName') ?? 'default',
    securityGroupIds: params.list('SecurityGroupIds', 'SecurityGroupId') ?? [],
    port,
    arn: `arn:aws:elasticache:${context.region}:${ACCOUNT_ID}:replicationgroup:${replicationGroupId}`,
    tags,
    createdAt: store.now(),
    planned: plannedNodeGroups({
      replicationGroupId,
      clusterMode: shape.clusterMode,
      tls,
      ...(shape.numCacheClusters === undefined ? {} : { numCacheClusters: shape.numCacheClusters }),
      ...(shape.numNodeGroups === undefined ? {} : { numNodeGroups: shape.numNodeGroups }),
      ...(shape.replicasPerNodeGroup === undefined
        ? {}
        : { replicasPerNodeGroup: shape.replicasPerNodeGroup }),
    }),
  };
  store.replicationGroups.set(replicationGroupId, group);
  if (authToken !== undefined) store.authTokens.set(replicationGroupId, authToken);

  const creation = faults.creationFaults();
  const readyAt = store.now() + store.options.delays.replicationGroupCreateMs + creation.extraDelayMs;
  if (creation.outcome === 'createFailed') {
    store.schedule(`replicationgroup:${replicationGroupId}`, {
      readyAt,
      finish: () => {
        group.failureReason = 'create-failed injected by the fault plan';
        group.status = 'create-failed';
        store.recordEvent(
          'replication-group',
          replicationGroupId,
          `Failed to create replication group ${replicationGroupId}.`,
        );
      },
    });
  } else if (creation.outcome === 'normal') {
    const gate = store.startNodes(group);
    store.schedule(`replicationgroup:${replicationGroupId}`, {
      readyAt,
      gate,
      finish: () => {
        group.status = group.nodes ? 'available' : 'create-failed';
        store.recordEvent(
          'replication-group',
          replicationGroupId,
          group.nodes
            ? `Replication group ${replicationGroupId} created`
            : `Failed to create replication group ${replicationGroupId}: ${group.failureReason ?? 'the nodes did not start'}`,
        );
      },
    });
  }
  // neverAvailable: nothing is scheduled, the group stays `creating`.
  return { ReplicationGroup: replicationGroupShape(group, context.region) };
};

const describeReplicationGroups: QueryOperation = (context) => {
  const { params, store } = context;
  const id = params.string('ReplicationGroupId')?.toLowerCase();
  if (id !== undefined && !store.replicationGroups.has(id)) throw ec.replicationGroupNotFound(id);
  const groups = [...store.replicationGroups.values()].filter(
    (group) => id === undefined || group.replicationGroupId === id,
  );
  return pagedList(groups, params, 'ReplicationGroups', 'ReplicationGroup', (group) =>
    replicationGroupShape(group, context.region),
  );
};

const deleteReplicationGroup: QueryOperation = (context) => {
  const { params, store } = context;
  const id = params.required('ReplicationGroupId').toLowerCase();
  const group = store.replicationGroups.get(id);
  if (!group) throw ec.replicationGroupNotFound(id);
  if (group.status !== 'available' && group.status !== 'create-failed') {
    throw ec.invalidReplicationGroupState(`Replication group ${id} has status ${group.status}.`);
  }
  if (params.boolean('RetainPrimaryCluster') === true) {
    throw ec.invalidParameterValue('RetainPrimaryCluster is not supported here.');
  }
  group.status = 'deleting';
  store.schedule(`replicationgroup:${id}`, {
    readyAt: store.now() + store.options.delays.replicationGroupDeleteMs,
    work: () => store.stopNodes(group),
    finish: () => {
      store.replicationGroups.delete(id);
      store.authTokens.delete(id);
      store.recordEvent('replication-group', id, `Replication group ${id} deleted`);
    },
  });
  return { ReplicationGroup: replicationGroupShape(group, context.region) };
};

const describeCacheEngineVersions: QueryOperation = (context) => {
  const { params } = context;
  const engine = params.string('Engine')?.toLowerCase();
  const version = params.string('EngineVersion');
  const family = params.string('CacheParameterGroupFamily');
  const defaultOnly = params.boolean('DefaultOnly') ?? false;
  const versions = ENGINE_VERSIONS.filter(
    (v) =>
      (engine === undefined || v.engine === engine) &&
      (family === undefined || v.family === family) &&
      (version === undefined || v.version === version || `${v.version}.0` === version) &&
      (!defaultOnly || version !== undefined || v.isDefault),
  );
  return pagedList(versions, params, 'CacheEngineVersions', 'CacheEngineVersion', (v) => ({
    Engine: v.engine,
    EngineVersion: v.version,
    CacheParameterGroupFamily: v.family,
    CacheEngineDescription: v.engine === 'redis' ? 'Redis' : 'Valkey',
    CacheEngineVersionDescription: `${v.engine} version ${v.version}.0`,
  }));
};

const SOURCE_TYPES = new Set([
  'replication-group',
  'user',
  'user-group',
  'cache-cluster',
  'cache-parameter-group',
  'cache-security-group',
  'cache-subnet-group',
  'serverless-cache',
  'serverless-cache-snapshot',
]);

/** Events of the last `Duration` minutes (default 60) or between StartTime and EndTime, oldest first. */
const describeEvents: QueryOperation = (context) => {
  const { params, store } = context;
  const sourceType = params.string('SourceType');
  const sourceIdentifier = params.string('SourceIdentifier');
  if (sourceType !== undefined && !SOURCE_TYPES.has(sourceType)) {
    throw ec.invalidParameterValue(`Invalid SourceType ${sourceType}.`);
  }
  if (sourceIdentifier !== undefined && sourceType === undefined) {
    throw ec.invalidParameterCombination('SourceIdentifier requires SourceType.');
  }
  const time = (name: string) => {
    const raw = params.string(name);
    if (raw === undefined) return undefined;
    const parsed = Date.parse(raw);
    if (Number.isNaN(parsed)) throw ec.invalidParameterValue(`Invalid ${name}.`);
    return parsed;
  };
  const duration = params.integer('Duration');
  if (duration !== undefined && (duration < 0 || duration > 20160)) {
    throw ec.invalidParameterValue('Duration must be between 0 and 20160 minutes.');
  }
  const end = time('EndTime') ?? store.now();
  const start = time('StartTime') ?? end - (duration ?? 60) * 60_000;
  const events = store.events.filter(
    (event) =>
      (sourceType === undefined || event.sourceType === sourceType) &&
      (sourceIdentifier === undefined || event.sourceIdentifier === sourceIdentifier.toLowerCase()) &&
      event.date >= start &&
      event.date <= end,
  );
  return pagedList(events, params, 'Events', 'Event', (event) => ({
    SourceIdentifier: event.sourceIdentifier,
    SourceType: event.sourceType,
    Message: event.message,
    Date: new Date(event.date),
  }));
};

const ARN = /^arn:aws[a-z-]*:elasticache:[a-z0-9-]+:\d{12}:([a-z]+):(.+)$/;

/** The tags of the resource an ARN names (the array itself, to be replaced on change). */
function taggedResource(context: QueryContext): { tags: Tag[]; set: (tags: Tag[]) => void } {
  const { store } = context;
  const resourceName = context.params.required('ResourceName');
  const match = ARN.exec(resourceName);
  const kind = match?.[1];
  const id = match?.[2];
  if (kind === undefined || id === undefined) throw ec.invalidArn(resourceName);
  const resource =
    kind === 'replicationgroup'
      ? (store.replicationGroups.get(id) ?? ec.replicationGroupNotFound(id))
      : kind === 'user'
        ? (store.users.get(id) ?? ec.userNotFound(id))
        : kind === 'usergroup'
          ? (store.userGroups.get(id) ?? ec.userGroupNotFound(id))
          : ec.invalidArn(resourceName);
  if (resource instanceof ServiceError) throw resource;
  return {
    tags: resource.tags,
    set: (tags) => {
      resource.tags = tags;
    },
  };
}

const listTagsForResource: QueryOperation = (context) => tagListShape(taggedResource(context).tags);

const addTagsToResource: QueryOperation = (context) => {
  const resource = taggedResource(context);
  const tags = mergeTags(resource.tags, context.params.tags() ?? []);
  resource.set(tags);
  return tagListShape(tags);
};

const removeTagsFromResource: QueryOperation = (context) => {
  const resource = taggedResource(context);
  const keys = context.params.list('TagKeys') ?? [];
  for (const key of keys) {
    if (!resource.tags.some((tag) => tag.Key === key)) throw ec.tagNotFound(key);
  }
  const tags = resource.tags.filter((tag) => !keys.includes(tag.Key));
  resource.set(tags);
  return tagListShape(tags);
};

export const replicationGroupOperations: Record<string, QueryOperation> = {
  CreateReplicationGroup: createReplicationGroup,
  DescribeReplicationGroups: describeReplicationGroups,
  DeleteReplicationGroup: deleteReplicationGroup,
  DescribeCacheEngineVersions: describeCacheEngineVersions,
  DescribeEvents: describeEvents,
  ListTagsForResource: listTagsForResource,
  AddTagsToResource: addTagsToResource,
  RemoveTagsFromResource: removeTagsFromResource,
  ...replicationGroupChangeOperations,
};
