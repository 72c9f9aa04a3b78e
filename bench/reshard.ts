/**
 * Section 5: changes in place on real redis-server nodes, through the stand-in's ElastiCache API as
 * a client sees them. Per round: a cluster-mode-enabled group of 2 shards x 1 replica holding
 * KEYS keys is resharded to 4 shards (ModifyReplicationGroupShardConfiguration, from the call to
 * `available` seen by DescribeReplicationGroups), every key is read back through a new cluster
 * client, then each shard gets a second replica (IncreaseReplicaCount) and loses it again
 * (DecreaseReplicaCount). Default stand-in delays (300 ms at least per change).
 */
import {
  CreateReplicationGroupCommand,
  DecreaseReplicaCountCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupShardConfigurationCommand,
} from '@aws-sdk/client-elasticache';
import { createCluster } from 'redis';
import { childMain, runChildOr } from './child';
import { median } from './stats';

export const KEYS = 10_000;
export const ROUNDS = 3;
export const RESHARD_GOAL_SECONDS = 10;
const POLL_MS = 100;

export interface ReshardRound {
  reshardSeconds: number;
  keysLost: number;
  describeCalls: number;
  addReplicaSeconds: number;
  removeReplicaSeconds: number;
}

export interface ReshardResult {
  measured: boolean;
  reason?: string;
  keys: number;
  rounds: ReshardRound[];
  reshardSecondsP50: number;
  addReplicaSecondsP50: number;
  removeReplicaSecondsP50: number;
  keysLost: number;
  goalSeconds: number;
  notes: string[];
}

type Endpoint = { address: string; port: number };

async function roundInProcess(
  elastiCache: ElastiCacheClient,
  endpointOf: (id: string) => Endpoint | undefined,
  calls: () => readonly { action: string }[],
  round: number,
): Promise<ReshardRound> {
  const id = `bench-reshard-${round}`;
  const describe = async () => {
    const { ReplicationGroups } = await elastiCache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
    );
    return ReplicationGroups?.[0];
  };
  const untilAvailable = async () => {
    for (;;) {
      if ((await describe())?.Status === 'available') return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  /** Seconds from the call to `available`, as a client polling every POLL_MS sees it. */
  const timed = async (change: () => Promise<unknown>) => {
    const started = performance.now();
    await change();
    await untilAvailable();
    return (performance.now() - started) / 1000;
  };
  const openCluster = async () => {
    const endpoint = endpointOf(id);
    if (!endpoint) throw new Error(`${id} has no configuration endpoint`);
    const cluster = createCluster({
      rootNodes: [{ socket: { host: endpoint.address, port: endpoint.port } }],
    });
    cluster.on('error', () => undefined);
    await cluster.connect();
    return cluster;
  };

  await elastiCache.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: 'resharding bench',
      Engine: 'redis',
      EngineVersion: '7.1',
      ClusterMode: 'enabled',
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 1,
    }),
  );
  await untilAvailable();
  const keys = Array.from({ length: KEYS }, (_, i) => `bench:${round}:${i}`);
  const writer = await openCluster();
  for (let i = 0; i < keys.length; i += 1000)
    await Promise.all(keys.slice(i, i + 1000).map((key) => writer.set(key, key)));
  await writer.close();

  const callsBefore = calls().length;
  const reshardSeconds = await timed(() =>
    elastiCache.send(
      new ModifyReplicationGroupShardConfigurationCommand({
        ReplicationGroupId: id,
        NodeGroupCount: 4,
        ApplyImmediately: true,
      }),
    ),
  );
  const describeCalls = calls()
    .slice(callsBefore)
    .filter((call) => call.action === 'DescribeReplicationGroups').length;
  const reader = await openCluster();
  let keysLost = 0;
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const values = await Promise.all(batch.map((key) => reader.get(key)));
    keysLost += batch.filter((key, j) => values[j] !== key).length;
  }
  await reader.close();

  const addReplicaSeconds = await timed(() =>
    elastiCache.send(
      new IncreaseReplicaCountCommand({ ReplicationGroupId: id, NewReplicaCount: 2, ApplyImmediately: true }),
    ),
  );
  const removeReplicaSeconds = await timed(() =>
    elastiCache.send(
      new DecreaseReplicaCountCommand({ ReplicationGroupId: id, NewReplicaCount: 1, ApplyImmediately: true }),
    ),
  );
  return { reshardSeconds, keysLost, describeCalls, addReplicaSeconds, removeReplicaSeconds };
}

/** Runs every round against one stand-in with real nodes; in its own process (see runReshard). */
export async function reshardInProcess(): Promise<ReshardResult> {
  const { redisServerNodeBackend } = await import('../local/nodes');
  const { startStandIn } = await import('../local/standin');
  const standIn = await startStandIn({ nodes: redisServerNodeBackend({ log: { warn: () => undefined } }) });
  const elastiCache = new ElastiCacheClient({
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    const rounds: ReshardRound[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      rounds.push(
        await roundInProcess(
          elastiCache,
          (id) => standIn.state.replicationGroups.get(id)?.nodes?.configurationEndpoint,
          () => standIn.calls,
          round,
        ),
      );
    }
    return {
      measured: true,
      keys: KEYS,
      rounds,
      reshardSecondsP50: median(rounds.map((r) => r.reshardSeconds)),
      addReplicaSecondsP50: median(rounds.map((r) => r.addReplicaSeconds)),
      removeReplicaSecondsP50: median(rounds.map((r) => r.removeReplicaSeconds)),
      keysLost: rounds.reduce((sum, r) => sum + r.keysLost, 0),
      goalSeconds: RESHARD_GOAL_SECONDS,
      notes: [
        "reshard: real redis-server nodes behind the stand-in's ElastiCache API, default stand-in delays; " +
          `${ROUNDS} rounds, ` +
          `each a fresh group of 2 shards x 1 replica holding ${KEYS} keys resharded to 4 shards (2 new primaries + 2 new replicas start, ` +
          '8192 slots move with their keys: SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE); time from the API call to `available` ' +
          `polled every ${POLL_MS} ms; keys read back through a new cluster client. Replicas: 4 shards from 1 to 2 replicas and back.`,
      ],
    };
  } finally {
    elastiCache.destroy();
    await standIn.close();
  }
}

export async function runReshard(): Promise<ReshardResult> {
  const empty = {
    keys: KEYS,
    rounds: [],
    reshardSecondsP50: Number.NaN,
    addReplicaSecondsP50: Number.NaN,
    removeReplicaSecondsP50: Number.NaN,
    keysLost: 0,
    goalSeconds: RESHARD_GOAL_SECONDS,
    notes: [],
  };
  return runChildOr<ReshardResult>(import.meta.url, 300_000, (reason) => ({
    ...empty,
    measured: false,
    reason,
  }));
}

await childMain(import.meta.url, reshardInProcess);
