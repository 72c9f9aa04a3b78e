import {
  CreateUserCommand,
  type CreateUserCommandInput,
  CreateUserGroupCommand,
  type CreateUserGroupCommandInput,
  DefaultUserAssociatedToUserGroupFault,
  DeleteUserCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidUserStateFault,
  ModifyUserCommand,
  paginateDescribeUsers,
  UserAlreadyExistsFault,
  UserNotFoundFault,
  UserQuotaExceededFault,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import {
  completePending,
  fixture,
  rejectionOf,
  serviceError,
  standInForTests,
  startTestStandIn,
} from './helpers';

const users = fixture<Record<string, CreateUserCommandInput>>('users.json');
const groups = fixture<Record<string, CreateUserGroupCommandInput>>('users.json');
const user = (name: string) => structuredClone(users[name] as CreateUserCommandInput);

const env = standInForTests();

async function describeUser(userId: string) {
  const { Users } = await env.elastiCache.send(new DescribeUsersCommand({ UserId: userId }));
  return Users?.[0];
}

describe('CreateUser', () => {
  it('creates a user that is creating, then active after the creation delay', async () => {
    // Act
    const created = await env.elastiCache.send(new CreateUserCommand(user('app')));
    const whileCreating = await describeUser('orders-app');
    await completePending(env);
    const afterDelay = await describeUser('orders-app');

    // Assess
    expect(created).toMatchObject({ UserId: 'orders-app', Status: 'creating', UserName: 'app' });
    expect(whileCreating?.Status).toBe('creating');
    expect(afterDelay).toMatchObject({
      UserId: 'orders-app',
      Status: 'active',
      Engine: 'redis',
      AccessString: 'on ~app:* -@all +@read +@write',
      Authentication: { Type: 'password', PasswordCount: 2 },
      MinimumEngineVersion: '6.0',
      ARN: 'arn:aws:elasticache:us-east-1:000000000000:user:orders-app',
    });
  });

  it('reports password-less users as no-password and IAM users as iam with engine 7.0 at least', async () => {
    // Act
    await env.elastiCache.send(new CreateUserCommand(user('groupDefault')));
    await env.elastiCache.send(new CreateUserCommand(user('iam')));

    // Assess
    expect((await describeUser('orders-default'))?.Authentication).toEqual({ Type: 'no-password' });
    expect(await describeUser('orders-iam')).toMatchObject({
      Authentication: { Type: 'iam' },
      MinimumEngineVersion: '7.0',
    });
  });

  it('derives the minimum engine version from channel and selector-free 7.0 rules', async () => {
    // Act
    await env.elastiCache.send(
      new CreateUserCommand({ ...user('reporting'), UserId: 'chan', AccessString: 'on ~* &events:* +@read' }),
    );
    await env.elastiCache.send(
      new CreateUserCommand({
        ...user('reporting'),
        UserId: 'sub',
        AccessString: 'on %R~cache:* +client|setname',
      }),
    );

    // Assess
    expect((await describeUser('chan'))?.MinimumEngineVersion).toBe('6.2');
    expect((await describeUser('sub'))?.MinimumEngineVersion).toBe('7.0');
  });

  it('rejects an existing user id with UserAlreadyExistsFault', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserCommand(user('app')));

    // Act
    const creating = env.elastiCache.send(new CreateUserCommand(user('app')));

    // Assess
    await serviceError(creating, UserAlreadyExistsFault, 400);
  });

  it.each([
    ['shorter than 16 characters', 'too-short-1234'],
    ['holding an @', 'password@example.com-123'],
    ['holding a comma', 'password,0123456789abc'],
    ['holding a slash', 'password/0123456789abc'],
    ['longer than 128 characters', 'p'.repeat(129)],
  ])('rejects a password %s with InvalidParameterValueException', async (_case, password) => {
    // Act
    const error = await rejectionOf(
      env.elastiCache.send(new CreateUserCommand({ ...user('app'), Passwords: [password] })),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.message).not.toContain(password);
  });

  it.each([
    ['a password rule', 'on >secret-password-123 ~* +@all'],
    ['nopass', 'on nopass ~* +@all'],
    ['reset', 'reset on ~* +@all'],
    ['an unknown category', 'on ~* +@nosuchcategory'],
    ['a selector', 'on ~* +@all (~other:* +get)'],
    ['an unknown word', 'on everything'],
    ['nothing', '   '],
  ])('rejects an access string with %s', async (_case, accessString) => {
    // Act
    const error = await rejectionOf(
      env.elastiCache.send(new CreateUserCommand({ ...user('app'), AccessString: accessString })),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.message).not.toContain('secret-password-123');
  });

  it('rejects passwords together with NoPasswordRequired', async () => {
    // Act
    const creating = env.elastiCache.send(
      new CreateUserCommand({ ...user('app'), NoPasswordRequired: true }),
    );

    // Assess
    await expect(creating).rejects.toBeInstanceOf(InvalidParameterCombinationException);
  });

  it('rejects a user without any password setting', async () => {
    // Act
    const creating = env.elastiCache.send(new CreateUserCommand({ ...user('app'), Passwords: undefined }));

    // Assess
    await expect(creating).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('rejects an IAM user whose user name differs from its id', async () => {
    // Act
    const creating = env.elastiCache.send(new CreateUserCommand({ ...user('iam'), UserName: 'someone' }));

    // Assess
    await expect(creating).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('rejects users beyond the quota with UserQuotaExceededFault', async () => {
    // Prepare
    await env.standIn.close();
    Object.assign(env, await startTestStandIn({ quotas: { users: 1 } }));
    await env.elastiCache.send(new CreateUserCommand(user('app')));

    // Act
    const creating = env.elastiCache.send(new CreateUserCommand(user('reporting')));

    // Assess
    await expect(creating).rejects.toBeInstanceOf(UserQuotaExceededFault);
  });
});

describe('DescribeUsers', () => {
  it('lists the built-in default user of the account', async () => {
    // Act
    const found = await describeUser('default');

    // Assess
    expect(found).toMatchObject({ UserId: 'default', UserName: 'default', Status: 'active' });
  });

  it('answers UserNotFoundFault (HTTP 404) for an unknown user id', async () => {
    // Act
    const describing = env.elastiCache.send(new DescribeUsersCommand({ UserId: 'nobody' }));

    // Assess
    await serviceError(describing, UserNotFoundFault, 404);
  });

  it('pages through users with Marker and MaxRecords', async () => {
    // Prepare: 25 users plus the built-in default user
    for (let i = 0; i < 25; i++) {
      await env.elastiCache.send(new CreateUserCommand({ ...user('reporting'), UserId: `user-${i}` }));
    }

    // Act
    const first = await env.elastiCache.send(new DescribeUsersCommand({ MaxRecords: 20 }));
    const second = await env.elastiCache.send(
      new DescribeUsersCommand({ MaxRecords: 20, Marker: first.Marker }),
    );
    const all: string[] = [];
    for await (const page of paginateDescribeUsers({ client: env.elastiCache, pageSize: 20 }, {})) {
      all.push(...(page.Users ?? []).map((u) => u.UserId ?? ''));
    }

    // Assess
    expect(first.Users).toHaveLength(20);
    expect(first.Marker).toEqual(expect.any(String));
    expect(second.Users).toHaveLength(6);
    expect(second.Marker).toBeUndefined();
    expect(new Set(all).size).toBe(26);
  });

  it('refuses MaxRecords below 20', async () => {
    // Act
    const describing = env.elastiCache.send(new DescribeUsersCommand({ MaxRecords: 5 }));

    // Assess
    await expect(describing).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('filters on user-id and on engine', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserCommand(user('app')));
    await env.elastiCache.send(new CreateUserCommand(user('valkeyApp')));

    // Act
    const byFilter = await env.elastiCache.send(
      new DescribeUsersCommand({ Filters: [{ Name: 'user-id', Values: ['Orders-App', 'cart-app'] }] }),
    );
    const valkey = await env.elastiCache.send(new DescribeUsersCommand({ Engine: 'valkey' }));

    // Assess
    expect(byFilter.Users?.map((u) => u.UserId)).toEqual(['orders-app', 'cart-app']);
    expect(valkey.Users?.map((u) => u.UserId)).toEqual(['cart-app']);
  });
});

describe('ModifyUser', () => {
  it('changes the access string: modifying, then active; refuses a second change meanwhile', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserCommand(user('app')));
    await completePending(env);

    // Act
    const modified = await env.elastiCache.send(
      new ModifyUserCommand({ UserId: 'orders-app', AccessString: 'on ~app:* -@all +@read' }),
    );
    const again = env.elastiCache.send(
      new ModifyUserCommand({ UserId: 'orders-app', AppendAccessString: '+ping' }),
    );
    await expect(again).rejects.toBeInstanceOf(InvalidUserStateFault);
    await completePending(env);

    // Assess
    expect(modified).toMatchObject({ Status: 'modifying', AccessString: 'on ~app:* -@all +@read' });
    expect(await describeUser('orders-app')).toMatchObject({
      Status: 'active',
      AccessString: 'on ~app:* -@all +@read',
    });
  });

  it('appends to the access string and replaces the passwords', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserCommand(user('app')));
    await completePending(env);

    // Act
    const modified = await env.elastiCache.send(
      new ModifyUserCommand({
        UserId: 'orders-app',
        AppendAccessString: '+ping',
        Passwords: ['a-brand-new-password-01'],
      }),
    );

    // Assess
    expect(modified).toMatchObject({
      AccessString: 'on ~app:* -@all +@read +@write +ping',
      Authentication: { Type: 'password', PasswordCount: 1 },
    });
  });

  it('answers UserNotFoundFault for an unknown user', async () => {
    // Act
    const modifying = env.elastiCache.send(
      new ModifyUserCommand({ UserId: 'nobody', AccessString: 'on ~* +@all' }),
    );

    // Assess
    await serviceError(modifying, UserNotFoundFault, 404);
  });
});

