import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from '../../shared/logger';
import { memberNumber, nextMemberId, pad, type ShardChange } from '../standin/nodeBackend';
import { formatSlots, parseSlots, planReshard, slotRuns } from '../standin/slots';
import { applyUserChanges, checkUsers, INTERNAL_USER, randomPassword, userChanges } from './acl';
import {
  advertisedReplicas,
  type ClusterNode,
  clusterViewComplete,
  forget,
  meet,
  migrateSlots,
  nudgeReplication,
  slotsByPort,
} from './cluster';
import { AclRulesRejected, NodeStartFailed, RedisReplyError } from './errors';
import { findRedisServer } from './executables';
import { LOOPBACK, PortAllocator } from './ports';
import { configValue, RedisServerProcess, trackDirectory, untrackDirectory } from './redisProcess';
import { parseInfo, RespConnection } from './respConnection';
import { createTlsMaterial, type TlsMaterial } from './tlsMaterial';
import { type PlannedNode, planNodes } from './topology';
import type {
  NodeBackend,
  NodeBackendGroup,
  NodeBackendNodeGroup,
  NodeBackendSpec,
  NodeBackendUser,
} from './types';

export interface RedisServerNodeBackendOptions {
  /** Parent of each group's working directory; the OS temp dir by default. Group directories are removed on stop. */
  workDir?: string;
  /** redis-server binary; found on PATH by default. */
  redisServerPath?: string;
  /** First port to try; ephemeral ports picked by the kernel by default. */
  basePort?: number;
  log?: Pick<Log, 'warn'>;
}

const READY_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 20;
const BIND_ATTEMPTS = 5;

const consoleLog: Pick<Log, 'warn'> = {
  warn: (message, ...extra) => console.warn(message, ...extra),
};

/** Groups started in this process and not yet stopped. */
const liveGroups = new Set<RedisServerGroup>();

/** Stops every group this process started; for signal handlers and test teardown. */
export async function stopAllNodes(): Promise<void> {
  await Promise.allSettled([...liveGroups].map((group) => group.stop()));
}

async function waitUntil(description: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new NodeStartFailed(`Timed out waiting for ${description}`);
    await sleep(POLL_INTERVAL_MS);
  }
}

interface RunningNode extends PlannedNode, ClusterNode {
  /** Position in the plan; nodes finish starting in any order. */
  order: number;
  server: RedisServerProcess;
}

async function replicaLinked(node: RunningNode): Promise<boolean> {
  const info = parseInfo(await node.admin.text(['INFO', 'replication']));
  return info.get('master_link_status') === 'up';
}

/**
 * SHUTDOWN acts at once, where SIGTERM waits for the next server tick (~100 ms); the signal
 * remains the fallback for a node that does not answer.
 */
async function stopNode(node: RunningNode): Promise<void> {
  node.admin.command(['SHUTDOWN', 'NOSAVE', 'NOW', 'FORCE']).catch(() => undefined);
  const giveUp = new AbortController();
  await Promise.race([
    node.server.exited,
    sleep(1000, undefined, { signal: giveUp.signal }).catch(() => undefined),
  ]);
  giveUp.abort();
  node.admin.close();
  await node.server.stop();
}

/** Node groups in id order, each primary first, then replicas by number. */
function byPosition(a: RunningNode, b: RunningNode): number {
  return (
    a.nodeGroupId.localeCompare(b.nodeGroupId) ||
    (a.role === b.role ? 0 : a.role === 'primary' ? -1 : 1) ||
    memberNumber(a.cacheClusterId) - memberNumber(b.cacheClusterId)
  );
}

class RedisServerGroup {
  private nodes: RunningNode[] = [];
  private readonly internalPassword = randomPassword();
  private tls: TlsMaterial | undefined;
  private caPem: string | undefined;
  private stopping: Promise<void> | undefined;
  /** Topology and user changes, one at a time; a failed one does not block the next. */
  private queue: Promise<void> = Promise.resolve();
  /** The users every node holds, for nodes that join later. */
  private users: readonly NodeBackendUser[] | undefined;
  /** Cluster mode enabled: the slots of each node group. */
  private readonly slots = new Map<string, number[]>();
  private nextOrder = 0;

