import {
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  CreateUserCommand,
  type CreateUserCommandInput,
  CreateUserGroupCommand,
  type CreateUserGroupCommandInput,
  DecreaseReplicaCountCommand,
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  type ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
} from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeBackendGroup, redisServerNodeBackend } from '../../local/nodes';
import { type StandIn, startStandIn } from '../../local/standin';
import { rejectionOf, sdkClients } from '../standin/helpers';
import { readJson } from '../support/fixtures';
import changesJson from './fixtures/changes.json';
import {
  acceptsConnections,
  type Credentials,
  connectionOutcome,
  membersOf,
  openCluster,
  requireRedisServer,
  withClient,
} from './helpers';

const fixtures = changesJson as unknown as {
  sharded: CreateReplicationGroupCommandInput;
  replicated: CreateReplicationGroupCommandInput;
  rbac: CreateReplicationGroupCommandInput;
  users: CreateUserCommandInput[];
  userGroup: CreateUserGroupCommandInput;
  rotatedPasswords: [string, string];
  narrowedAccessString: string;
};

const POLL_MS = 25;
let standIn: StandIn;
let elastiCache: ElastiCacheClient;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out; last seen ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function describeGroup(replicationGroupId: string) {
  const { ReplicationGroups } = await elastiCache.send(
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
  );
  const group = ReplicationGroups?.[0];
  if (!group) throw new Error(`${replicationGroupId} not described`);
  return group;
}

const untilAvailable = (replicationGroupId: string) =>
  until(
    () => describeGroup(replicationGroupId),
    (group) => group.Status === 'available',
  );

const untilUserActive = (userId: string) =>
  until(
    async () => (await elastiCache.send(new DescribeUsersCommand({ UserId: userId }))).Users?.[0]?.Status,
    (status) => status === 'active',
  );

const untilUserGroupActive = (userGroupId: string) =>
  until(
    async () =>
      (await elastiCache.send(new DescribeUserGroupsCommand({ UserGroupId: userGroupId }))).UserGroups?.[0]
        ?.Status,
    (status) => status === 'active',
  );

/** The running nodes of a replication group, as the stand-in holds them. */
function nodesOf(replicationGroupId: string): NodeBackendGroup {
  const nodes = standIn.state.replicationGroups.get(replicationGroupId)?.nodes;
  if (!nodes) throw new Error(`${replicationGroupId} has no nodes`);
  return nodes;
}

/**
 * A command retried the way an application retries: a client meets transient errors (a node that
 * left, a slot map being refreshed) while the cluster changes shape.
 */
