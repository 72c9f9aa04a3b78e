import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  type CreateUserCommandInput,
  CreateUserGroupCommand,
  type CreateUserGroupCommandInput,
  DefaultUserRequired,
  DeleteUserGroupCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  DuplicateUserNameFault,
  InvalidParameterValueException,
  InvalidUserGroupStateFault,
  ModifyUserGroupCommand,
  UserGroupAlreadyExistsFault,
  UserGroupNotFoundFault,
  UserNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  completePending,
  expectTwoPages,
  fixture,
  rejectionOf,
  serviceError,
  standInForTests,
} from './helpers';

const inputs = fixture<Record<string, CreateUserCommandInput & CreateUserGroupCommandInput>>('users.json');
const user = (name: string) => structuredClone(inputs[name]) as CreateUserCommandInput;
const group = (name: string) => structuredClone(inputs[name]) as CreateUserGroupCommandInput;

const env = standInForTests();

beforeEach(async () => {
  for (const name of ['app', 'groupDefault', 'reporting', 'valkeyApp']) {
    await env.elastiCache.send(new CreateUserCommand(user(name)));
  }
  await completePending(env);
});

async function describeGroup(userGroupId: string) {
  const { UserGroups } = await env.elastiCache.send(
    new DescribeUserGroupsCommand({ UserGroupId: userGroupId }),
  );
  return UserGroups?.[0];
}

describe('CreateUserGroup', () => {
  it('creates a user group that is creating, then active, and lists it on its users', async () => {
    // Act
    const created = await env.elastiCache.send(new CreateUserGroupCommand(group('group')));
    await completePending(env);
    const active = await describeGroup('orders');
    const { Users } = await env.elastiCache.send(new DescribeUsersCommand({ UserId: 'orders-app' }));

    // Assess
    expect(created).toMatchObject({ UserGroupId: 'orders', Status: 'creating' });
    expect(active).toMatchObject({
      UserGroupId: 'orders',
      Status: 'active',
      Engine: 'redis',
      UserIds: ['orders-app', 'orders-default'],
      MinimumEngineVersion: '6.0',
      ReplicationGroups: [],
      ARN: 'arn:aws:elasticache:us-east-1:000000000000:usergroup:orders',
    });
    expect(Users?.[0]?.UserGroupIds).toEqual(['orders']);
  });

  it('rejects a redis user group without a default user', async () => {
    // Act
    const error = await rejectionOf(
      env.elastiCache.send(new CreateUserGroupCommand({ ...group('group'), UserIds: ['orders-app'] })),
    );

    // Assess
    expect(error).toBeInstanceOf(DefaultUserRequired);
    expect(error.name).toBe('DefaultUserRequired');
  });

  it('rejects two users with the same user name', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserCommand({ ...user('app'), UserId: 'other-app' }));

    // Act
    const creating = env.elastiCache.send(
      new CreateUserGroupCommand({
        ...group('group'),
        UserIds: ['orders-app', 'other-app', 'orders-default'],
      }),
    );

    // Assess
    await expect(creating).rejects.toBeInstanceOf(DuplicateUserNameFault);
  });

  it('accepts a valkey user group without a default user', async () => {
    // Act
    const created = await env.elastiCache.send(new CreateUserGroupCommand(group('valkeyGroup')));

    // Assess
    expect(created).toMatchObject({ UserGroupId: 'cart', Engine: 'valkey', MinimumEngineVersion: '7.2' });
  });

  it('refuses password-less users in a valkey user group', async () => {
    // Act
    const creating = env.elastiCache.send(
      new CreateUserGroupCommand({ ...group('valkeyGroup'), UserIds: ['cart-app', 'orders-default'] }),
    );

    // Assess
    await expect(creating).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('refuses a valkey user group without users', async () => {
    // Act
    const creating = env.elastiCache.send(
      new CreateUserGroupCommand({ ...group('valkeyGroup'), UserIds: [] }),
    );

    // Assess
    await expect(creating).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('rejects unknown users with UserNotFoundFault', async () => {
    // Act
    const creating = env.elastiCache.send(
      new CreateUserGroupCommand({ ...group('group'), UserIds: ['orders-default', 'nobody'] }),
    );

    // Assess
    await expect(creating).rejects.toBeInstanceOf(UserNotFoundFault);
  });

  it('rejects an existing user group id', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserGroupCommand(group('group')));

    // Act
    const creating = env.elastiCache.send(new CreateUserGroupCommand(group('group')));

    // Assess
    await expect(creating).rejects.toBeInstanceOf(UserGroupAlreadyExistsFault);
  });
});

