import {
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  type DescribeReplicationGroupsCommandOutput,
  ElastiCacheClient,
  ElastiCacheServiceException,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, ProvisioningTimedOut, ReplicationGroupCreateFailed } from '../../shared/errors';
import { secondsSinceStart, waitAvailable } from '../../shared/provision/availability';
import type { PollingSettings, PollResult, ProvisionState } from '../../shared/provision/state';
import { recordingClock } from '../support/clock';
import { readJson } from '../support/fixtures';

const fixture = <T>(name: string): T => readJson<T>(`tests/fixtures/replication-groups/${name}.json`);
function withStatus(output: DescribeReplicationGroupsCommandOutput, status: string) {
  const group = output.ReplicationGroups?.[0];
  return { ReplicationGroups: [{ ...group, Status: status }] };
}
const disabledAvailable = () =>
  fixture<DescribeReplicationGroupsCommandOutput>('describe-cluster-mode-disabled-tls-rbac-available');
const disabledCreating = () =>
  fixture<DescribeReplicationGroupsCommandOutput>('describe-cluster-mode-disabled-tls-rbac-creating');

/** The disabled TLS + RBAC state as it reaches the first check, after this execution created everything. */
function stateAfterCreate(polling?: Partial<PollingSettings>): ProvisionState {
  const state = fixture<ProvisionState>('state-cluster-mode-disabled-tls-rbac');
  state.request.Polling = { ...state.request.Polling, ...polling };
  state.replicationGroup = { ReplicationGroupId: 'redis202104', Status: 'creating', Created: true };
  return state;
}

/** Drives the state machine's loop (Wait -> waitAvailable -> Choice) until available or failed. */
async function runLoop(deps: Parameters<typeof waitAvailable>[0], state: ProvisionState) {
  const polls: PollResult[] = [];
  for (let invocation = 0; invocation < 1000; invocation++) {
    try {
      const poll = await waitAvailable(deps, { ...state, poll: polls.at(-1) });
      polls.push(poll);
      if (poll.Available) return { polls, error: undefined };
    } catch (error) {
      return { polls, error };
    }
  }
  throw new Error('the loop did not settle within 1000 invocations');
}

const elastiCacheMock = mockClient(ElastiCacheClient);
const logger = { info: vi.fn(), warn: vi.fn(), debug: vi.fn() };
const elastiCache = new ElastiCacheClient({ region: 'us-east-1' });
let clock: ReturnType<typeof recordingClock>;
let deps: Parameters<typeof waitAvailable>[0];

beforeEach(() => {
  elastiCacheMock.reset();
  vi.clearAllMocks();
  clock = recordingClock();
  deps = { elastiCache, logger, clock };
});

