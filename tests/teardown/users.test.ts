import {
  DeleteUserCommand,
  DescribeUsersCommand,
  ListTagsForResourceCommand,
  type User,
} from '@aws-sdk/client-elasticache';
import { DeleteSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { ResourceNotReady } from '../../shared/errors';
import { deleteUsersAndSecrets } from '../../shared/teardown/users';
import { notFound } from '../support/aws';
import { loadTeardownState } from './fixtures/load';
import { ARN, managedTags, rejection, teardownStubs } from './helpers';

const { ec, sm, deps } = teardownStubs();

const OURS = ['orders-app', 'orders-iam', 'orders-default'];
const secretName = (userId: string) => `elasticache-provisioner/orders/${userId}`;

function user(id: string, overrides: Partial<User> = {}) {
  return {
    Users: [
      { UserId: id, UserName: id, Status: 'active', ARN: ARN.user(id), UserGroupIds: [], ...overrides },
    ],
  };
}

function secret(name: string, tags = managedTags()) {
  return { ARN: ARN.secret(name), Name: name, Tags: tags };
}

const secretNotFound = () => notFound.secret('not found');

beforeEach(() => {
  for (const id of OURS) {
    ec.on(DescribeUsersCommand, { UserId: id }).resolves(user(id));
  }
  ec.on(DeleteUserCommand).resolves({ Status: 'deleting' });
  sm.on(DescribeSecretCommand).rejects(secretNotFound());
  sm.on(DescribeSecretCommand, { SecretId: secretName('orders-app') }).resolves(
    secret(secretName('orders-app')),
  );
  sm.on(DescribeSecretCommand, { SecretId: secretName('orders-default') }).resolves(
    secret(secretName('orders-default')),
  );
  sm.on(DeleteSecretCommand).resolves({});
});

describe('deleteUsersAndSecrets', () => {
  it('deletes the users of the deleted group tagged as ours, then their generated secrets at once', async () => {
    // Act
    const result = await deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted'));

    // Assess
    for (const id of OURS) expect(ec).toHaveReceivedCommandWith(DeleteUserCommand, { UserId: id });
    expect(sm).toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: ARN.secret(secretName('orders-app')),
      ForceDeleteWithoutRecovery: true,
    });
    expect(sm).toHaveReceivedCommandTimes(DeleteSecretCommand, 2);
    expect(result).toEqual({
      ReplicationGroupId: 'orders-cache',
      Deleted: {
        ReplicationGroup: true,
        UserGroups: ['orders'],
        Users: OURS,
        Secrets: [ARN.secret(secretName('orders-app')), ARN.secret(secretName('orders-default'))],
      },
      Kept: [],
      CorrelationId: 'req-1234',
    });
  });

  it("never looks at ElastiCache's own default user", async () => {
    // Act
    await deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted'));

    // Assess
    expect(ec).not.toHaveReceivedCommandWith(DescribeUsersCommand, { UserId: 'default' });
    expect(ec).not.toHaveReceivedCommandWith(DeleteUserCommand, { UserId: 'default' });
    expect(sm).not.toHaveReceivedCommandWith(DescribeSecretCommand, { SecretId: secretName('default') });
  });

  it("keeps a user without the provisioner's tags for this replication group, and its secret", async () => {
    // Prepare
    ec.on(ListTagsForResourceCommand, { ResourceName: ARN.user('orders-app') }).resolves({
      TagList: managedTags('other-cache'),
    });

    // Act
    const result = await deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted'));

    // Assess
    expect(ec).not.toHaveReceivedCommandWith(DeleteUserCommand, { UserId: 'orders-app' });
    expect(sm).not.toHaveReceivedCommandWith(DescribeSecretCommand, { SecretId: secretName('orders-app') });
    expect(result.Deleted.Users).toEqual(['orders-iam', 'orders-default']);
    expect(result.Kept).toEqual([
      { Type: 'User', Id: 'orders-app', Reason: expect.stringContaining('not tagged') },
    ]);
  });

  it('keeps a user that is still a member of another user group', async () => {
    // Prepare: the deleted group may still be listed for a moment; `payments` is another group.
    ec.on(DescribeUsersCommand, { UserId: 'orders-app' }).resolves(
      user('orders-app', { UserGroupIds: ['orders', 'payments'] }),
    );

    // Act
    const result = await deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted'));

    // Assess
    expect(ec).not.toHaveReceivedCommandWith(DeleteUserCommand, { UserId: 'orders-app' });
    expect(result.Kept).toEqual([
      { Type: 'User', Id: 'orders-app', Reason: 'still a member of user group(s) payments' },
    ]);
  });

  it('deletes the secret of a user that is already gone, and reports only what it deleted', async () => {
    // Prepare
    ec.on(DescribeUsersCommand, { UserId: 'orders-app' }).rejects(notFound.user());

    // Act
    const result = await deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted'));

    // Assess
    expect(result.Deleted.Users).toEqual(['orders-iam', 'orders-default']);
    expect(result.Deleted.Secrets).toContain(ARN.secret(secretName('orders-app')));
  });

  it('keeps a generated-looking secret that is not tagged as ours', async () => {
    // Prepare
    sm.on(DescribeSecretCommand, { SecretId: secretName('orders-app') }).resolves(
      secret(secretName('orders-app'), []),
    );

    // Act
    const result = await deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted'));

    // Assess
    expect(sm).not.toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: ARN.secret(secretName('orders-app')),
    });
    expect(result.Kept).toEqual([
      {
        Type: 'Secret',
        Id: ARN.secret(secretName('orders-app')),
        Reason: expect.stringContaining('not tagged'),
      },
    ]);
  });

  it('leaves a secret already scheduled for deletion alone', async () => {
    // Prepare
    sm.on(DescribeSecretCommand, { SecretId: secretName('orders-app') }).resolves({
      ...secret(secretName('orders-app')),
      DeletedDate: new Date('2030-01-01T00:00:00Z'),
    });

    // Act
    const result = await deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted'));

    // Assess
    expect(sm).not.toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: ARN.secret(secretName('orders-app')),
    });
    expect(result.Deleted.Secrets).toEqual([ARN.secret(secretName('orders-default'))]);
  });

  it('counts a user that vanishes between being described and its tags being read as gone', async () => {
    // Prepare
    ec.on(DescribeUsersCommand, { UserId: 'orders-iam' }).resolves(
      user('orders-iam', { Status: 'deleting' }),
    );
    ec.on(ListTagsForResourceCommand, { ResourceName: ARN.user('orders-iam') }).rejects(
      notFound.user('User orders-iam not found.'),
    );

    // Act
    const result = await deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted'));

    // Assess
    expect(ec).not.toHaveReceivedCommandWith(DeleteUserCommand, { UserId: 'orders-iam' });
    expect(result.Deleted.Users).not.toContain('orders-iam');
    expect(result.Kept).toEqual([]);
  });

  it('counts a user ElastiCache is already deleting as deleted, without asking again', async () => {
    // Prepare
    ec.on(DescribeUsersCommand, { UserId: 'orders-iam' }).resolves(
      user('orders-iam', { Status: 'deleting' }),
    );

    // Act
    const result = await deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted'));

    // Assess
    expect(ec).not.toHaveReceivedCommandWith(DeleteUserCommand, { UserId: 'orders-iam' });
    expect(result.Deleted.Users).toContain('orders-iam');
  });

  it('asks to be called again while a user is still being modified', async () => {
    // Prepare
    ec.on(DescribeUsersCommand, { UserId: 'orders-app' }).resolves(
      user('orders-app', { Status: 'modifying' }),
    );

    // Act
    const error = await rejection(deleteUsersAndSecrets(deps, loadTeardownState('user-groups-deleted')));

    // Assess
    expect(error).toBeInstanceOf(ResourceNotReady);
  });

  it('considers the users the request names, with secrets named after its user group', async () => {
    // Prepare: the provisioning failed before the group was created; only its users exist.
    const state = loadTeardownState('start');
    state.request.KeepReplicationGroup = true;
    state.request.Rbac = { UserGroupId: 'orders', UserIds: ['orders-app'] };
    state.userGroups = { Groups: [], Kept: [], Done: true, Attempt: 1, ElapsedSeconds: 0 };

    // Act
    const result = await deleteUsersAndSecrets(deps, state);

    // Assess
    expect(ec).toHaveReceivedCommandTimes(DeleteUserCommand, 1);
    expect(result.Deleted).toEqual({
      ReplicationGroup: false,
      UserGroups: [],
      Users: ['orders-app'],
      Secrets: [ARN.secret(secretName('orders-app'))],
    });
  });

  it('reports what earlier steps kept and the final snapshot taken', async () => {
    // Prepare
    const state = loadTeardownState('user-groups-deleted');
    state.request.FinalSnapshotIdentifier = 'orders-final';
    if (state.userGroups) {
      state.userGroups.Kept = [
        { Type: 'UserGroup', Id: 'shared', Reason: 'still attached to replication group(s) x' },
      ];
    }

    // Act
    const result = await deleteUsersAndSecrets(deps, state);

    // Assess
    expect(result.FinalSnapshotIdentifier).toBe('orders-final');
    expect(result.Kept).toEqual([
      { Type: 'UserGroup', Id: 'shared', Reason: 'still attached to replication group(s) x' },
    ]);
  });
});