describe('DescribeUserGroups', () => {
  it('answers UserGroupNotFoundFault (HTTP 404) for an unknown group', async () => {
    // Act
    const describing = env.elastiCache.send(new DescribeUserGroupsCommand({ UserGroupId: 'nothing' }));

    // Assess
    await serviceError(describing, UserGroupNotFoundFault, 404);
  });

  it('pages through user groups with Marker and MaxRecords', async () => {
    // Prepare
    for (let i = 0; i < 21; i++) {
      await env.elastiCache.send(
        new CreateUserGroupCommand({ ...group('group'), UserGroupId: `group-${i}` }),
      );
    }

    // Act, Assess
    await expectTwoPages(
      (paging) => env.elastiCache.send(new DescribeUserGroupsCommand(paging)),
      (page) => page.UserGroups?.map((g) => g.UserGroupId),
      'group-20',
    );
  });
});

describe('ModifyUserGroup', () => {
  beforeEach(async () => {
    await env.elastiCache.send(new CreateUserGroupCommand(group('group')));
    await completePending(env);
  });

  it('is modifying with pending changes, then active with the new members', async () => {
    // Act
    const modified = await env.elastiCache.send(
      new ModifyUserGroupCommand({ UserGroupId: 'orders', UserIdsToAdd: ['orders-reporting'] }),
    );
    await completePending(env);
    const active = await describeGroup('orders');

    // Assess
    expect(modified).toMatchObject({
      Status: 'modifying',
      UserIds: ['orders-app', 'orders-default'],
      PendingChanges: { UserIdsToAdd: ['orders-reporting'], UserIdsToRemove: [] },
    });
    expect(active?.Status).toBe('active');
    expect(active?.UserIds).toEqual(['orders-app', 'orders-default', 'orders-reporting']);
    expect(active?.PendingChanges).toBeUndefined();
  });

  it('refuses a modification while the group is modifying', async () => {
    // Prepare
    await env.elastiCache.send(
      new ModifyUserGroupCommand({ UserGroupId: 'orders', UserIdsToRemove: ['orders-app'] }),
    );

    // Act
    const error = await rejectionOf(
      env.elastiCache.send(
        new ModifyUserGroupCommand({ UserGroupId: 'orders', UserIdsToAdd: ['orders-reporting'] }),
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidUserGroupStateFault);
    expect(error.name).toBe('InvalidUserGroupStateFault');
  });

  it('refuses to remove the only default user', async () => {
    // Act
    const modifying = env.elastiCache.send(
      new ModifyUserGroupCommand({ UserGroupId: 'orders', UserIdsToRemove: ['orders-default'] }),
    );

    // Assess
    await expect(modifying).rejects.toBeInstanceOf(DefaultUserRequired);
  });

  it('stays modifying as long as the fault plan says', async () => {
    // Prepare
    env.standIn.setFaults({ userGroupModifyingSeconds: 60 });

    // Act
    await env.elastiCache.send(
      new ModifyUserGroupCommand({ UserGroupId: 'orders', UserIdsToAdd: ['orders-reporting'] }),
    );
    await completePending(env, 59_000);
    const stillModifying = await describeGroup('orders');
    await completePending(env, 1_000);
    const active = await describeGroup('orders');

    // Assess
    expect(stillModifying?.Status).toBe('modifying');
    expect(active?.Status).toBe('active');
    expect(env.standIn.faultsInjected.userGroupModifying).toBe(1);
  });
});

describe('DeleteUserGroup', () => {
  it('deletes a user group: deleting, then gone', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserGroupCommand(group('group')));
    await completePending(env);

    // Act
    const deleted = await env.elastiCache.send(new DeleteUserGroupCommand({ UserGroupId: 'orders' }));
    await completePending(env);
    const describing = env.elastiCache.send(new DescribeUserGroupsCommand({ UserGroupId: 'orders' }));

    // Assess
    expect(deleted.Status).toBe('deleting');
    await expect(describing).rejects.toBeInstanceOf(UserGroupNotFoundFault);
  });

  it('refuses to delete a user group a replication group uses', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserGroupCommand(group('group')));
    await completePending(env);
    await env.elastiCache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'orders-cache',
        ReplicationGroupDescription: 'Orders',
        TransitEncryptionEnabled: true,
        UserGroupIds: ['orders'],
      }),
    );

    // Act
    const deleting = env.elastiCache.send(new DeleteUserGroupCommand({ UserGroupId: 'orders' }));

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(InvalidUserGroupStateFault);
  });
});
