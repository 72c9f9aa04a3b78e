import { formatSlots, HASH_SLOTS, parseSlots, planReshard } from './slots';

/**
 * What the stand-in needs from whatever runs the cache nodes of a replication group: real
 * `redis-server` processes (local/nodes) or the simulated backend below (no processes at all).
 *
 * Naming follows ElastiCache so DescribeReplicationGroups looks the same whichever backend runs:
 * cluster mode disabled has node group `0001` with members `<id>-001`, `<id>-002`...; cluster mode
 * enabled has node groups `0001`, `0002`... with members `<id>-0001-001`, `<id>-0001-002`...
 * (see `plannedNodeGroups`), the first member of each node group being its primary.
 */

export interface NodeBackendUser {
  /** What clients AUTH with; `default` replaces the node's built-in default user. */
  userName: string;
  /** ElastiCache access string: ACL rules separated by spaces (never password rules). */
  accessString: string;
  /** Plain-text passwords (0-2); empty for `no-password` and `iam`. */
  passwords: string[];
  authenticationType: 'password' | 'no-password' | 'iam';
}

export interface NodeBackendSpec {
  replicationGroupId: string;
  clusterMode: 'enabled' | 'disabled';
  /** Cluster mode disabled: primary + replicas. */
  numCacheClusters?: number;
  /** Cluster mode enabled: shards. */
  numNodeGroups?: number;
  /** Cluster mode enabled: replicas in each shard. */
  replicasPerNodeGroup?: number;
  tls: boolean;
  /**
   * Every ACL user a node must have, `default` always included (switched off when no user group
   * provides one). Absent: no RBAC, the default user stays open (`on nopass ~* &* +@all`).
   */
  users?: NodeBackendUser[];
}

export interface NodeEndpoint {
  address: string;
  port: number;
}

export interface NodeBackendMember {
  cacheClusterId: string;
  address: string;
  port: number;
  role: 'primary' | 'replica';
}

export interface NodeBackendNodeGroup {
  nodeGroupId: string;
  /** Cluster mode enabled: the hash slots the shard serves, e.g. `0-8191`. */
  slots?: string;
  members: NodeBackendMember[];
}

export interface NodeBackendGroup {
  /** Cluster mode disabled. */
  primaryEndpoint?: NodeEndpoint;
  /** Cluster mode disabled. */
  readerEndpoint?: NodeEndpoint;
  /** Cluster mode enabled. */
  configurationEndpoint?: NodeEndpoint;
  nodeGroups: NodeBackendNodeGroup[];
  /** CA that signed the nodes' certificates, when `tls`. */
  caCertificatePath?: string;
  /** Replaces the ACL users on every node (same meaning as `NodeBackendSpec.users`). */
  setUsers(users: NodeBackendUser[]): Promise<void>;
  /**
   * Replicas per node group id (cluster mode disabled: node group `0001`). New replicas start,
   * hold the users and follow their primary; removed ones (those named in `remove` first, then
   * the highest-numbered) leave and stop.
   */
  setReplicaCounts(replicas: Readonly<Record<string, number>>, remove?: readonly string[]): Promise<void>;
  /** Online resharding: new node groups start and take slots, removed ones give theirs away and stop. */
  reshard(change: ShardChange): Promise<void>;
  stop(): Promise<void>;
}

export interface ShardChange {
  /** Ids of the node groups to add, e.g. `0003`. */
  add: string[];
  /** Ids of the node groups to remove. */
  remove: string[];
  /** Replicas of each new node group. */
  replicasPerNodeGroup: number;
}

export interface NodeBackend {
  kind: 'redis-server' | 'simulated';
  start(spec: NodeBackendSpec): Promise<NodeBackendGroup>;
}

export interface PlannedNodeGroup {
  nodeGroupId: string;
  slots?: string;
  memberIds: string[];
}