  constructor(
    private readonly spec: NodeBackendSpec,
    private readonly dir: string,
    private readonly redisServerPath: string,
    private readonly ports: PortAllocator,
    private readonly log: Pick<Log, 'warn'>,
  ) {
    this.users = spec.users;
  }

  private get clustered(): boolean {
    return this.spec.clusterMode === 'enabled';
  }

  async boot(): Promise<void> {
    const plan = planNodes(this.spec);
    for (const planned of plan) {
      if (planned.role === 'primary' && planned.slots)
        this.slots.set(planned.nodeGroupId, parseSlots(planned.slots));
    }
    if (this.spec.tls) {
      this.tls = await createTlsMaterial(path.join(this.dir, 'tls'));
      this.caPem = await readFile(this.tls.caCertificatePath, 'utf8');
    }
    await this.launchAll(plan);
    const first = this.nodes[0];
    if (!first) throw new NodeStartFailed('No node was planned');
    const users = this.spec.users;
    if (users) await checkUsers(first.admin, users);
    await Promise.all([
      this.clustered ? this.formCluster() : this.linkReplicas(this.nodes),
      users ? this.applyUsers(users, this.nodes) : undefined,
    ]);
  }

  describe(): NodeBackendGroup {
    const group = this;
    const endpoint = (node: RunningNode | undefined) =>
      node ? { address: LOOPBACK, port: node.port } : undefined;
    const primary = () => this.nodes.find((node) => node.role === 'primary');
    return {
      get nodeGroups() {
        return group.nodeGroupsNow();
      },
      get configurationEndpoint() {
        return group.clustered ? endpoint(primary()) : undefined;
      },
      get primaryEndpoint() {
        return group.clustered ? undefined : endpoint(primary());
      },
      // ElastiCache's reader endpoint balances over the replicas; the first one stands in for it.
      get readerEndpoint() {
        return group.clustered
          ? undefined
          : endpoint(group.nodes.find((node) => node.role === 'replica') ?? primary());
      },
      ...(this.tls ? { caCertificatePath: this.tls.caCertificatePath } : {}),
      setUsers: (users) => this.setUsers(users),
      setReplicaCounts: (replicas, remove = []) => this.enqueue(() => this.changeReplicas(replicas, remove)),
      reshard: (change) => this.enqueue(() => this.changeShards(change)),
      stop: () => this.stop(),
    };
  }

