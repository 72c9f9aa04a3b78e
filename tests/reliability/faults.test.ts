import { describe, expect, it } from 'vitest';
import type { FaultCounts, FaultPlan } from '../../local/standin';
import { loadDefinition } from '../../local/workflow/definition';
import { describeHits, scanExecutions } from './secretScan';
import { createActiveUser, createActiveUserGroup, createGivenSecret } from './support/account';
import { convergenceProblems, duplicateProblems, mutationCounts } from './support/convergence';
import { faultSeeds, recordFigure } from './support/figures';
import { type Execution, useHarness } from './support/harness';
import {
  clusterModeDisabledRequest,
  faultPlan,
  type Request,
  rbacRequest,
  valkeyIamRequest,
} from './support/requests';

const harness = useHarness();

function injectedSince(before: FaultCounts): FaultCounts {
  const now = harness.standIn.faultsInjected;
  return Object.fromEntries(
    Object.entries(now).map(([kind, count]) => [kind, count - before[kind as keyof FaultCounts]]),
  ) as FaultCounts;
}

function statesEntered(run: Execution, state: string): number {
  return run.events.filter((event) => event.type === 'StateEntered' && event.state === state).length;
}

function retries(run: Execution): number {
  return run.events.filter((event) => event.type === 'StateRetried').length;
}

/** Runs a request under a fault plan; returns the run, the faults it met and the calls it made. */
async function runWithFaults(scenario: string, plan: FaultPlan, request: Request, expected: string) {
  const before = { ...harness.standIn.faultsInjected };
  const mark = harness.standIn.calls.length;
  harness.setFaults(plan);
  const run = await harness.execute(request);
  harness.setFaults({});
  const injected = injectedSince(before);
  const calls = harness.callsSince(mark);
  recordFigure({
    kind: 'faults',
    scenario,
    ...(plan.seed === undefined ? {} : { seed: plan.seed }),
    injected,
    calls: calls.length,
    latencyMs: plan.latencyMs ?? 0,
    outcome: run.status === 'SUCCEEDED' ? 'SUCCEEDED' : (run.error?.Error ?? 'FAILED'),
    expected,
    stateRetries: retries(run),
  });
  const passwords = await harness.passwords();
  const hits = scanExecutions(passwords, [run], scenario);
  recordFigure({
    kind: 'secrets',
    source: `faults ${scenario}`,
    passwords: passwords.length,
    hits: hits.length,
  });
  return { run, injected, calls, hits };
}

describe('transient faults (tests/fixtures/reliability/transient-faults.json)', () => {
  it.each(faultSeeds([faultPlan('transient-faults.json').seed ?? 1]))(
    'are absorbed by the SDK retries and the Retry of the state machine (seed %i)',
    async (seed) => {
      // Prepare: throttling, server errors and latency on ElastiCache and Secrets Manager alike.
      const id = `transient-${seed}`;
      await createGivenSecret(harness.admin, id);
      const request = rbacRequest(id);

      // Act
      const { run, injected, calls, hits } = await runWithFaults(
        'transient',
        { ...faultPlan('transient-faults.json'), seed },
        request,
        'SUCCEEDED',
      );

      // Assess
      expect(run.status, `${run.error?.Error}: ${run.error?.Cause}`).toBe('SUCCEEDED');
      expect(injected.throttling).toBeGreaterThan(0);
      expect(injected.serverError + injected.throttling).toBeGreaterThan(3);
      expect(injected.latency).toBeGreaterThan(0);
      expect(await convergenceProblems(harness, request, run.output)).toEqual([]);
      expect(duplicateProblems(calls, [request])).toEqual([]);
      expect(hits, describeHits(hits)).toEqual([]);
    },
    120_000,
  );
});

