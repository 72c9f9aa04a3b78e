import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  DescribeCacheEngineVersionsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheServiceException,
} from '@aws-sdk/client-elasticache';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../local/standin';
import {
  completePending,
  passwordlessUser,
  rejectionOf,
  sdkClients,
  startTestStandIn,
  type TestStandIn,
} from './helpers';

const toCreate = { ReplicationGroupId: 'orders-cache', ReplicationGroupDescription: 'Orders cache' };
const opened: StandIn[] = [];
let env: TestStandIn | undefined;

afterEach(async () => {
  await env?.standIn.close();
  env = undefined;
  await Promise.all(opened.splice(0).map((standIn) => standIn.close()));
});

async function openStandIn(...args: Parameters<typeof startStandIn>) {
  const standIn = await startStandIn(...args);
  opened.push(standIn);
  return standIn;
}

/** Pass/fail of `count` single-attempt calls. */
async function outcomes(standIn: StandIn, count: number): Promise<string[]> {
  const { elastiCache } = sdkClients(standIn);
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    seen.push(
      await elastiCache.send(new DescribeCacheEngineVersionsCommand({})).then(
        () => 'ok',
        (error: Error) => error.name,
      ),
    );
  }
  return seen;
}

describe('throttling', () => {
  it('answers Throttling (HTTP 400, Sender) as ElastiCache does at a rate of 1', async () => {
    // Prepare
    const standIn = await openStandIn({ faults: { throttleRate: 1 } });
    const { elastiCache } = sdkClients(standIn);

    // Act
    const error = await rejectionOf(elastiCache.send(new DescribeReplicationGroupsCommand({})));

    // Assess
    expect(error).toBeInstanceOf(ElastiCacheServiceException);
    expect(error.name).toBe('Throttling');
    expect(error.Type).toBe('Sender');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(standIn.faultsInjected.throttling).toBe(1);
    expect(standIn.calls).toEqual([
      expect.objectContaining({
        action: 'DescribeReplicationGroups',
        status: 400,
        errorCode: 'Throttling',
        fault: 'throttling',
      }),
    ]);
  });

  it("is ridden out by the SDK's retries at a rate of 0.3", async () => {
    // Prepare
    const standIn = await openStandIn({ faults: { throttleRate: 0.3, seed: 42 } });
    const { elastiCache } = sdkClients(standIn, { maxAttempts: 10, retryDelayMs: 1 });

    // Act
    for (let i = 0; i < 20; i++) {
      await elastiCache.send(new DescribeCacheEngineVersionsCommand({}));
    }

    // Assess
    expect(standIn.faultsInjected.throttling).toBeGreaterThan(0);
    expect(standIn.calls).toHaveLength(20 + standIn.faultsInjected.throttling);
  });

  it('fails the same requests for the same seed', async () => {
    // Prepare
    const plan = { throttleRate: 0.5, seed: 7 };

    // Act
    const first = await outcomes(await openStandIn({ faults: plan }), 20);
    const second = await outcomes(await openStandIn({ faults: plan }), 20);
    const otherSeed = await outcomes(await openStandIn({ faults: { ...plan, seed: 8 } }), 20);

    // Assess
    expect(first).toEqual(second);
    expect(first).toContain('Throttling');
    expect(first).toContain('ok');
    expect(otherSeed).not.toEqual(first);
  });

  it('throttles only the listed actions', async () => {
    // Prepare
    const standIn = await openStandIn({
      faults: { throttleRate: 1, actions: ['DescribeReplicationGroups'] },
    });
    const { elastiCache } = sdkClients(standIn);

    // Act
    const created = await elastiCache.send(new CreateReplicationGroupCommand(toCreate));
    const describing = rejectionOf(elastiCache.send(new DescribeReplicationGroupsCommand({})));

    // Assess
    expect(created.ReplicationGroup?.Status).toBe('creating');
    expect((await describing).name).toBe('Throttling');
  });

  it('leaves Secrets Manager alone unless the plan names it, then answers ThrottlingException', async () => {
    // Prepare
    const standIn = await openStandIn({ faults: { throttleRate: 1 } });
    const { secretsManager } = sdkClients(standIn);

    // Act
    const created = await secretsManager.send(
      new CreateSecretCommand({ Name: 'first', SecretString: 'value' }),
    );
    standIn.setFaults({ throttleRate: 1, services: ['secretsmanager'] });
    const error = await rejectionOf(
      secretsManager.send(new CreateSecretCommand({ Name: 'second', SecretString: 'v' })),
    );

    // Assess
    expect(created.Name).toBe('first');
    expect(error.name).toBe('ThrottlingException');
  });
});