  private nodeGroupsNow(): NodeBackendNodeGroup[] {
    const nodeGroups = new Map<string, NodeBackendNodeGroup>();
    for (const node of [...this.nodes].sort(byPosition)) {
      let nodeGroup = nodeGroups.get(node.nodeGroupId);
      if (!nodeGroup) {
        const slots = this.slots.get(node.nodeGroupId);
        nodeGroup = {
          nodeGroupId: node.nodeGroupId,
          ...(this.clustered && slots ? { slots: formatSlots(slots) } : {}),
          members: [],
        };
        nodeGroups.set(node.nodeGroupId, nodeGroup);
      }
      nodeGroup.members.push({
        cacheClusterId: node.cacheClusterId,
        address: LOOPBACK,
        port: node.port,
        role: node.role,
      });
    }
    return [...nodeGroups.values()];
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => {
      if (this.stopping) throw new NodeStartFailed('The group is stopped');
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  setUsers(users: NodeBackendUser[]): Promise<void> {
    return this.enqueue(async () => {
      const first = this.nodes[0];
      if (!first) throw new NodeStartFailed('The group has no node');
      await checkUsers(first.admin, users);
      await this.applyUsers(users, this.nodes);
      this.users = users;
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      liveGroups.delete(this);
      await this.stopNodes(this.nodes);
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
      untrackDirectory(this.dir);
    })();
    return this.stopping;
  }

  private async stopNodes(nodes: readonly RunningNode[]): Promise<void> {
    await Promise.all(nodes.map((node) => stopNode(node)));
    for (const node of nodes) {
      this.ports.release(node.port);
      if (node.busPort !== undefined) this.ports.release(node.busPort);
    }
    this.nodes = this.nodes.filter((node) => !nodes.includes(node));
  }

  private async applyUsers(users: readonly NodeBackendUser[], nodes: readonly RunningNode[]): Promise<void> {
    for (const user of users) {
      if (user.authenticationType === 'iam') {
        this.log.warn(
          'IAM authentication is not emulated locally: the user gets a random password nobody knows',
          {
            replicationGroupId: this.spec.replicationGroupId,
            userName: user.userName,
          },
        );
      }
    }
    const changes = userChanges(users);
    // ACLs are per node, never replicated.
    await Promise.all(nodes.map((node) => applyUserChanges(node.admin, changes)));
  }

  /** Starts nodes; on a failure the ones that did start are stopped again. */
  private async launchAll(plan: readonly PlannedNode[]): Promise<RunningNode[]> {
    const launches = await Promise.allSettled(plan.map((planned) => this.launch(planned, this.nextOrder++)));
    const started = launches.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failed = launches.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      // At boot, stop() takes care of them; later the group must go on without them.
      if (this.nodes.length > started.length) await this.stopNodes(started);
      throw failed.reason;
    }
    this.nodes.sort((a, b) => a.order - b.order);
    return started;
  }

  private async launch(planned: PlannedNode, order: number): Promise<RunningNode> {
    for (let attempt = 1; ; attempt++) {
      const port = await this.ports.reserve();
      const busPort = this.clustered ? await this.ports.reserve() : undefined;
      let server: RedisServerProcess;
      try {
        server = await RedisServerProcess.launch({
          redisServerPath: this.redisServerPath,
          dir: path.join(this.dir, planned.cacheClusterId),
          name: planned.cacheClusterId,
          configLines: this.configLines(planned, port, busPort),
        });
      } catch (err) {
        this.ports.release(port);
        if (busPort !== undefined) this.ports.release(busPort);
        // Another process took the port between probing and binding: try other ports.
        if (RedisServerProcess.isAddressInUse(err) && attempt < BIND_ATTEMPTS) continue;
        throw err;
      }
      const admin = await RespConnection.open({
        host: LOOPBACK,
        port,
        ca: this.caPem,
        user: INTERNAL_USER,
        password: this.internalPassword,
      }).catch(async (err: unknown) => {
        await server.stop();
        throw new NodeStartFailed(`Could not connect to ${planned.cacheClusterId}`, { cause: err });
      });
      const node: RunningNode = {
        ...planned,
        order,
        port,
        ...(busPort === undefined ? {} : { busPort }),
        server,
        admin,
      };
      this.nodes.push(node);
      // stop() may have run while this node was starting; it only sees nodes already pushed.
      if (this.stopping) {
        admin.close();
        await server.stop();
        throw new NodeStartFailed('The group was stopped while starting');
      }
      return node;
    }
  }

  private configLines(planned: PlannedNode, port: number, busPort: number | undefined): string[] {
    const lines = [
      `bind ${LOOPBACK}`,
      'protected-mode no',
      'daemonize no',
      'logfile ""',
      `dir ${configValue(path.join(this.dir, planned.cacheClusterId))}`,
      'save ""',
      'appendonly no',
      'repl-diskless-sync yes',
      // Otherwise replicas wait seconds for a diskless transfer to begin.
      'repl-diskless-sync-delay 0',
      // Replicas report their offset every second instead of every ten (see replicasAdvertised).
      'repl-ping-replica-period 1',
      // Nothing to save and no replica to wait for: a signal ends the node without delay.
      'shutdown-on-sigterm nosave now force',
      'shutdown-on-sigint nosave now force',
      'shutdown-timeout 0',
      // Replication keeps working whatever happens to the default user later.
      `user ${INTERNAL_USER} on ${configValue(`>${this.internalPassword}`)} ~* &* +@all`,
      `masteruser ${INTERNAL_USER}`,
      `masterauth ${configValue(this.internalPassword)}`,
    ];
    if (this.tls) {
      lines.push(
        'port 0',
        `tls-port ${port}`,
        `tls-cert-file ${configValue(this.tls.certificatePath)}`,
        `tls-key-file ${configValue(this.tls.keyPath)}`,
        `tls-ca-cert-file ${configValue(this.tls.caCertificatePath)}`,
        // Clients show no certificate to ElastiCache either.
        'tls-auth-clients no',
        'tls-replication yes',
      );
      if (busPort !== undefined) lines.push('tls-cluster yes');
    } else {
      lines.push(`port ${port}`);
    }
    if (busPort !== undefined) {
      lines.push(
        'cluster-enabled yes',
        'cluster-config-file nodes.conf',
        // Explicit: port + 10000 may be past 65535 or taken.
        `cluster-port ${busPort}`,
        'cluster-node-timeout 5000',
        // Shards keep the replicas they were given: a primary emptied by resharding must not turn
        // into a replica of another shard, nor replicas wander to a shard that has fewer.
        'cluster-allow-replica-migration no',
      );
    }
    return lines;
  }

  private async linkReplicas(replicas: readonly RunningNode[]): Promise<void> {
    const primary = this.nodes.find((node) => node.role === 'primary');
    const followers = replicas.filter((node) => node.role === 'replica');
    if (!primary) return;
    // REPLICAOF at runtime connects at once; `replicaof` in the config waits for the next cron tick.
    await Promise.all(
      followers.map((node) => node.admin.command(['REPLICAOF', LOOPBACK, String(primary.port)])),
    );
    await waitUntil('replicas to link', async () =>
      (await Promise.all(followers.map(replicaLinked))).every(Boolean),
    );
  }

  private async formCluster(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node, index) => {
        node.clusterId = await node.admin.text(['CLUSTER', 'MYID']);
        // Distinct epochs up front, as redis-cli does, so no epoch collision has to be resolved by gossip.
        await node.admin.command(['CLUSTER', 'SET-CONFIG-EPOCH', String(index + 1)]);
        const slots = this.slots.get(node.nodeGroupId);
        if (node.role === 'primary' && slots) {
          await Promise.all(
            slotRuns(slots).map(([first, last]) =>
              node.admin.command(['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)]),
            ),
          );
        }
      }),
    );
    await this.join(this.nodes);
    // CLUSTER SLOTS leaves out a replica whose replication offset is still 0, so clients that read
    // from replicas would find none for a while. One replicated command on each (empty) primary
    // moves every offset on.
    await Promise.all(
      this.nodes.filter((node) => node.role === 'primary').map((node) => node.admin.command(['FLUSHALL'])),
    );
    await this.waitAdvertised();
  }

