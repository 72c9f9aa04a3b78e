import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import { validateTeardownRequest } from '../../shared/teardown/request';

function problemsOf(input: unknown): { field: string; message: string }[] {
  try {
    validateTeardownRequest(input);
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('validateTeardownRequest', () => {
  it('normalises a minimal request with the defaults, lower-casing the id and saying so', () => {
    // Act
    const request = validateTeardownRequest({ ReplicationGroupId: 'Orders-Cache' });

    // Assess
    expect(request).toEqual({
      ReplicationGroupId: 'orders-cache',
      KeepReplicationGroup: false,
      IfNotManaged: 'fail',
      Polling: { TimeoutMinutes: 120, WaitSeconds: 30 },
      Notes: ['ReplicationGroupId lower-cased to orders-cache'],
    });
  });

  it('keeps every optional field it is given', () => {
    // Act
    const request = validateTeardownRequest({
      ReplicationGroupId: 'orders-cache',
      FinalSnapshotIdentifier: 'orders-final',
      IfNotManaged: 'keep',
      Rbac: { UserGroupId: 'Orders', UserIds: ['orders-app', 'ORDERS-APP', 'orders-default'] },
      Polling: { TimeoutMinutes: 30, WaitSeconds: 10 },
      CorrelationId: 'ticket-42',
    });

    // Assess
    expect(request).toMatchObject({
      FinalSnapshotIdentifier: 'orders-final',
      IfNotManaged: 'keep',
      Rbac: { UserGroupId: 'orders', UserIds: ['orders-app', 'orders-default'] },
      Polling: { TimeoutMinutes: 30, WaitSeconds: 10 },
      CorrelationId: 'ticket-42',
    });
  });

  it('reports every problem with its field, unknown fields included', () => {
    // Act
    const problems = problemsOf({
      ReplicationGroupId: 'orders--cache',
      FinalSnapshotIdentifier: 'final-',
      IfNotManaged: 'ignore',
      Rbac: { UserGroupId: '1orders', UserIds: 'orders-app' },
      Polling: { TimeoutMinutes: 0, WaitSecond: 10 },
      ReplicationGroupIds: ['typo'],
    });

    // Assess
    expect(problems.map((problem) => problem.field).sort()).toEqual([
      'FinalSnapshotIdentifier',
      'IfNotManaged',
      'Polling.TimeoutMinutes',
      'Polling.WaitSecond',
      'Rbac.UserGroupId',
      'Rbac.UserIds',
      'ReplicationGroupId',
      'ReplicationGroupIds',
    ]);
  });

  it('requires the replication group id', () => {
    expect(problemsOf({})).toEqual([{ field: 'ReplicationGroupId', message: 'is required' }]);
  });

  it('refuses a final snapshot for a replication group it is asked to keep', () => {
    expect(
      problemsOf({
        ReplicationGroupId: 'orders-cache',
        KeepReplicationGroup: true,
        FinalSnapshotIdentifier: 'x-final',
      }),
    ).toEqual([
      { field: 'FinalSnapshotIdentifier', message: expect.stringContaining('KeepReplicationGroup') },
    ]);
  });

  it('reads the detail of an EventBridge event, with the event id as CorrelationId', () => {
    // Act
    const request = validateTeardownRequest({
      version: '0',
      id: 'event-1',
      'detail-type': 'ElastiCache Teardown Requested',
      source: 'platform.caches',
      detail: { ReplicationGroupId: 'orders-cache' },
    });

    // Assess
    expect(request).toMatchObject({ ReplicationGroupId: 'orders-cache', CorrelationId: 'event-1' });
  });

  it('reads the input the custom-resource bridge builds, with the request id as CorrelationId', () => {
    // Act
    const request = validateTeardownRequest({
      ReplicationGroupId: 'orders-cache',
      IfNotManaged: 'keep',
      CustomResource: {
        RequestType: 'Delete',
        ResponseURL: 'https://example.invalid/response',
        StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1',
        RequestId: 'request-9',
        LogicalResourceId: 'ReplicationGroup',
        PhysicalResourceId: 'orders-cache',
      },
    });

    // Assess
    expect(request).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      IfNotManaged: 'keep',
      CorrelationId: 'request-9',
    });
    expect(JSON.stringify(request)).not.toContain('ResponseURL');
  });
});