/** Slot ranges as `redis-cli --cluster create` assigns them, so both backends report the same. */
export function slotRanges(shards: number): string[] {
  const perShard = HASH_SLOTS / shards;
  const ranges: string[] = [];
  let first = 0;
  let cursor = 0;
  for (let shard = 0; shard < shards; shard++) {
    let last = Math.round(cursor + perShard - 1);
    if (last > HASH_SLOTS - 1 || shard === shards - 1) last = HASH_SLOTS - 1;
    if (last < first) last = first;
    ranges.push(`${first}-${last}`);
    first = last + 1;
    cursor += perShard;
  }
  return ranges;
}

export function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** The node groups and cache cluster ids ElastiCache gives a replication group of this shape. */
export function plannedNodeGroups(spec: NodeBackendSpec): PlannedNodeGroup[] {
  if (spec.clusterMode === 'disabled') {
    const count = spec.numCacheClusters ?? 1;
    return [
      {
        nodeGroupId: '0001',
        memberIds: Array.from({ length: count }, (_, i) => `${spec.replicationGroupId}-${pad(i + 1, 3)}`),
      },
    ];
  }
  const shards = spec.numNodeGroups ?? 1;
  const perShard = (spec.replicasPerNodeGroup ?? 0) + 1;
  const ranges = slotRanges(shards);
  return ranges.map((slots, shard) => {
    const nodeGroupId = pad(shard + 1, 4);
    return {
      nodeGroupId,
      slots,
      memberIds: Array.from(
        { length: perShard },
        (_, i) => `${spec.replicationGroupId}-${nodeGroupId}-${pad(i + 1, 3)}`,
      ),
    };
  });
}

/** `<rg>-0001-003` (cluster mode enabled) or `<rg>-003`: the number after the last hyphen. */
export function memberNumber(cacheClusterId: string): number {
  return Number(/-(\d+)$/.exec(cacheClusterId)?.[1] ?? 0);
}

/** The id of a new member of a node group: one past the highest number it ever had. */
export function nextMemberId(
  replicationGroupId: string,
  clusterMode: 'enabled' | 'disabled',
  nodeGroupId: string,
  existingIds: readonly string[],
): string {
  const next = Math.max(0, ...existingIds.map(memberNumber)) + 1;
  return clusterMode === 'enabled'
    ? `${replicationGroupId}-${nodeGroupId}-${pad(next, 3)}`
    : `${replicationGroupId}-${pad(next, 3)}`;
}

export interface SimulatedNodeGroup extends NodeBackendGroup {
  readonly spec: NodeBackendSpec;
  /** The ACL users the nodes would hold now (undefined: no RBAC). */
  readonly users: NodeBackendUser[] | undefined;
  readonly stopped: boolean;
  /** How many times setUsers ran. */
  readonly setUsersCalls: number;
}

export interface SimulatedNodeBackend extends NodeBackend {
  kind: 'simulated';
  /** Every group started, by replication group id (the latest start wins). */
  readonly groups: ReadonlyMap<string, SimulatedNodeGroup>;
}

