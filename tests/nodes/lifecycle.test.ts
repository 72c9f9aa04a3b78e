import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisServerNodeBackend, stopAllNodes } from '../../local/nodes';
import {
  acceptsConnections,
  admin,
  isRunning,
  membersOf,
  pidsOf,
  processesUnder,
  rbacUsers,
  refusedRules,
  requireRedisServer,
  shapes,
} from './helpers';

describe('redis-server node lifecycle', () => {
  let workDir: string;
  const quietLog = { warn: () => undefined };

  beforeAll(() => requireRedisServer());

  beforeEach(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'nodes-lifecycle-'));
  });

  afterEach(async () => {
    await stopAllNodes();
    await rm(workDir, { recursive: true, force: true });
  });

  afterAll(() => stopAllNodes());

  it('stops every process, frees every port and removes its files', async () => {
    // Prepare
    const backend = redisServerNodeBackend({ workDir, log: quietLog });
    const groups = await Promise.all([
      backend.start({ ...shapes.disabledPair, users: rbacUsers }),
      backend.start({ ...shapes.enabledOneShard, users: rbacUsers }),
    ]);
    const pids = (await Promise.all(groups.map((group) => pidsOf(group, admin)))).flat();
    const ports = groups.flatMap((group) => membersOf(group).map((member) => member.port));
    const runningBefore = processesUnder(workDir);

    // Act
    await Promise.all(groups.map((group) => group.stop()));

    // Assess
    expect(pids).toHaveLength(4);
    expect(runningBefore.sort()).toEqual([...pids].sort());
    expect(pids.filter(isRunning)).toEqual([]);
    expect(await Promise.all(ports.map(acceptsConnections))).toEqual(ports.map(() => false));
    expect(processesUnder(workDir)).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('treats a second stop as done', async () => {
    // Prepare
    const group = await redisServerNodeBackend({ workDir }).start(shapes.disabledSingle);
    await group.stop();

    // Act
    const secondStop = group.stop();

    // Assess
    await expect(secondStop).resolves.toBeUndefined();
  });

  it('rejects users Redis refuses, names the user and leaves nothing behind', async () => {
    // Prepare
    const backend = redisServerNodeBackend({ workDir, log: quietLog });

    // Act
    const failure = await backend
      .start({ ...shapes.disabledPair, users: [...rbacUsers, refusedRules] })
      .catch((err: unknown) => err);

    // Assess
    expect(failure).toMatchObject({ name: 'AclRulesRejected', userName: 'broken' });
    expect((failure as Error).message).toContain('nosuchcommand');
    expect((failure as Error).message).not.toContain(refusedRules.passwords[0]);
    expect(processesUnder(workDir)).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('rejects a user name listed twice', async () => {
    // Prepare
    const backend = redisServerNodeBackend({ workDir, log: quietLog });

    // Act
    const failure = await backend
      .start({ ...shapes.disabledSingle, users: [...rbacUsers, ...rbacUsers] })
      .catch((err: unknown) => err);

    // Assess
    expect(failure).toMatchObject({ name: 'AclRulesRejected', userName: 'default' });
    expect(processesUnder(workDir)).toEqual([]);
  });

  it('rejects a shape without nodes before starting any process', async () => {
    // Prepare
    const backend = redisServerNodeBackend({ workDir });

    // Act
    const failure = await backend
      .start({ ...shapes.disabledSingle, numCacheClusters: 0 })
      .catch((err) => err);

    // Assess
    expect(failure).toMatchObject({ name: 'NodeStartFailed' });
    expect(String((failure as Error).cause)).toMatch(/numCacheClusters/);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('reports a redis-server binary that does not exist', async () => {
    // Prepare
    const backend = redisServerNodeBackend({ workDir, redisServerPath: path.join(workDir, 'no-such-redis') });

    // Act
    const failure = await backend.start(shapes.disabledSingle).catch((err: unknown) => err);

    // Assess
    expect(failure).toMatchObject({ name: 'NodeStartFailed' });
    expect(await readdir(workDir)).toEqual([]);
  });

  it('takes ports from basePort upwards when given one', async () => {
    // Prepare
    const basePort = 20_000 + Math.floor(Math.random() * 20_000);
    const backend = redisServerNodeBackend({ workDir, basePort });

    // Act
    const group = await backend.start(shapes.disabledSingle);

    // Assess
    expect(group.primaryEndpoint?.port).toBeGreaterThanOrEqual(basePort);
    expect(group.primaryEndpoint?.port).toBeLessThan(basePort + 100);
  });

  it('stops groups nobody stopped with stopAllNodes', async () => {
    // Prepare
    const group = await redisServerNodeBackend({ workDir }).start(shapes.disabledSingle);
    const pids = await pidsOf(group);

    // Act
    await stopAllNodes();

    // Assess
    expect(pids.filter(isRunning)).toEqual([]);
    expect(processesUnder(workDir)).toEqual([]);
  });
});
