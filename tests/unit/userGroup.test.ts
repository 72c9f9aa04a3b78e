import {
  CreateUserGroupCommand,
  DescribeUserGroupsCommand,
  InvalidUserGroupStateFault,
  ModifyUserGroupCommand,
  type UserGroup,
  UserGroupAlreadyExistsFault,
} from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ResourceNotReady } from '../../shared/errors';
import type { Log } from '../../shared/logger';
import { STATUS_WAIT_LIMIT_MS } from '../../shared/provision/polling';
import type { ProvisionState } from '../../shared/provision/state';
import { ensureUserGroup } from '../../shared/provision/userGroup';
import { loadState } from '../fixtures/states/load';
import { mockAws, notFound, throttling } from '../support/aws';
import { rejection } from '../support/rejection';

const { ec, elastiCache } = mockAws();
const silent: Log = { info: () => {}, warn: () => {}, debug: () => {} };
/** The clock the tests run at (epoch ms). */
const NOW = Date.UTC(2026, 0, 1);
const deps = { elastiCache, logger: silent, clock: { now: () => NOW } };

const ALL_USERS = ['orders-app', 'orders-iam', 'orders-default'];

/** The `rbac-redis` state after an earlier check of the loop (one, at NOW, that found the group creating). */
function afterCheck(previous: Partial<NonNullable<ProvisionState['userGroup']>>): ProvisionState {
  const state = loadState('rbac-redis');
  state.userGroup = {
    UserGroupId: 'orders',
    Status: 'creating',
    Active: false,
    Created: false,
    AddedUsers: [],
    Checks: 1,
    FirstCheckedAt: NOW,
    ...previous,
  };
  return state;
}

function group(overrides: Partial<UserGroup> = {}): { UserGroups: UserGroup[] } {
  return {
    UserGroups: [
      { UserGroupId: 'orders', Status: 'active', Engine: 'redis', UserIds: ALL_USERS, ...overrides },
    ],
  };
}

beforeEach(() => {
  ec.reset();
});

