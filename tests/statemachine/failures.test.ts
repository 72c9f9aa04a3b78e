import { readdirSync } from 'node:fs';
import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DescribeReplicationGroupsCommand,
  InvalidUserGroupStateFault,
  UserQuotaExceededFault,
} from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import { CREATE_FAILED_EVENTS, throttling } from './support/fakeAws';
import { aws, execute, readJson, request, statesEntered } from './support/workflow';

const METADATA = { httpStatusCode: 400, requestId: 'fake-request' };
const invalidRequests = readdirSync(new URL('../../events/invalid/', import.meta.url)).filter((file) =>
  file.endsWith('.json'),
);

function retriesOf(execution: Awaited<ReturnType<typeof execute>>, state: string): string[] {
  return execution.events
    .filter((event) => event.type === 'StateRetried' && event.state === state)
    .map((event) => event.error ?? '');
}

describe('how the provisioning state machine fails', () => {
  beforeEach(() => aws.reset());

  it.each(invalidRequests)(
    'rejects events/invalid/%s with ValidationError before any AWS call',
    async (file) => {
      // Prepare
      const input = readJson(`events/invalid/${file}`);

      // Act
      const execution = await execute(input);

      // Assess
      expect(execution.status).toBe('FAILED');
      expect(execution.error?.Error).toBe('ValidationError');
      const { problems } = JSON.parse(execution.error?.Cause ?? '{}') as { problems: unknown[] };
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) {
        expect(problem).toEqual({ field: expect.any(String), message: expect.any(String) });
      }
      expect(statesEntered(execution).at(-1)).toBe('ValidationError');
      expect(aws.elastiCache.calls()).toHaveLength(0);
      expect(aws.secretsManager.calls()).toHaveLength(0);
    },
  );

  it('tells where a password belongs instead of echoing the one a request carries', async () => {
    // Act
    const execution = await execute(readJson('events/invalid/password-in-request.json'));

    // Assess
    expect(execution.error?.Error).toBe('ValidationError');
    expect(execution.error?.Cause).toContain('PasswordSecretId');
    expect(execution.error?.Cause).toContain('Secrets Manager');
    expect(execution.error?.Cause).not.toContain('REPLACE_ME');
  });

  it('fails with ConflictError when a user exists with another UserName, creating nothing', async () => {
    // Prepare
    aws.addActiveUser({
      UserId: 'mygroup-app',
      UserName: 'someone-else',
      AccessString: 'on ~* +@all',
      Engine: 'redis',
    });

    // Act
    const execution = await execute(request('cluster-mode-disabled-rbac.json'));

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.Error).toBe('ConflictError');
    expect(execution.error?.Cause).toContain('someone-else');
    expect(statesEntered(execution).at(-1)).toBe('ConflictError');
    expect(aws.elastiCache).not.toHaveReceivedCommand(CreateUserCommand);
    expect(aws.elastiCache).not.toHaveReceivedCommand(CreateUserGroupCommand);
    expect(aws.elastiCache).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
  });

  it('fails with ReplicationGroupCreateFailed, quoting ElastiCache, when the group ends create-failed', async () => {
    // Prepare
    aws.reset({ createFails: true });

    // Act
    const execution = await execute(request('cluster-mode-enabled.json'));

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.Error).toBe('ReplicationGroupCreateFailed');
    const failureEvent = CREATE_FAILED_EVENTS.Events.at(-1)?.Message ?? 'missing fixture';
    expect(execution.error?.Cause).toContain(failureEvent);
    expect(statesEntered(execution).at(-1)).toBe('ReplicationGroupCreateFailed');
  });

  it('fails with ProvisioningTimedOut once the configured time limit is reached', async () => {
    // Prepare: checks at 30 and 40 s (first invocation), then 50 and 60 s, the limit.
    aws.reset({ describesUntilAvailable: 'never' });
    const polling = {
      TimeoutMinutes: 1,
      InitialWaitSeconds: 30,
      WaitSeconds: 10,
      ChecksPerInvocation: 2,
      CheckIntervalSeconds: 10,
    };

    // Act
    const execution = await execute(request('cluster-mode-disabled.json', { Polling: polling }));

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.Error).toBe('ProvisioningTimedOut');
    expect(execution.error?.Cause).toMatch(
      /not available after 1 minutes \(limit 1 minutes\); last status: creating/,
    );
    expect(statesEntered(execution).filter((state) => state === 'CheckAvailable')).toHaveLength(2);
    // One describe looking for an existing group, one before creating, four by the checks.
    expect(aws.elastiCache).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 6);
    expect(statesEntered(execution).at(-1)).toBe('ProvisioningTimedOut');
  });

  it('retries ElastiCache throttling with backoff and then succeeds', async () => {
    // Prepare
    aws.failNext('DescribeReplicationGroups', throttling(), throttling());

    // Act
    const execution = await execute(request('cluster-mode-disabled.json'));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    // The first describe is the look for an existing group, right after validation.
    expect(retriesOf(execution, 'PlanChange')).toEqual(['Throttling', 'Throttling']);
    expect(aws.elastiCache).toHaveReceivedCommandTimes(CreateReplicationGroupCommand, 1);
  });

  it('gives up on throttling that persists after five retries, keeping the SDK error name', async () => {
    // Prepare
    aws.keepFailing('DescribeUsers', throttling);

    // Act
    const execution = await execute(request('cluster-mode-disabled-rbac.json'));

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toEqual({ Error: 'Throttling', Cause: 'Rate exceeded' });
    expect(retriesOf(execution, 'EnsureUsers')).toHaveLength(5);
    expect(statesEntered(execution).at(-1)).toBe('ProvisioningFailed');
  });

  it('retries a create refused because the user group is not active yet', async () => {
    // Prepare
    aws.failNext(
      'CreateReplicationGroup',
      new InvalidUserGroupStateFault({
        message: 'User group mygroup is not in active state.',
        $metadata: METADATA,
      }),
    );

    // Act
    const execution = await execute(request('cluster-mode-disabled-rbac.json'));

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(retriesOf(execution, 'CreateClusterModeDisabled')).toEqual(['InvalidUserGroupStateFault']);
  });

  it('fails with the SDK name and message of an AWS error that retrying cannot fix', async () => {
    // Prepare
    aws.failNext(
      'CreateUser',
      new UserQuotaExceededFault({ message: 'The quota of users has been exceeded.', $metadata: METADATA }),
    );

    // Act
    const execution = await execute(request('cluster-mode-disabled-rbac.json'));

    // Assess
    expect(execution.error).toEqual({
      Error: 'UserQuotaExceededFault',
      Cause: 'The quota of users has been exceeded.',
    });
    expect(retriesOf(execution, 'EnsureUsers')).toEqual([]);
    expect(statesEntered(execution).at(-1)).toBe('ProvisioningFailed');
  });
});
