/**
 * Changing provisioned groups in place on real redis-server nodes: the changed request runs through
 * the same state machine, and the data written before is all there after each change.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEnvironment, startLocalEnvironment } from '../../local/environment';
import type { LocalWorkflow } from '../../local/workflow';
import type { ProvisioningResult } from '../../shared/provision/state';
import { readFixture, requireRedisServer } from './support/local';
import {
  configurationEndpointOf,
  connectCluster,
  connectionOutcome,
  credentialsOf,
  keysAcrossSlots,
  primaryAndReaderOf,
  readCredentials,
  withNode,
} from './support/redis';

let env: LocalEnvironment;
let workflow: LocalWorkflow;

beforeAll(async () => {
  requireRedisServer();
  env = await startLocalEnvironment({ nodes: 'real' });
  // Imported only now, so the handlers' SDK clients are built against the local endpoints.
  const { createLocalWorkflow } = await import('../../local/workflow');
  workflow = createLocalWorkflow({ waitTimeOverrides: 50, retryIntervalOverrides: 50 });
});

afterAll(async () => {
  await env?.close();
});

async function run(request: unknown): Promise<ProvisioningResult> {
  const outcome = await workflow.run(request);
  if (outcome.status !== 'SUCCEEDED') throw new Error(`${outcome.error?.Error}: ${outcome.error?.Cause}`);
  return outcome.output as ProvisioningResult;
}

describe('cluster mode enabled: shards 2 -> 3, replicas 1 -> 2, node type, keys intact', () => {
  const request = readFixture('change-cluster-mode-enabled.json');
  const keys = keysAcrossSlots(300);

  it('reshards online, adds replicas and resizes the nodes; every key written before reads back through the cluster client', async () => {
    // Prepare
    const first = await run(request);
    const cluster = await connectCluster(configurationEndpointOf(first));
    try {
      for (const key of keys) await cluster.set(key, `value of ${key}`);
    } finally {
      cluster.destroy();
    }

    // Act
    const changed = await run({
      ...request,
      NumNodeGroups: 3,
      ReplicasPerNodeGroup: 2,
      CacheNodeType: 'cache.m7g.large',
    });

    // Assess
    expect(changed.Changes?.map((change) => change.field).sort()).toEqual([
      'CacheNodeType',
      'NumNodeGroups',
      'ReplicasPerNodeGroup',
    ]);
    const group = env.standIn.state.replicationGroups.get(request.ReplicationGroupId);
    expect(group?.nodes?.nodeGroups.map((nodeGroup) => nodeGroup.members.length)).toEqual([3, 3, 3]);
    expect(group?.cacheNodeType).toBe('cache.m7g.large');
    const after = await connectCluster(configurationEndpointOf(changed));
    try {
      const values = await Promise.all(keys.map((key) => after.get(key)));
      expect(values).toEqual(keys.map((key) => `value of ${key}`));
    } finally {
      after.destroy();
    }
  });
});

describe('cluster mode disabled with RBAC: a replica added, a user added and one removed, an access string changed', () => {
  const request = readFixture('change-cluster-mode-disabled-rbac.json');
  const id = request.ReplicationGroupId;

  it('converges the users live on every node and keeps the data', async () => {
    // Prepare
    const first = await run(request);
    const caPath = env.standIn.caCertificatePath(id);
    if (!caPath) throw new Error('TLS is on: the group has a CA');
    const caPem = readFileSync(caPath, 'utf8');
    const before = await readCredentials(first, env.endpoints.secretsmanager);
    const app = { ca: caPem, credentials: credentialsOf(before, 'app') };
    await withNode(primaryAndReaderOf(first).primary, app, (client) => client.set('app:kept', 'yes'));

    // Act: replicas 1 -> 2, reader gone, report added, app read-only.
    const rbac = request.Rbac as {
      UserGroupId: string;
      Users: { UserId: string; UserName: string; AccessString: string }[];
    };
    const changed = await run({
      ...request,
      NumCacheClusters: 3,
      Rbac: {
        UserGroupId: rbac.UserGroupId,
        Users: [
          { ...rbac.Users[0], AccessString: 'on ~app:* -@all +@read' },
          { UserId: `${id}-report`, UserName: 'report', AccessString: 'on ~* -@all +@read' },
        ],
      },
    });

    // Assess
    expect(changed.Changes?.map((change) => change.field)).toEqual([
      `Rbac.Users[${id}-app].AccessString`,
      `Rbac.Users[${id}-report]`,
      `Rbac.Users[${id}-reader]`,
      'NumCacheClusters',
    ]);
    const after = await readCredentials(changed, env.endpoints.secretsmanager);
    const { primary } = primaryAndReaderOf(changed);
    const endpoint = primary;
    await withNode(endpoint, app, async (client) => {
      expect(await client.get('app:kept')).toBe('yes');
      await expect(client.set('app:new', 'no')).rejects.toThrow(/NOPERM/);
    });
    expect(
      await connectionOutcome(endpoint, { ca: caPem, credentials: credentialsOf(after, 'report') }),
    ).toBe('connected');
    expect(
      await connectionOutcome(endpoint, { ca: caPem, credentials: credentialsOf(before, 'reader') }),
    ).toMatch(/^WRONGPASS/);
    const group = env.standIn.state.replicationGroups.get(id);
    expect(group?.nodes?.nodeGroups[0]?.members).toHaveLength(3);
    // The removed reader was deleted, and so was the password secret generated for it.
    expect(env.standIn.state.users.has(`${id}-reader`)).toBe(false);
    expect(env.standIn.state.secrets.has(`elasticache-provisioner/${rbac.UserGroupId}/${id}-reader`)).toBe(
      false,
    );
    expect(env.standIn.state.secrets.has(`elasticache-provisioner/${rbac.UserGroupId}/${id}-app`)).toBe(true);
  });
});