describe('ensureUserGroup', () => {
  it('creates a missing user group with every requested user, the engine and the managed tags', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).rejects(notFound.userGroup());
    ec.on(CreateUserGroupCommand).resolves({ UserGroupId: 'orders', Status: 'creating' });

    // Act
    const result = await ensureUserGroup(deps, loadState('rbac-redis'));

    // Assess
    expect(ec).toHaveReceivedCommandExactlyOnceWith(CreateUserGroupCommand, {
      UserGroupId: 'orders',
      Engine: 'redis',
      UserIds: ALL_USERS,
      Tags: [
        { Key: 'managed-by', Value: 'elasticache-provisioner' },
        { Key: 'elasticache-provisioner:replication-group', Value: 'orders-cache' },
        { Key: 'team', Value: 'orders' },
      ],
    });
    expect(result).toEqual({
      UserGroupId: 'orders',
      Status: 'creating',
      Active: false,
      Created: true,
      AddedUsers: [],
      Checks: 1,
      FirstCheckedAt: NOW,
    });
  });

  it('reports a group created by another execution meanwhile as ResourceNotReady, so the retried step adopts it', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).rejects(notFound.userGroup());
    ec.on(CreateUserGroupCommand).rejects(
      new UserGroupAlreadyExistsFault({ message: 'User group orders already exists', $metadata: {} }),
    );

    // Act
    const error = await rejection(ensureUserGroup(deps, loadState('rbac-redis')));

    // Assess
    expect(error).toBeInstanceOf(ResourceNotReady);
    expect(error.message).toContain('orders');
    expect(ec).not.toHaveReceivedCommand(ModifyUserGroupCommand);
  });

  it('creates a valkey user group for a valkey request', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).rejects(notFound.userGroup());
    ec.on(CreateUserGroupCommand).resolves({ UserGroupId: 'sessions', Status: 'creating' });

    // Act
    await ensureUserGroup(deps, loadState('rbac-valkey'));

    // Assess
    expect(ec).toHaveReceivedCommandWith(CreateUserGroupCommand, {
      UserGroupId: 'sessions',
      Engine: 'valkey',
      UserIds: ['sessions-app'],
    });
  });

  it('keeps an active group that already holds every user and reports it active', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand, { UserGroupId: 'orders' }).resolves(group());

    // Act
    const result = await ensureUserGroup(deps, loadState('rbac-redis'));

    // Assess
    expect(ec).not.toHaveReceivedCommand(CreateUserGroupCommand);
    expect(ec).not.toHaveReceivedCommand(ModifyUserGroupCommand);
    expect(result).toEqual({
      UserGroupId: 'orders',
      Status: 'active',
      Active: true,
      Created: false,
      AddedUsers: [],
      Checks: 1,
      FirstCheckedAt: NOW,
    });
  });

  it('adds only the missing users to an active group', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group({ UserIds: ['orders-default'] }));
    ec.on(ModifyUserGroupCommand).resolves({ UserGroupId: 'orders', Status: 'modifying' });

    // Act
    const result = await ensureUserGroup(deps, loadState('rbac-redis'));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(ModifyUserGroupCommand, 1);
    expect(ec.commandCalls(ModifyUserGroupCommand)[0]?.args[0].input).toEqual({
      UserGroupId: 'orders',
      UserIdsToAdd: ['orders-app', 'orders-iam'],
    });
    expect(result).toMatchObject({
      Status: 'modifying',
      Active: false,
      AddedUsers: ['orders-app', 'orders-iam'],
    });
  });

  it('never removes users the group holds beyond the requested ones', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(
      group({ UserIds: ['legacy-user', 'orders-default', 'orders-app'] }),
    );
    ec.on(ModifyUserGroupCommand).resolves({ UserGroupId: 'orders', Status: 'modifying' });

    // Act
    await ensureUserGroup(deps, loadState('rbac-redis'));

    // Assess
    const input = ec.commandCalls(ModifyUserGroupCommand)[0]?.args[0].input;
    expect(input).toEqual({ UserGroupId: 'orders', UserIdsToAdd: ['orders-iam'] });
    expect(input).not.toHaveProperty('UserIdsToRemove');
  });

  it('leaves a group holding extra users alone when no requested user is missing', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group({ UserIds: [...ALL_USERS, 'legacy-user'] }));

    // Act
    const result = await ensureUserGroup(deps, loadState('rbac-redis'));

    // Assess
    expect(ec).not.toHaveReceivedCommand(ModifyUserGroupCommand);
    expect(result.Active).toBe(true);
  });

  it('waits for a group that is modifying instead of adding the missing users', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group({ Status: 'modifying', UserIds: ['orders-default'] }));

    // Act
    const result = await ensureUserGroup(deps, loadState('rbac-redis'));

    // Assess
    expect(ec).not.toHaveReceivedCommand(ModifyUserGroupCommand);
    expect(result).toMatchObject({ Status: 'modifying', Active: false, AddedUsers: [] });
  });

  it('refuses a group that exists for another engine and changes nothing', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group({ Engine: 'valkey', UserIds: [] }));

    // Act
    const error = await rejection(ensureUserGroup(deps, loadState('rbac-redis')));

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain('orders');
    expect(error.message).toContain('valkey');
    expect(ec).not.toHaveReceivedCommand(ModifyUserGroupCommand);
    expect(ec).not.toHaveReceivedCommand(CreateUserGroupCommand);
  });

  it('reports a group being deleted as ResourceNotReady', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group({ Status: 'deleting' }));

    // Act
    const error = await rejection(ensureUserGroup(deps, loadState('rbac-redis')));

    // Assess
    expect(error).toBeInstanceOf(ResourceNotReady);
  });

  it('lets InvalidUserGroupStateFault from ModifyUserGroup propagate with its SDK name', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group({ UserIds: ['orders-default'] }));
    ec.on(ModifyUserGroupCommand).rejects(
      new InvalidUserGroupStateFault({ message: 'User group is not in active state', $metadata: {} }),
    );

    // Act
    const error = await rejection(ensureUserGroup(deps, loadState('rbac-redis')));

    // Assess
    expect(error.name).toBe('InvalidUserGroupStateFault');
  });

  it('lets throttling propagate with its SDK name', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).rejects(throttling());

    // Act
    const error = await rejection(ensureUserGroup(deps, loadState('rbac-redis')));

    // Assess
    expect(error.name).toBe('Throttling');
  });

  it('gives up with ProvisioningTimedOut when the group is still not active after the time limit', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group({ Status: 'modifying' }));
    const state = afterCheck({
      Status: 'modifying',
      Checks: 180,
      FirstCheckedAt: NOW - STATUS_WAIT_LIMIT_MS,
    });

    // Act
    const error = await rejection(ensureUserGroup(deps, state));

    // Assess
    expect(error.name).toBe('ProvisioningTimedOut');
    expect(error.message).toContain('orders still modifying');
  });

  it('keeps Created and AddedUsers from the previous check of the loop', async () => {
    // Prepare
    ec.on(DescribeUserGroupsCommand).resolves(group({ UserIds: ['orders-default', 'orders-app'] }));
    ec.on(ModifyUserGroupCommand).resolves({ UserGroupId: 'orders', Status: 'modifying' });
    const state = afterCheck({ Created: true, AddedUsers: ['orders-app'] });

    // Act
    const result = await ensureUserGroup(deps, state);

    // Assess
    expect(result).toEqual({
      UserGroupId: 'orders',
      Status: 'modifying',
      Active: false,
      Created: true,
      AddedUsers: ['orders-app', 'orders-iam'],
      Checks: 2,
      FirstCheckedAt: NOW,
    });
  });

  it('answers active without any call when the request has no Rbac', async () => {
    // Act
    const result = await ensureUserGroup(deps, loadState('no-rbac'));

    // Assess
    expect(result.Active).toBe(true);
    expect(result.Created).toBe(false);
    expect(ec).not.toHaveReceivedAnyCommand();
  });
});
