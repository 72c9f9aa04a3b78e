import { type NodeBackendSpec, plannedNodeGroups } from '../standin/nodeBackend';

export interface PlannedNode {
  cacheClusterId: string;
  /** Index of the node group (shard); always 0 with cluster mode disabled. */
  shard: number;
  nodeGroupId: string;
  /** Cluster mode enabled: the shard's slot range, e.g. `0-5460`. */
  slots?: string;
  role: 'primary' | 'replica';
}

const MAX_NODES = 90;

function checkCount(value: number | undefined, min: number, what: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new RangeError(`${what} must be an integer >= ${min}, got ${value}`);
  }
}

/**
 * Every node of the replication group, named as the stand-in names them (ElastiCache's ids).
 * The first node of each node group is its primary.
 */
export function planNodes(spec: NodeBackendSpec): PlannedNode[] {
  checkCount(spec.numCacheClusters, 1, 'numCacheClusters');
  checkCount(spec.numNodeGroups, 1, 'numNodeGroups');
  checkCount(spec.replicasPerNodeGroup, 0, 'replicasPerNodeGroup');
  const nodes = plannedNodeGroups(spec).flatMap((group, shard) =>
    group.memberIds.map(
      (cacheClusterId, i): PlannedNode => ({
        cacheClusterId,
        shard,
        nodeGroupId: group.nodeGroupId,
        ...(group.slots === undefined ? {} : { slots: group.slots }),
        role: i === 0 ? 'primary' : 'replica',
      }),
    ),
  );
  if (nodes.length > MAX_NODES) throw new RangeError(`${nodes.length} nodes requested; at most ${MAX_NODES}`);
  return nodes;
}

/** `0-5460` -> [0, 5460], as CLUSTER ADDSLOTSRANGE takes them. */
export function slotBounds(range: string): [string, string] {
  const [first, last] = range.split('-');
  if (first === undefined || last === undefined) throw new RangeError(`Not a slot range: ${range}`);
  return [first, last];
}
