/**
 * Failures that need AWS errors in an exact order (a throttle twice, then success; one refusal of a
 * create; a quota error), which the stand-in does not produce on demand, and throttling that never
 * ends, which on the stand-in waits out the SDK's own backoff (half a minute; its stand-in version for
 * server errors is in tests/reliability/faults.test.ts): AWS is faked at the SDK here. Every other
 * failure runs on the stand-in (failures.test.ts).
 */
import {
  CreateReplicationGroupCommand,
  InvalidUserGroupStateFault,
  UserQuotaExceededFault,
} from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import { throttling } from './support/fakeAws';
import { retriesOf } from './support/inputs';
import { aws, execute, request, statesEntered } from './support/workflow';

const METADATA = { httpStatusCode: 400, requestId: 'fake-request' };

describe('how the provisioning state machine meets AWS errors in an exact order', () => {
  beforeEach(() => aws.reset());

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
});