async function retried<T>(command: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await command();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Reads every key back through a new cluster client, as a client that discovers the cluster anew. */
async function readBack(replicationGroupId: string, keys: readonly string[]): Promise<string[]> {
  const cluster = await openCluster(nodesOf(replicationGroupId));
  try {
    const values = await Promise.all(keys.map((key) => retried(() => cluster.get(key))));
    return keys.filter((key, i) => values[i] !== key);
  } finally {
    await cluster.close();
  }
}

/** Writes keys through one cluster client until `stop` resolves; returns the keys acknowledged. */
async function writeWhile(
  replicationGroupId: string,
  prefix: string,
  stop: Promise<unknown>,
): Promise<string[]> {
  let cluster = await openCluster(nodesOf(replicationGroupId));
  let reopening: Promise<void> | undefined;
  // A client still routing to a node of a removed shard finds that connection closed; like an
  // application would, it discovers the cluster anew and retries.
  const rediscover = () => {
    reopening ??= openCluster(nodesOf(replicationGroupId)).then((fresh) => {
      const old = cluster;
      cluster = fresh;
      reopening = undefined;
      void old.close().catch(() => undefined);
    });
    return reopening;
  };
  const written: string[] = [];
  let stopped = false;
  void stop.finally(() => {
    stopped = true;
  });
  try {
    for (let i = 0; !stopped; i++) {
      const batch = Array.from({ length: 20 }, (_, j) => `${prefix}:${i * 20 + j}`);
      await Promise.all(
        batch.map(async (key) => {
          await retried(async () => {
            try {
              return await cluster.set(key, key);
            } catch (err) {
              if (err instanceof Error && /closed/i.test(err.message)) await rediscover();
              throw err;
            }
          });
          written.push(key);
        }),
      );
    }
    return written;
  } finally {
    await reopening;
    await cluster.close().catch(() => undefined);
  }
}

beforeAll(async () => {
  requireRedisServer();
  standIn = await startStandIn({
    nodes: redisServerNodeBackend({ log: { warn: () => undefined } }),
    delays: {
      userCreateMs: 20,
      userModifyMs: 20,
      userDeleteMs: 20,
      userGroupCreateMs: 20,
      userGroupModifyMs: 20,
      userGroupDeleteMs: 20,
      replicationGroupCreateMs: 20,
      replicationGroupDeleteMs: 20,
      replicationGroupModifyMs: 50,
    },
  });
  ({ elastiCache } = sdkClients(standIn));
  for (const user of fixtures.users) await elastiCache.send(new CreateUserCommand(user));
  await Promise.all(fixtures.users.map((user) => untilUserActive(user.UserId ?? '')));
  await elastiCache.send(new CreateUserGroupCommand(fixtures.userGroup));
  await untilUserGroupActive(fixtures.userGroup.UserGroupId ?? '');
  for (const group of [fixtures.sharded, fixtures.replicated, fixtures.rbac]) {
    await elastiCache.send(new CreateReplicationGroupCommand(group));
  }
  await Promise.all(
    [fixtures.sharded, fixtures.replicated, fixtures.rbac].map((group) =>
      untilAvailable(group.ReplicationGroupId ?? ''),
    ),
  );
});

afterAll(async () => {
  await standIn?.close();
});

describe('online resharding on real nodes', () => {
  const id = fixtures.sharded.ReplicationGroupId ?? '';

  it('keeps every key written before and during a scale-out from 2 to 4 shards and back to 3', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const before = Array.from({ length: 1000 }, (_, i) => `before:${i}`);
    const cluster = await openCluster(nodesOf(id));
    await Promise.all(before.map((key) => cluster.set(key, key)));
    await cluster.close();

    // Act: 2 -> 4 shards while a client keeps writing
    await elastiCache.send(
      new ModifyReplicationGroupShardConfigurationCommand({
        ReplicationGroupId: id,
        NodeGroupCount: 4,
        ApplyImmediately: true,
      }),
    );
    const scaledOut = untilAvailable(id);
    const duringOut = await writeWhile(id, 'during-out', scaledOut);
    const four = await scaledOut;
    const lostAfterOut = await readBack(id, [...before, ...duringOut]);
    const primariesOfFour = membersOf(nodesOf(id)).filter((member) => member.role === 'primary');
    const keysPerShard = await Promise.all(
      primariesOfFour.map((member) =>
        withClient(nodesOf(id), member, undefined, (client) => client.dbSize()),
      ),
    );

    // Act: 4 -> 3 shards, shard 0002 leaving
    const leaving =
      nodesOf(id).nodeGroups.find((nodeGroup) => nodeGroup.nodeGroupId === '0002')?.members ?? [];
    await elastiCache.send(
      new ModifyReplicationGroupShardConfigurationCommand({
        ReplicationGroupId: id,
        NodeGroupCount: 3,
        NodeGroupsToRemove: ['0002'],
        ApplyImmediately: true,
      }),
    );
    const scaledIn = untilAvailable(id);
    const duringIn = await writeWhile(id, 'during-in', scaledIn);
    const three = await scaledIn;
    const lostAfterIn = await readBack(id, [...before, ...duringOut, ...duringIn]);

    // Assess
    expect(duringOut.length).toBeGreaterThan(0);
    expect(duringIn.length).toBeGreaterThan(0);
    expect(lostAfterOut).toEqual([]);
    expect(lostAfterIn).toEqual([]);
    // Both node backends split the slots the same way.
    expect(four.NodeGroups?.map(({ NodeGroupId, Slots }) => ({ NodeGroupId, Slots }))).toEqual(
      readJson('tests/fixtures/change/slots-two-to-four-shards.json'),
    );
    expect(four.NodeGroups?.map((nodeGroup) => nodeGroup.NodeGroupMembers?.length)).toEqual([2, 2, 2, 2]);
    expect(keysPerShard.every((size) => size > 0)).toBe(true);
    expect(three.NodeGroups?.map(({ NodeGroupId }) => NodeGroupId)).toEqual(['0001', '0003', '0004']);
    expect(three.MemberClusters).toHaveLength(6);
    expect(await Promise.all(leaving.map((member) => acceptsConnections(member.port)))).toEqual([
      false,
      false,
    ]);
  });
});

