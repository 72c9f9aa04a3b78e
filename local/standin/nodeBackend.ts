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
  stop(): Promise<void>;
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

const HASH_SLOTS = 16384;

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

function pad(value: number, width: number): string {
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

      const nodeGroups: NodeBackendNodeGroup[] = plannedNodeGroups(spec).map((planned) => ({
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
      const first = nodeGroups[0]?.members[0];
      const endpoints =
        spec.clusterMode === 'enabled'
          ? { configurationEndpoint: { address: '127.0.0.1', port: port() } }
          : {
              primaryEndpoint: { address: '127.0.0.1', port: first?.port ?? port() },
              readerEndpoint: { address: '127.0.0.1', port: port() },
            };

      const group: SimulatedNodeGroup = {
        spec,
        ...endpoints,
        nodeGroups,
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
        async stop() {
          stopped = true;
        },
      };
      groups.set(spec.replicationGroupId, group);
      return group;
    },
  };
}