  /**
   * Brings nodes into the cluster: every pair meets directly rather than waiting for gossip, each
   * new replica follows its primary, and the call returns once every node sees the same cluster.
   */
  private async join(joining: readonly RunningNode[]): Promise<void> {
    const introduce = () =>
      Promise.all(
        joining.flatMap((node) =>
          this.nodes.filter((other) => other !== node).map((other) => meet(node, other)),
        ),
      );
    await introduce();
    await Promise.all(
      joining
        .filter((node) => node.role === 'replica')
        .map((replica) => {
          const primary = this.nodes.find(
            (node) => node.nodeGroupId === replica.nodeGroupId && node.role === 'primary',
          );
          const primaryId = primary?.clusterId;
          if (!primaryId) throw new NodeStartFailed(`No primary for ${replica.cacheClusterId}`);
          return waitUntil(`${replica.cacheClusterId} to learn its primary`, async () => {
            try {
              await replica.admin.command(['CLUSTER', 'REPLICATE', primaryId]);
              return true;
            } catch (err) {
              // Until the handshake completes the replica does not know the primary's id.
              if (err instanceof RedisReplyError && /Unknown node/i.test(err.message)) return false;
              throw err;
            }
          });
        }),
    );
    // A node takes in another's slots and role only from messages sent once the handshake is
    // over, and periodic pings reach each peer only every second or so. A second MEET in every
    // direction makes each node hear from every other one at once (the extra handshake
    // resolves to the known node and is dropped).
    await Promise.all([
      introduce(),
      ...joining.flatMap((node) =>
        this.nodes.filter((other) => !joining.includes(other)).map((other) => meet(other, node)),
      ),
    ]);
    await this.waitClusterView();
  }

  private async waitClusterView(): Promise<void> {
    await waitUntil('the cluster to be ready', async () => {
      const views = await Promise.all(
        this.nodes.map(async (node) => {
          const [info, clusterNodes, linked] = await Promise.all([
            node.admin.text(['CLUSTER', 'INFO']),
            node.admin.text(['CLUSTER', 'NODES']),
            node.role === 'replica' ? replicaLinked(node) : true,
          ]);
          return (
            linked &&
            parseInfo(info).get('cluster_state') === 'ok' &&
            clusterViewComplete(clusterNodes, this.nodes)
          );
        }),
      );
      return views.every(Boolean);
    });
  }

