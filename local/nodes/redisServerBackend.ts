import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from '../../shared/logger';
import { applyUserChanges, checkUsers, INTERNAL_USER, randomPassword, userChanges } from './acl';
import { AclRulesRejected, NodeStartFailed, RedisReplyError } from './errors';
import { findRedisServer } from './executables';
import { LOOPBACK, PortAllocator } from './ports';
import { configValue, RedisServerProcess, trackDirectory, untrackDirectory } from './redisProcess';
import { parseInfo, RespConnection, type RespValue } from './respConnection';
import { createTlsMaterial, type TlsMaterial } from './tlsMaterial';
import { type PlannedNode, planNodes, slotBounds } from './topology';
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

interface RunningNode extends PlannedNode {
  /** Position in the plan; nodes finish starting in any order. */
  order: number;
  port: number;
  busPort?: number;
  server: RedisServerProcess;
  admin: RespConnection;
}

async function replicaLinked(node: RunningNode): Promise<boolean> {
  const info = parseInfo(await node.admin.text(['INFO', 'replication']));
  return info.get('master_link_status') === 'up';
}

/** Replicas listed by a CLUSTER SLOTS reply: each slot range is [start, end, primary, ...replicas]. */
function advertisedReplicas(reply: RespValue): number {
  if (!Array.isArray(reply)) return 0;
  return reply.reduce<number>(
    (count, range) => count + (Array.isArray(range) ? Math.max(0, range.length - 3) : 0),
    0,
  );
}

