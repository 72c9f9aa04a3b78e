/**
 * Records rendered with the ElastiCache model's element names (a wrong list element name parses
 * silently as an empty list on the client side).
 */
import type { ReplicationGroupRecord, Store, Tag, UserGroupRecord, UserRecord } from './store';
import { ec, members, type QueryParams, type XmlObject, type XmlValue, xmlList } from './wire';

export function userShape(store: Store, user: UserRecord): XmlObject {
  return {
    UserId: user.userId,
    UserName: user.userName,
    Status: user.status,
    Engine: user.engine,
    MinimumEngineVersion: user.minimumEngineVersion,
    AccessString: user.accessString,
    UserGroupIds: members(store.userGroupsContaining(user.userId).map((group) => group.userGroupId)),
    Authentication: {
      Type: user.authenticationType,
      PasswordCount: user.authenticationType === 'password' ? user.passwordCount : undefined,
    },
    ARN: user.arn,
  };
}

export function userGroupShape(store: Store, group: UserGroupRecord): XmlObject {
  return {
    UserGroupId: group.userGroupId,
    Status: group.status,
    Engine: group.engine,
    UserIds: members(group.userIds),
    MinimumEngineVersion: group.minimumEngineVersion,
    PendingChanges: group.pendingChanges && {
      UserIdsToRemove: members(group.pendingChanges.userIdsToRemove),
      UserIdsToAdd: members(group.pendingChanges.userIdsToAdd),
    },
    ReplicationGroups: members(
      store.replicationGroupsUsing(group.userGroupId).map((rg) => rg.replicationGroupId),
    ),
    ServerlessCaches: members([]),
    ARN: group.arn,
  };
}

const AVAILABILITY_ZONES = ['a', 'b', 'c', 'd'];

/** The nodes as they run now, once the group exists (a change shows nodes joining and leaving). */
function runningNodes(group: ReplicationGroupRecord) {
  const shown = group.status === 'available' || group.status === 'modifying' || group.status === 'deleting';
  return shown ? group.nodes : undefined;
}

function nodeGroupsShape(group: ReplicationGroupRecord, region: string): XmlObject[] {
  const nodeGroupStatus = group.status === 'available' ? 'available' : group.status;
  const zone = (i: number) => `${region}${AVAILABILITY_ZONES[i % AVAILABILITY_ZONES.length]}`;
  const nodes = runningNodes(group);

  if (!nodes) {
    // Still creating (or failed): the shape is known, the endpoints are not.
    return group.planned.map((planned) => ({
      NodeGroupId: planned.nodeGroupId,
      Status: nodeGroupStatus,
      Slots: planned.slots,
      NodeGroupMembers: xmlList(
        'NodeGroupMember',
        planned.memberIds.map((cacheClusterId, i) => ({
          CacheClusterId: cacheClusterId,
          CacheNodeId: '0001',
          PreferredAvailabilityZone: zone(i),
        })),
      ),
    }));
  }

  if (group.clusterMode === 'enabled') {
    // Cluster mode enabled: clients find the shards through the configuration endpoint.
    return nodes.nodeGroups.map((nodeGroup) => ({
      NodeGroupId: nodeGroup.nodeGroupId,
      Status: nodeGroupStatus,
      Slots: nodeGroup.slots,
      NodeGroupMembers: xmlList(
        'NodeGroupMember',
        nodeGroup.members.map((member, i) => ({
          CacheClusterId: member.cacheClusterId,
          CacheNodeId: '0001',
          PreferredAvailabilityZone: zone(i),
        })),
      ),
    }));
  }

  return nodes.nodeGroups.map((nodeGroup) => ({
    NodeGroupId: nodeGroup.nodeGroupId,
    Status: nodeGroupStatus,
    PrimaryEndpoint: nodes.primaryEndpoint && {
      Address: nodes.primaryEndpoint.address,
      Port: nodes.primaryEndpoint.port,
    },
    ReaderEndpoint: nodes.readerEndpoint && {
      Address: nodes.readerEndpoint.address,
      Port: nodes.readerEndpoint.port,
    },
    NodeGroupMembers: xmlList(
      'NodeGroupMember',
      nodeGroup.members.map((member, i) => ({
        CacheClusterId: member.cacheClusterId,
        CacheNodeId: '0001',
        ReadEndpoint: { Address: member.address, Port: member.port },
        PreferredAvailabilityZone: zone(i),
        CurrentRole: member.role,
      })),
    ),
  }));
}