describe('replica counts on real nodes', () => {
  const id = fixtures.replicated.ReplicationGroupId ?? '';

  it('goes from 1 replica to 2 and to 0, new replicas holding and following the data', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    const primary = () => nodesOf(id).primaryEndpoint ?? { address: '', port: 0 };
    const keys = Array.from({ length: 200 }, (_, i) => `kept:${i}`);
    await withClient(nodesOf(id), primary(), undefined, (client) =>
      Promise.all(keys.map((key) => client.set(key, key))),
    );

    // Act
    await elastiCache.send(
      new IncreaseReplicaCountCommand({ ReplicationGroupId: id, NewReplicaCount: 2, ApplyImmediately: true }),
    );
    const refused = await rejectionOf(
      elastiCache.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: id,
          SnapshotRetentionLimit: 1,
          ApplyImmediately: true,
        }),
      ),
    );
    const two = await untilAvailable(id);
    await withClient(nodesOf(id), primary(), undefined, (client) => client.set('written-after', 'yes'));
    const replicas = membersOf(nodesOf(id)).filter((member) => member.role === 'replica');
    const onReplicas = await Promise.all(
      replicas.map((member) =>
        withClient(nodesOf(id), member, undefined, async (client) => {
          // Replication is asynchronous: the keys are counted once the last write has arrived.
          const followed = await until(
            () => client.get('written-after'),
            (value) => value === 'yes',
            5000,
          );
          return {
            role: /role:(\w+)/.exec(await client.info('replication'))?.[1],
            keys: await client.dbSize(),
            followed,
          };
        }),
      ),
    );
    await elastiCache.send(
      new DecreaseReplicaCountCommand({ ReplicationGroupId: id, NewReplicaCount: 0, ApplyImmediately: true }),
    );
    const none = await untilAvailable(id);
    const kept = await withClient(nodesOf(id), primary(), undefined, async (client) => ({
      keys: await client.dbSize(),
      replicas: /connected_slaves:(\d+)/.exec(await client.info('replication'))?.[1],
    }));

    // Assess
    expect(refused.name).toBe('InvalidReplicationGroupStateFault');
    expect(two.MemberClusters).toEqual(['replica-count-001', 'replica-count-002', 'replica-count-003']);
    expect(onReplicas).toEqual([
      { role: 'slave', keys: 201, followed: 'yes' },
      { role: 'slave', keys: 201, followed: 'yes' },
    ]);
    expect(none.MemberClusters).toEqual(['replica-count-001']);
    expect(kept).toEqual({ keys: 201, replicas: '0' });
    expect(await Promise.all(replicas.map((member) => acceptsConnections(member.port)))).toEqual([
      false,
      false,
    ]);
  });
});

describe('ACL changes on real nodes', () => {
  const id = fixtures.rbac.ReplicationGroupId ?? '';
  const [firstPassword, secondPassword] = fixtures.rotatedPasswords;
  const app = (password: string): Credentials => ({ username: 'app', password });

  /** What `use` gives on every node of the group, as `credentials`. */
  async function onEveryNode<T>(
    credentials: Credentials,
    use: (client: Awaited<ReturnType<typeof import('./helpers').openClient>>) => Promise<T>,
  ) {
    const nodes = nodesOf(id);
    return Promise.all(membersOf(nodes).map((member) => withClient(nodes, member, credentials, use)));
  }

  it('accepts both passwords of a user that has two', async () => {
    // Act
    await elastiCache.send(
      new ModifyUserCommand({ UserId: 'acl-live-app', Passwords: [firstPassword, secondPassword] }),
    );
    await untilUserActive('acl-live-app');
    const withFirst = await onEveryNode(app(firstPassword), (client) => client.get('app:probe'));
    const withSecond = await onEveryNode(app(secondPassword), (client) => client.get('app:probe'));

    // Assess
    expect(withFirst).toEqual([null, null]);
    expect(withSecond).toEqual([null, null]);
  });

  it('applies a changed access string on every node at once', async () => {
    // Prepare
    await onEveryNode(app(firstPassword), async (client) => client.get('app:x'));

    // Act
    await elastiCache.send(
      new ModifyUserCommand({ UserId: 'acl-live-app', AccessString: fixtures.narrowedAccessString }),
    );
    await untilUserActive('acl-live-app');
    const outcomes = await onEveryNode(app(firstPassword), async (client) => ({
      oldKey: await client.get('app:x').catch((err: Error) => err.message),
      newKey: await client.get('other:x').catch((err: Error) => err.message),
    }));

    // Assess
    expect(outcomes).toEqual([
      { oldKey: expect.stringMatching(/^NOPERM/), newKey: null },
      { oldKey: expect.stringMatching(/^NOPERM/), newKey: null },
    ]);
  });

  it('refuses a user removed from the user group at once, and keeps the others', async () => {
    // Act
    await elastiCache.send(
      new ModifyUserGroupCommand({ UserGroupId: 'acl-live-users', UserIdsToRemove: ['acl-live-app'] }),
    );
    await untilUserGroupActive('acl-live-users');
    const nodes = nodesOf(id);
    const removed = await Promise.all(
      membersOf(nodes).map((member) => connectionOutcome(nodes, member, app(firstPassword))),
    );
    const kept = await Promise.all(
      membersOf(nodes).map((member) =>
        connectionOutcome(nodes, member, { username: 'reporter', password: 'reporter-password-0123456' }),
      ),
    );

    // Assess
    expect(removed).toEqual([expect.stringMatching(/^WRONGPASS/), expect.stringMatching(/^WRONGPASS/)]);
    expect(kept).toEqual(['connected', 'connected']);
  });
});