describe('server errors and latency', () => {
  it('answers InternalFailure (HTTP 500) or ServiceUnavailable (HTTP 503)', async () => {
    // Prepare
    const standIn = await openStandIn({ faults: { serverErrorRate: 1, seed: 3 } });
    const { elastiCache } = sdkClients(standIn);

    // Act
    const errors = [];
    for (let i = 0; i < 10; i++) {
      errors.push(await rejectionOf(elastiCache.send(new DescribeCacheEngineVersionsCommand({}))));
    }

    // Assess
    const seen = new Set(
      errors.map(
        (error) => `${error.name} ${(error.$metadata as { httpStatusCode: number }).httpStatusCode}`,
      ),
    );
    expect(seen).toEqual(new Set(['InternalFailure 500', 'ServiceUnavailable 503']));
    expect(standIn.faultsInjected.serverError).toBe(10);
  });

  it('is ridden out by the SDK retries at a rate of 0.3', async () => {
    // Prepare
    const standIn = await openStandIn({ faults: { serverErrorRate: 0.3, seed: 5 } });
    const { elastiCache } = sdkClients(standIn, { maxAttempts: 10, retryDelayMs: 1 });

    // Act
    for (let i = 0; i < 10; i++) await elastiCache.send(new DescribeCacheEngineVersionsCommand({}));

    // Assess
    expect(standIn.faultsInjected.serverError).toBeGreaterThan(0);
  });

  it('adds latency to every answer', async () => {
    // Prepare
    const standIn = await openStandIn({ faults: { latencyMs: 80 } });
    const { elastiCache } = sdkClients(standIn);

    // Act
    const started = performance.now();
    await elastiCache.send(new DescribeCacheEngineVersionsCommand({}));
    const elapsed = performance.now() - started;

    // Assess
    expect(elapsed).toBeGreaterThanOrEqual(75);
    expect(standIn.faultsInjected.latency).toBe(1);
  });
});

describe('creation faults', () => {
  async function statusAfter(ms: number) {
    if (!env) throw new Error('no stand-in');
    await completePending(env, ms);
    const { ReplicationGroups } = await env.elastiCache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'orders-cache' }),
    );
    return ReplicationGroups?.[0]?.Status;
  }

  it('ends create-failed without starting nodes when the plan says createFails', async () => {
    // Prepare
    env = await startTestStandIn({ faults: { createFails: true } });

    // Act
    await env.elastiCache.send(new CreateReplicationGroupCommand(toCreate));

    // Assess
    expect(await statusAfter(1_000)).toBe('create-failed');
    expect(env.nodes.groups.size).toBe(0);
    expect(env.standIn.faultsInjected.createFailed).toBe(1);
  });

  it('stays creating for ever when the plan says neverAvailable', async () => {
    // Prepare
    env = await startTestStandIn({ faults: { neverAvailable: true } });

    // Act
    await env.elastiCache.send(new CreateReplicationGroupCommand(toCreate));

    // Assess
    expect(await statusAfter(24 * 3_600_000)).toBe('creating');
    expect(env.standIn.faultsInjected.neverAvailable).toBe(1);
  });

  it('takes createDelaySeconds longer to become available', async () => {
    // Prepare
    env = await startTestStandIn({ faults: { createDelaySeconds: 30 } });

    // Act
    await env.elastiCache.send(new CreateReplicationGroupCommand(toCreate));

    // Assess
    expect(await statusAfter(30_000)).toBe('creating');
    expect(await statusAfter(1_000)).toBe('available');
    expect(env.standIn.faultsInjected.createDelay).toBe(1);
  });

  it('does not count faults that were not planned', async () => {
    // Prepare
    env = await startTestStandIn();

    // Act
    await env.elastiCache.send(new CreateUserCommand(passwordlessUser('u', 'on')));

    // Assess
    expect(Object.values(env.standIn.faultsInjected).every((count) => count === 0)).toBe(true);
  });
});