export interface SimulatedNodeBackendOptions {
  /** How long a start takes (default 0). */
  startMs?: number;
  /** First port handed out; nothing listens on these ports. */
  basePort?: number;
  /** Makes a start fail, e.g. to see the replication group end `create-failed`. */
  failStart?: (spec: NodeBackendSpec) => Error | undefined;
  /** Makes setUsers fail, as a node refusing an ACL rule would. */
  failSetUsers?: (users: NodeBackendUser[]) => Error | undefined;
  /** How long a replica or shard change takes (default 0). */
  changeMs?: number;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Endpoints on 127.0.0.1 without processes: the stand-in's own tests and machines without redis-server. */
export function simulatedNodeBackend(options: SimulatedNodeBackendOptions = {}): SimulatedNodeBackend {
  const groups = new Map<string, SimulatedNodeGroup>();
  let nextPort = options.basePort ?? 46379;
  const port = () => nextPort++;

  return {
    kind: 'simulated',
    groups,
    async start(spec) {
      await wait(options.startMs ?? 0);
      const failure = options.failStart?.(spec);
      if (failure) throw failure;

      let nodeGroups: NodeBackendNodeGroup[] = plannedNodeGroups(spec).map((planned) => ({
        nodeGroupId: planned.nodeGroupId,
        ...(planned.slots === undefined ? {} : { slots: planned.slots }),
        members: planned.memberIds.map((cacheClusterId, i) => ({
          cacheClusterId,
          address: '127.0.0.1',
          port: port(),
          role: i === 0 ? 'primary' : 'replica',
        })),
      }));

      let users = spec.users?.map((user) => ({ ...user, passwords: [...user.passwords] }));
      let stopped = false;
      let setUsersCalls = 0;
      // One extra port: the configuration endpoint (enabled) or the reader endpoint (disabled).
      const endpointPort = port();
      const member = (cacheClusterId: string, role: NodeBackendMember['role']): NodeBackendMember => ({
        cacheClusterId,
        address: '127.0.0.1',
        port: port(),
        role,
      });
      const replicaIds = (nodeGroup: NodeBackendNodeGroup) =>
        nodeGroup.members.map((existing) => existing.cacheClusterId);

      const group: SimulatedNodeGroup = {
        spec,
        get configurationEndpoint() {
          return spec.clusterMode === 'enabled' ? { address: '127.0.0.1', port: endpointPort } : undefined;
        },
        get primaryEndpoint() {
          const primary = nodeGroups[0]?.members[0];
          return spec.clusterMode === 'disabled' && primary
            ? { address: '127.0.0.1', port: primary.port }
            : undefined;
        },
        get readerEndpoint() {
          return spec.clusterMode === 'disabled' ? { address: '127.0.0.1', port: endpointPort } : undefined;
        },
        get nodeGroups() {
          return nodeGroups;
        },
        get users() {
          return users;
        },
        get stopped() {
          return stopped;
        },
        get setUsersCalls() {
          return setUsersCalls;
        },
        async setUsers(next) {
          setUsersCalls++;
          const failure = options.failSetUsers?.(next);
          if (failure) throw failure;
          users = next.map((user) => ({ ...user, passwords: [...user.passwords] }));
        },
        async setReplicaCounts(replicas, remove = []) {
          await wait(options.changeMs ?? 0);
          nodeGroups = nodeGroups.map((nodeGroup) => {
            const wanted = replicas[nodeGroup.nodeGroupId];
            if (wanted === undefined) return nodeGroup;
            const [primary, ...others] = nodeGroup.members;
            const ordered = [
              ...others.filter((m) => !remove.includes(m.cacheClusterId)),
              ...others.filter((m) => remove.includes(m.cacheClusterId)).reverse(),
            ];
            const members = primary ? [primary, ...ordered].slice(0, wanted + 1) : [];
            while (members.length < wanted + 1) {
              const id = nextMemberId(
                spec.replicationGroupId,
                spec.clusterMode,
                nodeGroup.nodeGroupId,
                replicaIds({ ...nodeGroup, members }),
              );
              members.push(member(id, 'replica'));
            }
            return { ...nodeGroup, members };
          });
        },
        async reshard(change) {
          await wait(options.changeMs ?? 0);
          const plan = planReshard(
            nodeGroups.map((nodeGroup) => ({
              nodeGroupId: nodeGroup.nodeGroupId,
              slots: parseSlots(nodeGroup.slots),
            })),
            change.add,
            change.remove,
          );
          nodeGroups = plan.target.map(({ nodeGroupId, slots }) => {
            const existing = nodeGroups.find((nodeGroup) => nodeGroup.nodeGroupId === nodeGroupId);
            const members =
              existing?.members ??
              Array.from({ length: change.replicasPerNodeGroup + 1 }, (_, i) =>
                member(
                  `${spec.replicationGroupId}-${nodeGroupId}-${pad(i + 1, 3)}`,
                  i === 0 ? 'primary' : 'replica',
                ),
              );
            return { nodeGroupId, slots: formatSlots(slots), members };
          });
        },
        async stop() {
          stopped = true;
        },
      };
      groups.set(spec.replicationGroupId, group);
      return group;
    },
  };
}