describe('waitAvailable', () => {
  it('reports a cluster mode disabled group available at the first check, with its primary and reader endpoints', async () => {
    // Prepare
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledAvailable());

    // Act
    const poll = await waitAvailable(deps, stateAfterCreate());

    // Assess
    expect(poll).toEqual({
      Status: 'available',
      Attempt: 1,
      ElapsedSeconds: 180,
      NextWaitSeconds: 0,
      Available: true,
      Result: {
        ReplicationGroupId: 'redis202104',
        Status: 'available',
        ARN: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:redis202104',
        ClusterMode: 'disabled',
        Endpoints: {
          Primary: { Address: 'master.redis202104.abcdef.use1.cache.amazonaws.com', Port: 6379 },
          Reader: { Address: 'replica.redis202104.abcdef.use1.cache.amazonaws.com', Port: 6379 },
        },
        TransitEncryptionEnabled: true,
        UserGroupIds: ['mygroup'],
        Users: [
          {
            UserId: 'mygroup-myuser',
            UserName: 'myuser',
            PasswordSecretArn:
              'arn:aws:secretsmanager:us-east-1:123456789012:secret:elasticache/mygroup-myuser-AbCdEf',
          },
          {
            UserId: 'mygroup-default',
            UserName: 'default',
            PasswordSecretArn:
              'arn:aws:secretsmanager:us-east-1:123456789012:secret:elasticache/mygroup-default-GhIjKl',
          },
        ],
        Created: { Users: ['mygroup-myuser', 'mygroup-default'], UserGroup: true, ReplicationGroup: true },
        Notes: ['Rbac.DefaultUser absent: managed default user mygroup-default (off -@all) added'],
        CorrelationId: '0d0f3c8e-6a4b-4c1e-9f57-2b8f6f1c9a10',
      },
    });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
    expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeReplicationGroupsCommand, {
      ReplicationGroupId: 'redis202104',
    });
    expect(clock.sleeps).toEqual([]);
  });

  it('returns the configuration endpoint of a cluster mode enabled group', async () => {
    // Prepare: no RBAC, and the group existed before this execution.
    const state = fixture<ProvisionState>('state-cluster-mode-enabled');
    state.replicationGroup = { ReplicationGroupId: 'redis20210', Status: 'available', Created: false };
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(fixture('describe-cluster-mode-enabled-available'));

    // Act
    const poll = await waitAvailable(deps, state);

    // Assess
    expect(poll.Result).toEqual({
      ReplicationGroupId: 'redis20210',
      Status: 'available',
      ARN: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:redis20210',
      ClusterMode: 'enabled',
      Endpoints: {
        Configuration: { Address: 'clustercfg.redis20210.abcdef.use1.cache.amazonaws.com', Port: 6379 },
      },
      TransitEncryptionEnabled: false,
      UserGroupIds: [],
      Users: [],
      Created: { Users: [], UserGroup: false, ReplicationGroup: false },
    });
  });

  it('assembles the Created flags from what the earlier steps created', async () => {
    // Prepare: one user was new, the user group existed, the replication group was created.
    const state = stateAfterCreate();
    if (state.users) state.users.Created = ['mygroup-myuser'];
    if (state.userGroup) state.userGroup.Created = false;
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledAvailable());

    // Act
    const poll = await waitAvailable(deps, state);

    // Assess
    expect(poll.Result?.Created).toEqual({
      Users: ['mygroup-myuser'],
      UserGroup: false,
      ReplicationGroup: true,
    });
  });

  it('keeps checking within one invocation and stops as soon as the group is available', async () => {
    // Prepare
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolvesOnce(disabledCreating())
      .resolvesOnce(disabledCreating())
      .resolves(disabledAvailable());

    // Act
    const poll = await waitAvailable(deps, stateAfterCreate());

    // Assess
    expect(poll).toMatchObject({ Status: 'available', Available: true, Attempt: 1, ElapsedSeconds: 200 });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 3);
    expect(clock.sleeps).toEqual([10_000, 10_000]);
  });

  it('asks for another Wait when the group is still creating after the invocation checks', async () => {
    // Prepare
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledCreating());

    // Act
    const poll = await waitAvailable(deps, stateAfterCreate({ ChecksPerInvocation: 4 }));

    // Assess
    expect(poll).toEqual({
      Status: 'creating',
      Attempt: 1,
      ElapsedSeconds: 210,
      NextWaitSeconds: 10,
      Available: false,
    });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 4);
    expect(clock.sleeps).toEqual([10_000, 10_000, 10_000]);
  });

  it('continues the schedule where the previous invocation left it', async () => {
    // Prepare
    const state = stateAfterCreate();
    state.poll = {
      Status: 'creating',
      Attempt: 2,
      ElapsedSeconds: 1370,
      NextWaitSeconds: 10,
      Available: false,
    };
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledAvailable());

    // Act
    const poll = await waitAvailable(deps, state);

    // Assess
    expect(poll).toMatchObject({ Attempt: 3, ElapsedSeconds: 1380, Available: true });
  });

  it('times out when the default schedule reaches 60 minutes, not a check earlier or later', async () => {
    // Prepare
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledCreating());
    const state = stateAfterCreate();

    // Act
    const { polls, error } = await runLoop(deps, state);

    // Assess
    expect(error).toBeInstanceOf(ProvisioningTimedOut);
    expect((error as Error).message).toBe(
      'Replication group redis202104 is not available after 60 minutes (limit 60 minutes); last status: creating.',
    );
    const lastPoll = polls.at(-1);
    expect(lastPoll?.ElapsedSeconds).toBeLessThan(3600);
    const scheduled =
      180 + clock.sleeps.reduce((sum, ms) => sum + ms / 1000, 0) + sum(polls.map((p) => p.NextWaitSeconds));
    expect(scheduled).toBe(3600);
    // Checks at 180, 190, ... 3600: one every 10 scheduled seconds.
    expect(elastiCacheMock).toHaveReceivedCommandTimes(
      DescribeReplicationGroupsCommand,
      (3600 - 180) / 10 + 1,
    );
  });

  it('counts the time limit from the execution start, so the user waits and slow calls before it count too', async () => {
    // Prepare: the run started 55 minutes before this first check (the recording clock reads 0 now).
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledCreating());
    const state = {
      ...stateAfterCreate(),
      execution: { Name: 'run', StartTime: new Date(-55 * 60_000).toISOString() },
    };

    // Act
    const { error } = await runLoop(deps, state);

    // Assess: five minutes of checks every 10 s, not the 57 minutes the schedule alone would allow.
    expect(error).toBeInstanceOf(ProvisioningTimedOut);
    expect((error as Error).message).toBe(
      'Replication group redis202104 is not available after 60 minutes (limit 60 minutes); last status: creating.',
    );
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 300 / 10 + 1);
  });

  it('times out at the first check when the execution started longer ago than the limit', async () => {
    // Prepare
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledCreating());
    const state = { ...stateAfterCreate(), execution: { StartTime: new Date(-61 * 60_000).toISOString() } };

    // Act
    const outcome = waitAvailable(deps, state);

    // Assess
    await expect(outcome).rejects.toThrow('is not available after 61 minutes (limit 60 minutes)');
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
  });

  it('keeps to the schedule when the document does not say when the execution started', () => {
    // Assess
    expect(secondsSinceStart({}, clock)).toBe(0);
    expect(secondsSinceStart({ execution: { StartTime: 'not a date' } }, clock)).toBe(0);
    expect(secondsSinceStart({ execution: { StartTime: new Date(-90_000).toISOString() } }, clock)).toBe(90);
  });

  it.each([
    {
      shortened: 'the last Wait',
      // Checks at 15, 19, 23 | 33, 37, 41 | 51, 55, 59 | 60.
      initialWait: 15,
      invocations: [
        [23, 10],
        [41, 10],
        [59, 1],
      ],
      sleeps: [4, 4, 4, 4, 4, 4],
      checks: 10,
    },
    {
      shortened: 'the last sleep',
      // Checks at 40, 44, 48 | 58, 60.
      initialWait: 40,
      invocations: [[48, 10]],
      sleeps: [4, 4, 2],
      checks: 5,
    },
  ])('shortens $shortened so the final check lands exactly on the limit', async (schedule) => {
    // Prepare
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledCreating());
    const state = stateAfterCreate({
      TimeoutMinutes: 1,
      InitialWaitSeconds: schedule.initialWait,
      WaitSeconds: 10,
      ChecksPerInvocation: 3,
      CheckIntervalSeconds: 4,
    });

    // Act
    const { polls, error } = await runLoop(deps, state);

    // Assess
    expect(error).toBeInstanceOf(ProvisioningTimedOut);
    expect((error as Error).message).toContain('after 1 minutes (limit 1 minutes)');
    expect(polls.map((p) => [p.ElapsedSeconds, p.NextWaitSeconds])).toEqual(schedule.invocations);
    expect(clock.sleeps).toEqual(schedule.sleeps.map((seconds) => seconds * 1000));
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, schedule.checks);
  });

  it('fails with ReplicationGroupCreateFailed as soon as ElastiCache reports create-failed, with what it says', async () => {
    // Prepare
    const state = fixture<ProvisionState>('state-cluster-mode-enabled-tls-rbac');
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolvesOnce(fixture('describe-cluster-mode-enabled-tls-rbac-creating'))
      .resolves(withStatus(fixture('describe-cluster-mode-enabled-tls-rbac-creating'), 'create-failed'));
    elastiCacheMock.on(DescribeEventsCommand).resolves(fixture('describe-events-create-failed'));

    // Act
    const error = await waitAvailable(deps, state).catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(ReplicationGroupCreateFailed);
    expect((error as Error).name).toBe('ReplicationGroupCreateFailed');
    expect((error as Error).message).toContain('redis2021');
    expect((error as Error).message).toContain('insufficient cache.m6g.large capacity in us-east-1a');
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 2);
    expect(clock.sleeps).toEqual([10_000]);
  });

  it('still fails with ReplicationGroupCreateFailed when the events cannot be read', async () => {
    // Prepare
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(withStatus(disabledCreating(), 'create-failed'));
    elastiCacheMock.on(DescribeEventsCommand).rejects(
      new ElastiCacheServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'not authorized',
        $metadata: {},
      }),
    );

    // Act
    const outcome = waitAvailable(deps, stateAfterCreate());

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ReplicationGroupCreateFailed);
    await expect(outcome).rejects.toThrow(
      'Replication group redis202104 is create-failed. Delete it before running the workflow again.',
    );
  });

  it('refuses to wait for a group that is being deleted', async () => {
    // Prepare
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(withStatus(disabledAvailable(), 'deleting'));

    // Act
    const outcome = waitAvailable(deps, stateAfterCreate());

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ConflictError);
    await expect(outcome).rejects.toThrow('Replication group redis202104 is being deleted');
    expect(clock.sleeps).toEqual([]);
  });

  it('keeps checking an available group until it reports its endpoints', async () => {
    // Prepare
    const withoutEndpoints = disabledAvailable();
    const nodeGroup = withoutEndpoints.ReplicationGroups?.[0]?.NodeGroups?.[0];
    if (nodeGroup) nodeGroup.PrimaryEndpoint = undefined;
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolvesOnce(withoutEndpoints)
      .resolves(disabledAvailable());

    // Act
    const poll = await waitAvailable(deps, stateAfterCreate());

    // Assess
    expect(poll).toMatchObject({ Available: true, ElapsedSeconds: 190 });
    expect(poll.Result?.Endpoints).toHaveProperty('Primary');
  });

  it('makes no more checks than fit in one invocation sleep budget', async () => {
    // Prepare: 60 checks 300 s apart would sleep almost five hours in one invocation.
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledCreating());

    // Act
    const poll = await waitAvailable(
      deps,
      stateAfterCreate({ ChecksPerInvocation: 60, CheckIntervalSeconds: 300 }),
    );

    // Assess
    expect(clock.sleeps).toEqual([300_000, 300_000]);
    expect(poll).toMatchObject({ ElapsedSeconds: 780, Available: false });
  });

  it('logs each check with the id, status and attempt', async () => {
    // Prepare
    const state = stateAfterCreate({ ChecksPerInvocation: 2 });
    state.poll = {
      Status: 'creating',
      Attempt: 4,
      ElapsedSeconds: 500,
      NextWaitSeconds: 10,
      Available: false,
    };
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(disabledCreating());

    // Act
    await waitAvailable(deps, state);

    // Assess
    expect(logger.info).toHaveBeenCalledTimes(2);
    expect(logger.info).toHaveBeenNthCalledWith(1, 'Replication group status checked', {
      ReplicationGroupId: 'redis202104',
      Status: 'creating',
      Attempt: 5,
      Check: 1,
      ElapsedSeconds: 510,
    });
    expect(logger.info).toHaveBeenNthCalledWith(2, 'Replication group status checked', {
      ReplicationGroupId: 'redis202104',
      Status: 'creating',
      Attempt: 5,
      Check: 2,
      ElapsedSeconds: 520,
    });
  });

  it('lets throttling propagate with its SDK name', async () => {
    // Prepare
    elastiCacheMock.on(DescribeReplicationGroupsCommand).rejects(
      new ElastiCacheServiceException({
        name: 'Throttling',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const outcome = waitAvailable(deps, stateAfterCreate());

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'Throttling' });
  });
});

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