  /**
   * Clients discover the cluster from any node (the configuration endpoint first, any node after a
   * redirect): every node's CLUSTER SLOTS must list every replica and every slot where it now is.
   */
  private async waitAdvertised(): Promise<void> {
    const replicas = this.nodes.filter((node) => node.role === 'replica').length;
    const expected = new Map(
      this.nodes
        .filter((node) => node.role === 'primary')
        .map((node) => [node.port, this.slots.get(node.nodeGroupId)?.length ?? 0] as const)
        .filter(([, count]) => count > 0),
    );
    await waitUntil('the replicas and slots to be advertised in CLUSTER SLOTS', async () => {
      const replies = await Promise.all(this.nodes.map((node) => node.admin.command(['CLUSTER', 'SLOTS'])));
      return replies.every((reply) => {
        const advertised = slotsByPort(reply);
        return (
          advertisedReplicas(reply) === replicas &&
          advertised.size === expected.size &&
          [...expected].every(([port, count]) => advertised.get(port) === count)
        );
      });
    });
  }

  /** See `nudgeReplication`: new replicas must report an offset before CLUSTER SLOTS lists them. */
  private async nudgeReplicas(): Promise<void> {
    await nudgeReplication(
      this.nodes.flatMap((node) => {
        const slot = this.slots.get(node.nodeGroupId)?.[0];
        return node.role === 'primary' && slot !== undefined ? [{ node, slot }] : [];
      }),
    );
  }

  private plannedMember(nodeGroupId: string, cacheClusterId: string, role: RunningNode['role']): PlannedNode {
    return { cacheClusterId, nodeGroupId, shard: Number(nodeGroupId) - 1, role };
  }

  /** Starts nodes that join later: the group's users first, then the cluster or their primary. */
  private async addNodes(plan: readonly PlannedNode[]): Promise<void> {
    if (plan.length === 0) return;
    const added = await this.launchAll(plan);
    try {
      if (this.users) await this.applyUsers(this.users, added);
      if (!this.clustered) {
        await this.linkReplicas(added);
        return;
      }
      const info = parseInfo(await (this.nodes[0] as RunningNode).admin.text(['CLUSTER', 'INFO']));
      const epoch = Number(info.get('cluster_current_epoch') ?? 0);
      await Promise.all(
        added.map(async (node, index) => {
          node.clusterId = await node.admin.text(['CLUSTER', 'MYID']);
          await node.admin.command(['CLUSTER', 'SET-CONFIG-EPOCH', String(epoch + index + 1)]);
        }),
      );
      await this.join(added);
    } catch (err) {
      if (this.clustered)
        await forget(
          this.nodes.filter((node) => !added.includes(node)),
          added.filter((node) => node.clusterId),
        ).catch(() => undefined);
      await this.stopNodes(added);
      throw err;
    }
  }

  /** Nodes leave: forgotten by every other node (cluster mode enabled), then stopped. */
  private async removeNodes(leaving: readonly RunningNode[]): Promise<void> {
    if (leaving.length === 0) return;
    if (this.clustered) {
      await forget(
        this.nodes.filter((node) => !leaving.includes(node)),
        leaving,
      );
    }
    await this.stopNodes(leaving);
    if (this.clustered) await this.waitClusterView();
  }

  private async changeReplicas(
    replicas: Readonly<Record<string, number>>,
    remove: readonly string[],
  ): Promise<void> {
    const adding: PlannedNode[] = [];
    const leaving: RunningNode[] = [];
    for (const [nodeGroupId, wanted] of Object.entries(replicas)) {
      const members = this.nodes.filter((node) => node.nodeGroupId === nodeGroupId);
      // Kept first: the named ones, then the highest-numbered, are the ones past the wanted count.
      const replicasNow = members.filter((node) => node.role === 'replica').sort(byPosition);
      const current = [
        ...replicasNow.filter((node) => !remove.includes(node.cacheClusterId)),
        ...replicasNow.filter((node) => remove.includes(node.cacheClusterId)).reverse(),
      ];
      if (members.length === 0) throw new NodeStartFailed(`No node group ${nodeGroupId}`);
      const ids = members.map((node) => node.cacheClusterId);
      for (let i = current.length; i < wanted; i++) {
        const cacheClusterId = nextMemberId(
          this.spec.replicationGroupId,
          this.spec.clusterMode,
          nodeGroupId,
          ids,
        );
        ids.push(cacheClusterId);
        adding.push(this.plannedMember(nodeGroupId, cacheClusterId, 'replica'));
      }
      leaving.push(...current.slice(wanted));
    }
    await this.addNodes(adding);
    await this.removeNodes(leaving);
    if (this.clustered && adding.length > 0) {
      await this.nudgeReplicas();
      await this.waitAdvertised();
    }
  }

