import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeUsersCommand,
  ModifyUserCommand,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { completePending, standInForTests, startTestStandIn } from './helpers';

const PASSWORD = 'never-shown-password-0001';
const NEW_PASSWORD = 'never-shown-password-0002';
const AUTH_TOKEN = 'never-shown-auth-token-0003';
const TOKEN_GROUP = {
  ReplicationGroupId: 'token-cache',
  ReplicationGroupDescription: 'With AUTH token',
  TransitEncryptionEnabled: true,
  AuthToken: AUTH_TOKEN,
};

const env = standInForTests();

/** A Query request as the SDK sends it, answered as raw text. */
async function rawQuery(parameters: Record<string, string>): Promise<string> {
  const response = await fetch(env.standIn.elastiCacheUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Version: '2015-02-02', ...parameters }),
  });
  return response.text();
}

function everythingRecorded(): string {
  const { users, userGroups, replicationGroups, secrets } = env.standIn.state;
  return JSON.stringify({
    calls: env.standIn.calls,
    users: [...users.values()],
    userGroups: [...userGroups.values()],
    replicationGroups: [...replicationGroups.values()].map(({ nodes, ...record }) => record),
    secrets: [...secrets.values()],
    events: env.standIn.state.events,
  });
}

describe('passwords', () => {
  it('never appear in raw answers, the calls log or the state, yet reach the nodes', async () => {
    // Act
    const answers = [
      await rawQuery({
        Action: 'CreateUser',
        UserId: 'app',
        UserName: 'app',
        Engine: 'redis',
        AccessString: 'on ~* +@all',
        'Passwords.member.1': PASSWORD,
      }),
      await rawQuery({
        Action: 'CreateUser',
        UserId: 'app-default',
        UserName: 'default',
        Engine: 'redis',
        AccessString: 'off -@all',
        NoPasswordRequired: 'true',
      }),
      await rawQuery({
        Action: 'CreateUserGroup',
        UserGroupId: 'apps',
        Engine: 'redis',
        'UserIds.member.1': 'app',
        'UserIds.member.2': 'app-default',
      }),
    ];
    await completePending(env);
    answers.push(
      await rawQuery({
        Action: 'CreateReplicationGroup',
        ReplicationGroupId: 'apps-cache',
        ReplicationGroupDescription: 'Apps',
        TransitEncryptionEnabled: 'true',
        'UserGroupIds.member.1': 'apps',
      }),
    );
    await completePending(env);
    answers.push(await rawQuery({ Action: 'ModifyUser', UserId: 'app', 'Passwords.member.1': NEW_PASSWORD }));
    await completePending(env);
    answers.push(await rawQuery({ Action: 'DescribeUsers' }));
    answers.push(await rawQuery({ Action: 'DescribeReplicationGroups' }));

    // Assess
    for (const answer of answers) {
      expect(answer).toContain('Response xmlns=');
      expect(answer).not.toContain(PASSWORD);
      expect(answer).not.toContain(NEW_PASSWORD);
    }
    expect(everythingRecorded()).not.toContain('never-shown');
    const app = env.nodes.groups.get('apps-cache')?.users?.find((user) => user.userName === 'app');
    expect(app?.passwords).toEqual([NEW_PASSWORD]);
  });

  it('never appear in what the SDK returns', async () => {
    // Act
    const outputs = [
      await env.elastiCache.send(
        new CreateUserCommand({
          UserId: 'app',
          UserName: 'app',
          Engine: 'redis',
          AccessString: 'on ~* +@all',
          AuthenticationMode: { Type: 'password', Passwords: [PASSWORD] },
        }),
      ),
      await env.elastiCache.send(
        new CreateUserCommand({
          UserId: 'app-default',
          UserName: 'default',
          Engine: 'redis',
          AccessString: 'off -@all',
          NoPasswordRequired: true,
        }),
      ),
      await env.elastiCache.send(
        new CreateUserGroupCommand({ UserGroupId: 'apps', Engine: 'redis', UserIds: ['app', 'app-default'] }),
      ),
    ];
    await completePending(env);
    outputs.push(
      await env.elastiCache.send(new ModifyUserCommand({ UserId: 'app', Passwords: [NEW_PASSWORD] })),
    );
    outputs.push(await env.elastiCache.send(new DescribeUsersCommand({})));

    // Assess
    expect(JSON.stringify(outputs)).not.toContain('never-shown');
  });

  it('are masked in node errors the stand-in keeps', async () => {
    // Prepare
    await env.standIn.close();
    Object.assign(
      env,
      await startTestStandIn({}, { failStart: (spec) => new Error(`refused ${JSON.stringify(spec.users)}`) }),
    );

    // Act
    await env.elastiCache.send(new CreateReplicationGroupCommand(TOKEN_GROUP));
    await completePending(env);
    const { Events } = await env.elastiCache.send(
      new DescribeEventsCommand({ SourceType: 'replication-group' }),
    );

    // Assess
    expect(env.standIn.state.replicationGroups.get('token-cache')?.failureReason).toContain('***');
    expect(JSON.stringify(Events)).not.toContain(AUTH_TOKEN);
    expect(everythingRecorded()).not.toContain(AUTH_TOKEN);
  });

  it('keep the AUTH token out of answers while the default user of the nodes gets it', async () => {
    // Act
    const created = await env.elastiCache.send(new CreateReplicationGroupCommand(TOKEN_GROUP));
    await completePending(env);
    const described = await env.elastiCache.send(new DescribeReplicationGroupsCommand({}));
    const raw = await rawQuery({ Action: 'DescribeReplicationGroups' });

    // Assess
    expect(JSON.stringify([created, described])).not.toContain(AUTH_TOKEN);
    expect(raw).not.toContain(AUTH_TOKEN);
    expect(everythingRecorded()).not.toContain(AUTH_TOKEN);
    expect(env.nodes.groups.get('token-cache')?.users?.[0]?.passwords).toEqual([AUTH_TOKEN]);
  });
});