describe('DeleteUser', () => {
  it('deletes a user: deleting, then gone, leaving its user groups at once', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserCommand(user('app')));
    await env.elastiCache.send(new CreateUserCommand(user('groupDefault')));
    await env.elastiCache.send(new CreateUserGroupCommand(groups.group as CreateUserGroupCommandInput));
    await completePending(env);

    // Act
    const deleted = await env.elastiCache.send(new DeleteUserCommand({ UserId: 'orders-app' }));
    const { UserGroups } = await env.elastiCache.send(
      new DescribeUserGroupsCommand({ UserGroupId: 'orders' }),
    );
    await completePending(env);
    const afterDelay = env.elastiCache.send(new DescribeUsersCommand({ UserId: 'orders-app' }));

    // Assess
    expect(deleted.Status).toBe('deleting');
    expect(UserGroups?.[0]?.UserIds).toEqual(['orders-default']);
    await expect(afterDelay).rejects.toBeInstanceOf(UserNotFoundFault);
  });

  it('refuses to delete the default user of a user group', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserCommand(user('app')));
    await env.elastiCache.send(new CreateUserCommand(user('groupDefault')));
    await env.elastiCache.send(new CreateUserGroupCommand(groups.group as CreateUserGroupCommandInput));
    await completePending(env);

    // Act
    const error = await rejectionOf(
      env.elastiCache.send(new DeleteUserCommand({ UserId: 'orders-default' })),
    );

    // Assess
    expect(error).toBeInstanceOf(DefaultUserAssociatedToUserGroupFault);
    expect(error.name).toBe('DefaultUserAssociatedToUserGroupFault');
  });

  it('refuses to delete a user that is still creating', async () => {
    // Prepare
    await env.elastiCache.send(new CreateUserCommand(user('app')));

    // Act
    const deleting = env.elastiCache.send(new DeleteUserCommand({ UserId: 'orders-app' }));

    // Assess
    await expect(deleting).rejects.toMatchObject({ name: 'InvalidUserStateFault' });
  });
});