/** Every node listed, handshakes done, links up and each replica following its primary. */
function clusterViewComplete(
  clusterNodes: string,
  nodes: readonly RunningNode[],
  ids: Map<RunningNode, string>,
) {
  const lines = new Map(
    clusterNodes
      .trim()
      .split('\n')
      .map((line) => {
        const fields = line.split(' ');
        return [fields[0] ?? '', fields] as const;
      }),
  );
  if (lines.size !== nodes.length) return false;
  return nodes.every((node) => {
    const fields = lines.get(ids.get(node) ?? '');
    if (!fields) return false;
    const flags = (fields[2] ?? '').split(',');
    if (flags.some((flag) => ['handshake', 'noaddr', 'fail', 'fail?'].includes(flag))) return false;
    if (fields[7] !== 'connected') return false;
    if (node.role === 'primary') return flags.includes('master');
    const primary = nodes.find((other) => other.shard === node.shard && other.role === 'primary');
    return flags.includes('slave') && primary !== undefined && fields[3] === ids.get(primary);
  });
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

function meet(node: RunningNode, other: RunningNode): Promise<unknown> {
  return node.admin.command(['CLUSTER', 'MEET', LOOPBACK, String(other.port), String(other.busPort)]);
}

class RedisServerGroup {
  private readonly nodes: RunningNode[] = [];
  private readonly internalPassword = randomPassword();
  private tls: TlsMaterial | undefined;
  private caPem: string | undefined;
  private stopping: Promise<void> | undefined;
  private userUpdates: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: NodeBackendSpec,
    private readonly dir: string,
    private readonly redisServerPath: string,
    private readonly ports: PortAllocator,
    private readonly log: Pick<Log, 'warn'>,
  ) {}

  async boot(): Promise<void> {
    const plan = planNodes(this.spec);
    if (this.spec.tls) {
      this.tls = await createTlsMaterial(path.join(this.dir, 'tls'));
      this.caPem = await readFile(this.tls.caCertificatePath, 'utf8');
    }
    // allSettled: every node that did start must be known to stop() if another one failed.
    const launches = await Promise.allSettled(plan.map((planned, order) => this.launch(planned, order)));
    const failed = launches.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    this.nodes.sort((a, b) => a.order - b.order);
    const first = this.nodes[0];
    if (!first) throw new NodeStartFailed('No node was planned');
    const users = this.spec.users;
    if (users) await checkUsers(first.admin, users);
    await Promise.all([
      this.spec.clusterMode === 'enabled' ? this.formCluster() : this.linkReplicas(),
      users ? this.applyUsers(users) : undefined,
    ]);
  }

  describe(): NodeBackendGroup {
    const nodeGroups: NodeBackendNodeGroup[] = [];
    for (const node of this.nodes) {
      let nodeGroup = nodeGroups[node.shard];
      if (!nodeGroup) {
        nodeGroup = {
          nodeGroupId: node.nodeGroupId,
          ...(node.slots ? { slots: node.slots } : {}),
          members: [],
        };
        nodeGroups[node.shard] = nodeGroup;
      }
      nodeGroup.members.push({
        cacheClusterId: node.cacheClusterId,
        address: LOOPBACK,
        port: node.port,
        role: node.role,
      });
    }
    const endpoint = (node: RunningNode | undefined) =>
      node ? { address: LOOPBACK, port: node.port } : undefined;
    const primary = this.nodes.find((node) => node.role === 'primary');
    const firstReplica = this.nodes.find((node) => node.role === 'replica');
    const locations =
      this.spec.clusterMode === 'enabled'
        ? { configurationEndpoint: endpoint(primary) }
        : // ElastiCache's reader endpoint balances over the replicas; the first one stands in for it.
          { primaryEndpoint: endpoint(primary), readerEndpoint: endpoint(firstReplica ?? primary) };
    return {
      ...locations,
      nodeGroups,
      ...(this.tls ? { caCertificatePath: this.tls.caCertificatePath } : {}),
      setUsers: (users) => this.setUsers(users),
      stop: () => this.stop(),
    };
  }

  setUsers(users: NodeBackendUser[]): Promise<void> {
    const update = this.userUpdates.then(async () => {
      const first = this.nodes[0];
      if (!first || this.stopping) throw new NodeStartFailed('The group is stopped');
      await checkUsers(first.admin, users);
      await this.applyUsers(users);
    });
    // One update at a time; a failed one does not block the next.
    this.userUpdates = update.catch(() => undefined);
    return update;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      liveGroups.delete(this);
      await Promise.all(this.nodes.map((node) => stopNode(node)));
      for (const node of this.nodes) {
        this.ports.release(node.port);
        if (node.busPort !== undefined) this.ports.release(node.busPort);
      }
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
      untrackDirectory(this.dir);
    })();
    return this.stopping;
  }

  private async applyUsers(users: readonly NodeBackendUser[]): Promise<void> {
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
    await Promise.all(this.nodes.map((node) => applyUserChanges(node.admin, changes)));
  }

  private async launch(planned: PlannedNode, order: number): Promise<void> {
    const clustered = this.spec.clusterMode === 'enabled';
    for (let attempt = 1; ; attempt++) {
      const port = await this.ports.reserve();
      const busPort = clustered ? await this.ports.reserve() : undefined;
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
      const node: RunningNode = { ...planned, order, port, busPort, server, admin };
      this.nodes.push(node);
      // stop() may have run while this node was starting; it only sees nodes already pushed.
      if (this.stopping) {
        admin.close();
        await server.stop();
        throw new NodeStartFailed('The group was stopped while starting');
      }
      return;
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
      );
    }
    return lines;
  }

  private async linkReplicas(): Promise<void> {
    const primary = this.nodes.find((node) => node.role === 'primary');
    const replicas = this.nodes.filter((node) => node.role === 'replica');
    if (!primary) return;
    // REPLICAOF at runtime connects at once; `replicaof` in the config waits for the next cron tick.
    await Promise.all(
      replicas.map((node) => node.admin.command(['REPLICAOF', LOOPBACK, String(primary.port)])),
    );
    await waitUntil('replicas to link', async () =>
      (await Promise.all(replicas.map(replicaLinked))).every(Boolean),
    );
  }

  private async formCluster(): Promise<void> {
    const ids = new Map<RunningNode, string>();
    await Promise.all(
      this.nodes.map(async (node) => {
        ids.set(node, await node.admin.text(['CLUSTER', 'MYID']));
      }),
    );
    const primaries = this.nodes.filter((node) => node.role === 'primary');
    // Distinct epochs up front, as redis-cli does, so no epoch collision has to be resolved by gossip.
    await Promise.all(
      this.nodes.map(async (node, index) => {
        await node.admin.command(['CLUSTER', 'SET-CONFIG-EPOCH', String(index + 1)]);
        if (node.role === 'primary' && node.slots) {
          await node.admin.command(['CLUSTER', 'ADDSLOTSRANGE', ...slotBounds(node.slots)]);
        }
      }),
    );
    // Every pair meets directly rather than waiting for gossip to spread the introductions.
    await Promise.all(
      this.nodes.flatMap((node, index) => this.nodes.slice(index + 1).map((other) => meet(node, other))),
    );
    await Promise.all(
      this.nodes
        .filter((node) => node.role === 'replica')
        .map((replica) => {
          const primary = primaries.find((node) => node.shard === replica.shard);
          const primaryId = primary ? ids.get(primary) : undefined;
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
    await Promise.all(
      this.nodes.flatMap((node) =>
        this.nodes.filter((other) => other !== node).map((other) => meet(node, other)),
      ),
    );
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
            clusterViewComplete(clusterNodes, this.nodes, ids)
          );
        }),
      );
      return views.every(Boolean);
    });
    // CLUSTER SLOTS leaves out a replica whose replication offset is still 0, so clients that read
    // from replicas would find none for a while. One replicated command on each (empty) primary
    // moves every offset on.
    await Promise.all(
      this.nodes.filter((node) => node.role === 'primary').map((node) => node.admin.command(['FLUSHALL'])),
    );
    // Clients discover the cluster from the configuration endpoint (the first primary): its view is
    // the one that must list every replica; the other nodes' views follow through gossip.
    const replicas = this.nodes.filter((node) => node.role === 'replica').length;
    const configurationNode = this.nodes.find((node) => node.role === 'primary');
    if (replicas > 0 && configurationNode) {
      await waitUntil('the replicas to be advertised in CLUSTER SLOTS', async () => {
        const reply = await configurationNode.admin.command(['CLUSTER', 'SLOTS']);
        return advertisedReplicas(reply) === replicas;
      });
    }
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