describe('permanent faults end quickly, in the named error of the contract', () => {
  it('a replication group that ends create-failed fails the run with ReplicationGroupCreateFailed', async () => {
    // Prepare
    const request = clusterModeDisabledRequest('create-fails');

    // Act
    const { run } = await runWithFaults(
      'create-failed',
      faultPlan('create-fails.json'),
      request,
      'ReplicationGroupCreateFailed',
    );

    // Assess: at the check that sees it, not at the 5-minute limit (60 checks 5 s apart on the
    // schedule's clock). How many checks come first depends on the stand-in's wall-clock delay.
    expect(run.error?.Error).toBe('ReplicationGroupCreateFailed');
    expect(run.error?.Cause).toContain('create-failed');
    expect(statesEntered(run, 'CheckAvailable')).toBeLessThan(60);
  });

  it('a replication group that never becomes available fails the run with ProvisioningTimedOut at the configured limit', async () => {
    // Prepare: 1 minute; 3 checks 5 s apart per invocation, 10 s between invocations.
    const request = {
      ...clusterModeDisabledRequest('never-available'),
      Polling: {
        TimeoutMinutes: 1,
        InitialWaitSeconds: 0,
        WaitSeconds: 10,
        ChecksPerInvocation: 3,
        CheckIntervalSeconds: 5,
      },
    };

    // Act
    const { run, calls } = await runWithFaults(
      'never-available',
      faultPlan('never-available.json'),
      request,
      'ProvisioningTimedOut',
    );

    // Assess: checks at 0, 5, 10 | 20, 25, 30 | 40, 45, 50 | 60 s, the last one on the limit.
    expect(run.error?.Error).toBe('ProvisioningTimedOut');
    expect(run.error?.Cause).toContain('after 1 minutes (limit 1 minutes)');
    expect(statesEntered(run, 'CheckAvailable')).toBe(4);
    const created = calls.findIndex((call) => call.action === 'CreateReplicationGroup');
    const checks = calls.slice(created).filter((call) => call.action === 'DescribeReplicationGroups');
    expect(checks).toHaveLength(10);
  });

  it('a user group that stays modifying is waited for, and the run succeeds', async () => {
    // Prepare: the user exists, the group exists without it (holding another user: a user group is
    // never empty); the change takes a whole second.
    const request = valkeyIamRequest('group-modifying');
    for (const user of request.Rbac.Users)
      await createActiveUser(harness.admin, { ...user, Engine: 'valkey' });
    const bystander = { UserId: 'group-modifying-other', UserName: 'group-modifying-other' };
    await createActiveUser(harness.admin, { ...bystander, AccessString: 'off -@all', Engine: 'valkey' });
    await createActiveUserGroup(harness.admin, {
      UserGroupId: request.Rbac.UserGroupId,
      UserIds: [bystander.UserId],
      Engine: 'valkey',
    });

    // Act
    const { run, injected, calls } = await runWithFaults(
      'user group modifying 1 s',
      faultPlan('user-group-modifying.json'),
      request,
      'SUCCEEDED',
    );

    // Assess
    expect(run.status, `${run.error?.Error}: ${run.error?.Cause}`).toBe('SUCCEEDED');
    expect(injected.userGroupModifying).toBe(1);
    expect(mutationCounts(calls).modifyUserGroup).toBe(1);
    expect(calls.filter((call) => call.errorCode === 'InvalidUserGroupState')).toEqual([]);
    expect(statesEntered(run, 'EnsureGroup')).toBeGreaterThan(2);
    expect(run.durationMs).toBeGreaterThanOrEqual(1_000);
    // The user it found there stays: the workflow adds users to a group, never removes them.
    const members = harness.standIn.state.userGroups.get(request.Rbac.UserGroupId)?.userIds ?? [];
    expect(members.toSorted()).toEqual(
      [bystander.UserId, ...request.Rbac.Users.map((u) => u.UserId)].toSorted(),
    );
    const problems = await convergenceProblems(harness, request, run.output);
    expect(problems.filter((problem) => !problem.startsWith('user group holds'))).toEqual([]);
  });

  it('a service that keeps failing ends the run under the SDK error name after a bounded number of attempts', async () => {
    // Prepare: every ElastiCache call answers HTTP 500 or 503.
    const request = clusterModeDisabledRequest('persistent-errors');
    const sdkAttempts = await harness.functionClients.elastiCache.config.maxAttempts();

    // Act
    const { run, injected, calls } = await runWithFaults(
      'persistent server errors',
      faultPlan('persistent-server-errors.json'),
      request,
      'InternalFailure or ServiceUnavailable',
    );

    // Assess: the first step that calls ElastiCache is retried MaxAttempts times by its Retry, each
    // invocation's SDK trying sdkAttempts times; then the run ends, having changed nothing.
    expect(['InternalFailure', 'ServiceUnavailable']).toContain(run.error?.Error);
    const retried = [...new Set(run.events.filter((e) => e.type === 'StateRetried').map((e) => e.state))];
    expect(retried).toHaveLength(1);
    const state = retried[0] ?? '';
    const retrier = loadDefinition().States[state]?.Retry?.find((entry) =>
      entry.ErrorEquals.includes(run.error?.Error ?? ''),
    );
    const maxAttempts = retrier?.MaxAttempts as number;
    expect(retries(run)).toBe(maxAttempts);
    expect(statesEntered(run, state)).toBe(1);
    // Each invocation's SDK tries up to sdkAttempts times; fewer once the client's retry quota (shared
    // by every call of the container, as in Lambda) has been spent by earlier faults.
    expect(injected.serverError).toBeGreaterThanOrEqual(1 + maxAttempts);
    expect(injected.serverError).toBeLessThanOrEqual((1 + maxAttempts) * sdkAttempts);
    expect(calls.filter((call) => call.status === 200 && call.action.startsWith('Create'))).toEqual([]);
  }, 60_000);
});