export function replicationGroupShape(group: ReplicationGroupRecord, region: string): XmlObject {
  const running = runningNodes(group);
  const memberClusters = running
    ? running.nodeGroups.flatMap((nodeGroup) => nodeGroup.members.map((member) => member.cacheClusterId))
    : group.planned.flatMap((planned) => planned.memberIds);
  const enabledOrDisabled = (on: boolean) => (on ? 'enabled' : 'disabled');
  return {
    ReplicationGroupId: group.replicationGroupId,
    Description: group.description,
    Status: group.status,
    PendingModifiedValues: {},
    MemberClusters: xmlList('ClusterId', memberClusters),
    NodeGroups: xmlList('NodeGroup', nodeGroupsShape(group, region)),
    AutomaticFailover: enabledOrDisabled(group.automaticFailover),
    MultiAZ: enabledOrDisabled(group.multiAZ),
    ConfigurationEndpoint: running?.configurationEndpoint && {
      Address: running.configurationEndpoint.address,
      Port: running.configurationEndpoint.port,
    },
    SnapshotRetentionLimit: group.snapshotRetentionLimit,
    SnapshotWindow: group.snapshotWindow,
    ClusterEnabled: group.clusterMode === 'enabled',
    CacheNodeType: group.cacheNodeType,
    AuthTokenEnabled: group.authTokenEnabled,
    TransitEncryptionEnabled: group.transitEncryptionEnabled,
    AtRestEncryptionEnabled: group.atRestEncryptionEnabled,
    ARN: group.arn,
    UserGroupIds: members(group.userGroupIds),
    ReplicationGroupCreateTime: new Date(group.createdAt),
    KmsKeyId: group.settings.kmsKeyId,
    DataTiering: enabledOrDisabled(group.settings.dataTiering),
    AutoMinorVersionUpgrade: group.settings.autoMinorVersionUpgrade,
    NetworkType: group.settings.networkType,
    IpDiscovery: group.settings.ipDiscovery,
    LogDeliveryConfigurations: xmlList(
      'LogDeliveryConfiguration',
      group.settings.logDelivery.map((log) => ({
        LogType: log.logType,
        DestinationType: log.destinationType,
        DestinationDetails:
          log.destinationType === 'cloudwatch-logs'
            ? { CloudWatchLogsDetails: { LogGroup: log.destination } }
            : { KinesisFirehoseDetails: { DeliveryStream: log.destination } },
        LogFormat: log.logFormat,
        Status: 'active',
      })),
    ),
    TransitEncryptionMode: group.transitEncryptionMode,
    ClusterMode: group.compatible ? 'compatible' : group.clusterMode,
    Engine: group.engine,
  };
}

export const tagListShape = (tags: readonly Tag[]): XmlObject => ({
  TagList: xmlList(
    'Tag',
    tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
  ),
});

const MAX_TAGS = 50;

/** Tags replace those with the same key; a resource holds at most 50. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(existing.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) {
    if (tag.Key === '') throw ec.invalidParameterValue('Tag keys must not be empty.');
    byKey.set(tag.Key, tag.Value);
  }
  if (byKey.size > MAX_TAGS) throw ec.tagQuotaPerResourceExceeded();
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

/** Marker/MaxRecords paging as the Describe operations do it (20..100 records, default 100). */
/**
 * One page of a Describe answer: the items under `list`, each element named `member` as the API's
 * model names it, and the Marker of the next page when there is one.
 */
export function pagedList<T>(
  items: readonly T[],
  params: QueryParams,
  list: string,
  member: string,
  shape: (item: T) => XmlValue,
): XmlObject {
  const { page, marker } = paginate(items, params);
  return { [list]: xmlList(member, page.map(shape)), Marker: marker };
}

export function paginate<T>(items: readonly T[], params: QueryParams): { page: T[]; marker?: string } {
  const maxRecords = params.integer('MaxRecords') ?? 100;
  if (maxRecords < 20 || maxRecords > 100) {
    throw ec.invalidParameterValue('MaxRecords must be between 20 and 100.');
  }
  const rawMarker = params.string('Marker');
  let offset = 0;
  if (rawMarker !== undefined && rawMarker !== '') {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(rawMarker, 'base64url').toString('utf8'));
    if (!decoded?.[1]) throw ec.invalidParameterValue('Invalid Marker.');
    offset = Number(decoded[1]);
  }
  const page = items.slice(offset, offset + maxRecords);
  const next = offset + maxRecords;
  return next < items.length
    ? { page, marker: Buffer.from(`offset:${next}`, 'utf8').toString('base64url') }
    : { page };
}