  private async changeShards(change: ShardChange): Promise<void> {
    if (!this.clustered) throw new NodeStartFailed('Resharding needs cluster mode enabled');
    const adding = change.add.flatMap((nodeGroupId) =>
      Array.from({ length: change.replicasPerNodeGroup + 1 }, (_, i) =>
        this.plannedMember(
          nodeGroupId,
          `${this.spec.replicationGroupId}-${nodeGroupId}-${pad(i + 1, 3)}`,
          i === 0 ? 'primary' : 'replica',
        ),
      ),
    );
    await this.addNodes(adding);
    const plan = planReshard(
      [...this.slots].map(([nodeGroupId, slots]) => ({ nodeGroupId, slots })),
      change.add,
      change.remove,
    );
    const primaryOf = (nodeGroupId: string) => {
      const primary = this.nodes.find((node) => node.nodeGroupId === nodeGroupId && node.role === 'primary');
      if (!primary) throw new NodeStartFailed(`No primary in node group ${nodeGroupId}`);
      return primary;
    };
    const primaries = this.nodes.filter((node) => node.role === 'primary');
    // Each source gives its slots one destination at a time; different sources work in parallel.
    const bySource = new Map<string, typeof plan.moves>();
    for (const move of plan.moves) bySource.set(move.from, [...(bySource.get(move.from) ?? []), move]);
    await Promise.all(
      [...bySource.values()].map(async (moves) => {
        for (const move of moves) {
          await migrateSlots({
            source: primaryOf(move.from),
            destination: primaryOf(move.to),
            slots: move.slots,
            primaries,
            auth: { user: INTERNAL_USER, password: this.internalPassword },
          });
          this.slots.set(
            move.from,
            (this.slots.get(move.from) ?? []).filter((slot) => !move.slots.includes(slot)),
          );
          this.slots.set(
            move.to,
            [...(this.slots.get(move.to) ?? []), ...move.slots].sort((a, b) => a - b),
          );
        }
      }),
    );
    for (const nodeGroupId of change.remove) this.slots.delete(nodeGroupId);
    await this.removeNodes(this.nodes.filter((node) => change.remove.includes(node.nodeGroupId)));
    // Replicas learn new owners only from gossip, every second or so per peer; a MEET makes each
    // primary that took slots send its claim to every node at once.
    const takers = new Set(plan.moves.map((move) => move.to));
    await Promise.all(
      this.nodes
        .filter((node) => node.role === 'primary' && takers.has(node.nodeGroupId))
        .flatMap((primary) =>
          this.nodes.filter((node) => node !== primary).map((node) => meet(node, primary)),
        ),
    );
    await this.nudgeReplicas();
    await this.waitAdvertised();
  }
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, '_').slice(0, 40);
}

/** Runs each replication group as real redis-server processes on 127.0.0.1. */
export function redisServerNodeBackend(options: RedisServerNodeBackendOptions = {}): NodeBackend {
  const ports = new PortAllocator(options.basePort);
  const log = options.log ?? consoleLog;
  return {
    kind: 'redis-server',
    async start(spec) {
      const redisServerPath = options.redisServerPath ?? findRedisServer();
      if (!redisServerPath) {
        throw new NodeStartFailed('redis-server is not on PATH (apt-get install redis-server)');
      }
      const parent = options.workDir ?? os.tmpdir();
      await mkdir(parent, { recursive: true });
      const dir = await mkdtemp(path.join(parent, `redis-${safeName(spec.replicationGroupId)}-`));
      trackDirectory(dir);
      const group = new RedisServerGroup(spec, dir, redisServerPath, ports, log);
      liveGroups.add(group);
      try {
        await group.boot();
        return group.describe();
      } catch (err) {
        await group.stop();
        if (err instanceof AclRulesRejected || err instanceof NodeStartFailed) throw err;
        throw new NodeStartFailed(`Replication group ${spec.replicationGroupId} did not start`, {
          cause: err,
        });
      }
    },
  };
}
