import type { NormalisedRequest, PollingSettings } from '../shared/provision/state';

/** The normalised request the simulations run: cluster mode disabled, two nodes, no RBAC. */
export function benchRequest(polling: PollingSettings): NormalisedRequest {
  return {
    ReplicationGroupId: 'bench-cache',
    ReplicationGroupDescription: 'bench',
    Engine: 'redis',
    EngineVersion: '7.1',
    CacheParameterGroupFamily: 'redis7',
    CacheNodeType: 'cache.t3.small',
    ClusterMode: 'disabled',
    NumCacheClusters: 2,
    AutomaticFailoverEnabled: true,
    MultiAZEnabled: false,
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: true,
    SnapshotRetentionLimit: 30,
    SecurityGroupIds: [],
    Tags: [],
    UserGroupIds: [],
    Polling: polling,
    Notes: [],
  };
}
