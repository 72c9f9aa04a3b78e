/**
 * DescribeCacheClusters for the member clusters of the stand-in's replication groups: what
 * ElastiCache reports per node and not per group (engine version, parameter and subnet groups,
 * security groups). One cluster id, or every member cluster.
 */
import type { QueryOperation } from './context';
import { paginate } from './shapes';
import type { ReplicationGroupRecord } from './store';
import { ServiceError, type XmlObject, xmlList } from './wire';

function memberIds(group: ReplicationGroupRecord): string[] {
  return group.nodes
    ? group.nodes.nodeGroups.flatMap((nodeGroup) => nodeGroup.members.map((member) => member.cacheClusterId))
    : group.planned.flatMap((planned) => planned.memberIds);
}

function cacheClusterShape(group: ReplicationGroupRecord, cacheClusterId: string): XmlObject {
  const status = group.status === 'create-failed' ? 'create-failed' : group.status;
  return {
    CacheClusterId: cacheClusterId,
    ReplicationGroupId: group.replicationGroupId,
    CacheNodeType: group.cacheNodeType,
    Engine: group.engine,
    EngineVersion: group.engineVersion,
    CacheClusterStatus: status,
    NumCacheNodes: 1,
    CacheParameterGroup: {
      CacheParameterGroupName: group.cacheParameterGroupName,
      ParameterApplyStatus: 'in-sync',
    },
    CacheSubnetGroupName: group.cacheSubnetGroupName,
    SecurityGroups: xmlList(
      'member',
      group.securityGroupIds.map((id) => ({ SecurityGroupId: id, Status: 'active' })),
    ),
    SnapshotRetentionLimit: group.snapshotRetentionLimit,
    TransitEncryptionEnabled: group.transitEncryptionEnabled,
    AtRestEncryptionEnabled: group.atRestEncryptionEnabled,
    ARN: group.arn
      .replace(':replicationgroup:', ':cluster:')
      .replace(group.replicationGroupId, cacheClusterId),
  };
}

const describeCacheClusters: QueryOperation = ({ store, params }) => {
  const wanted = params.string('CacheClusterId')?.toLowerCase();
  const clusters = [...store.replicationGroups.values()].flatMap((group) =>
    memberIds(group)
      .filter((id) => wanted === undefined || id === wanted)
      .map((id) => cacheClusterShape(group, id)),
  );
  if (wanted !== undefined && clusters.length === 0) {
    throw new ServiceError('CacheClusterNotFound', `CacheCluster ${wanted} not found.`, { status: 404 });
  }
  const { page, marker } = paginate(clusters, params);
  return { Marker: marker, CacheClusters: xmlList('CacheCluster', page) };
};

export const cacheClusterOperations: Record<string, QueryOperation> = {
  DescribeCacheClusters: describeCacheClusters,
};
