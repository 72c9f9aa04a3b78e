/**
 * Cluster bus chores on running nodes: introductions, the view every node must share before a
 * change counts as done, slot migration with its keys, and nodes leaving.
 */
import { LOOPBACK } from './ports';
import type { RespConnection, RespValue } from './respConnection';

export interface ClusterNode {
  cacheClusterId: string;
  nodeGroupId: string;
  role: 'primary' | 'replica';
  port: number;
  busPort?: number;
  admin: RespConnection;
  /** CLUSTER MYID. */
  clusterId?: string;
}

/** Slots handed over per round trip batch; large enough to keep the connection pipelined. */
const SLOT_BATCH = 1024;
/** Keys per GETKEYSINSLOT and per MIGRATE. */
const KEY_BATCH = 1000;
const MIGRATE_TIMEOUT_MS = '10000';

export function idOf(node: ClusterNode): string {
  if (!node.clusterId) throw new Error(`${node.cacheClusterId} has no cluster id yet`);
  return node.clusterId;
}

export function meet(node: ClusterNode, other: ClusterNode): Promise<unknown> {
  return node.admin.command(['CLUSTER', 'MEET', LOOPBACK, String(other.port), String(other.busPort)]);
}

/** Distinct replicas listed by a CLUSTER SLOTS reply: each slot range is [start, end, primary, ...replicas]. */
export function advertisedReplicas(reply: RespValue): number {
  if (!Array.isArray(reply)) return 0;
  const ports = new Set<RespValue>();
  for (const range of reply) {
    if (!Array.isArray(range)) continue;
    for (const replica of range.slice(3)) if (Array.isArray(replica)) ports.add(replica[1] ?? null);
  }
  return ports.size;
}

/** Slots per primary port in a CLUSTER SLOTS reply. */
export function slotsByPort(reply: RespValue): Map<number, number> {
  const counts = new Map<number, number>();
  if (!Array.isArray(reply)) return counts;
  for (const range of reply) {
    if (!Array.isArray(range)) continue;
    const [start, end, primary] = range;
    const port = Array.isArray(primary) ? primary[1] : undefined;
    if (typeof start !== 'number' || typeof end !== 'number' || typeof port !== 'number') continue;
    counts.set(port, (counts.get(port) ?? 0) + end - start + 1);
  }
  return counts;
}

/** Every node listed, handshakes done, links up and each replica following its primary. */
export function clusterViewComplete(clusterNodes: string, nodes: readonly ClusterNode[]): boolean {
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
    const fields = lines.get(node.clusterId ?? '');
    if (!fields) return false;
    const flags = (fields[2] ?? '').split(',');
    if (flags.some((flag) => ['handshake', 'noaddr', 'fail', 'fail?'].includes(flag))) return false;
    if (fields[7] !== 'connected') return false;
    if (node.role === 'primary') return flags.includes('master');
    const primary = nodes.find((other) => other.nodeGroupId === node.nodeGroupId && other.role === 'primary');
    return flags.includes('slave') && primary !== undefined && fields[3] === primary.clusterId;
  });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface MigrationAuth {
  user: string;
  password: string;
}

/**
 * Moves slots and their keys from one primary to another, as `redis-cli --cluster reshard` does:
 * IMPORTING on the destination, MIGRATING on the source, MIGRATE until the slot is empty, then
 * the new owner announced to the destination, the source and every other primary. Clients keep
 * working throughout: the source answers ASK for keys already moved. Returns the keys moved.
 */
export async function migrateSlots(options: {
  source: ClusterNode;
  destination: ClusterNode;
  slots: readonly number[];
  primaries: readonly ClusterNode[];
  auth: MigrationAuth;
}): Promise<number> {
  const { source, destination, primaries, auth } = options;
  const sourceId = idOf(source);
  const destinationId = idOf(destination);
  const others = primaries.filter((node) => node !== source && node !== destination);
  let moved = 0;
  for (const batch of chunks(options.slots, SLOT_BATCH)) {
    await Promise.all([
      ...batch.map((slot) =>
        destination.admin.command(['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId]),
      ),
      ...batch.map((slot) =>
        source.admin.command(['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', destinationId]),
      ),
    ]);
    let pending: readonly number[] = batch;
    while (pending.length > 0) {
      const replies = await Promise.all(
        pending.map((slot) =>
          source.admin.command(['CLUSTER', 'GETKEYSINSLOT', String(slot), String(KEY_BATCH)]),
        ),
      );
      // MIGRATE takes several keys only from one slot (CROSSSLOT otherwise).
      const keysBySlot = replies.map((reply) =>
        Array.isArray(reply) ? reply.filter((key): key is string => typeof key === 'string') : [],
      );
      const keys = keysBySlot.flat();
      pending = pending.filter((_, i) => (keysBySlot[i]?.length ?? 0) > 0);
      await Promise.all(
        keysBySlot
          .filter((slotKeys) => slotKeys.length > 0)
          .map((slotKeys) =>
            source.admin.command([
              'MIGRATE',
              '127.0.0.1',
              String(destination.port),
              '',
              '0',
              MIGRATE_TIMEOUT_MS,
              'REPLACE',
              'AUTH2',
              auth.user,
              auth.password,
              'KEYS',
              ...slotKeys,
            ]),
          ),
      );
      moved += keys.length;
    }
    // SETSLOT NODE on an importing node broadcasts to every node, once per slot: far too slow for
    // thousands of slots. STABLE then NODE takes the slots quietly, and one BUMPEPOCH gives the
    // destination the highest config epoch, so its claim wins wherever gossip carries it.
    const assign = (node: ClusterNode) =>
      Promise.all(
        batch.map((slot) => node.admin.command(['CLUSTER', 'SETSLOT', String(slot), 'NODE', destinationId])),
      );
    await Promise.all(
      batch.map((slot) => destination.admin.command(['CLUSTER', 'SETSLOT', String(slot), 'STABLE'])),
    );
    await assign(destination);
    await destination.admin.command(['CLUSTER', 'BUMPEPOCH']);
    await assign(source);
    await Promise.all(others.map(assign));
  }
  return moved;
}

/** Every remaining node forgets the leaving ones (banned from gossip for a minute, enough to stop them). */
export async function forget(
  remaining: readonly ClusterNode[],
  leaving: readonly ClusterNode[],
): Promise<void> {
  await Promise.all(
    remaining.flatMap((node) => leaving.map((gone) => node.admin.command(['CLUSTER', 'FORGET', idOf(gone)]))),
  );
}

/** CRC16/XMODEM, the hash of Redis Cluster's key slots. */
function crc16(text: string): number {
  let crc = 0;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** A key that hashes to `slot`, through a hash tag. */
export function keyInSlot(prefix: string, slot: number): string {
  for (let tag = 0; ; tag++) {
    if (crc16(String(tag)) % 16384 === slot) return `${prefix}{${tag}}`;
  }
}

/**
 * CLUSTER SLOTS leaves out a replica whose replication offset is still 0 (a primary without a
 * replica keeps no offset), so clients reading from replicas would not find a new one. A write
 * replicated by each primary, in a transaction that leaves no key behind, moves every offset on.
 */
export async function nudgeReplication(
  primaries: readonly { node: ClusterNode; slot: number }[],
): Promise<void> {
  await Promise.all(
    primaries.map(async ({ node, slot }) => {
      const key = keyInSlot('__local-node-backend__', slot);
      await Promise.all([
        node.admin.command(['MULTI']),
        node.admin.command(['SET', key, '1']),
        node.admin.command(['DEL', key]),
        node.admin.command(['EXEC']),
      ]);
    }),
  );
}
