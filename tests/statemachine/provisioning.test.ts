import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
} from '@aws-sdk/client-elasticache';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ProvisioningResult } from '../../shared/provision/state';
import { GIVEN_SECRET } from './support/fakeAws';
import { aws, execute, FAST_POLLING, readJson, request, statesEntered } from './support/workflow';

const result = (name: string) => readJson<ProvisioningResult>(`tests/statemachine/fixtures/results/${name}`);

const withoutRbac = [
  {
    shape: 'cluster mode disabled',
    input: request('cluster-mode-disabled.json'),
    expected: result('cluster-mode-disabled.json'),
    createState: 'CreateClusterModeDisabled',
  },
  {
    shape: 'cluster mode enabled',
    input: request('cluster-mode-enabled.json'),
    expected: result('cluster-mode-enabled.json'),
    createState: 'CreateClusterModeEnabled',
  },
];

const withRbac = [
  {
    shape: 'cluster mode disabled (Redis OSS)',
    input: request('cluster-mode-disabled-rbac.json'),
    expected: result('cluster-mode-disabled-rbac.json'),
    createState: 'CreateClusterModeDisabled',
    engine: 'redis',
    userGroupId: 'mygroup',
    // What an earlier run leaves behind, the managed default user included.
    existingUsers: [
      {
        UserId: 'mygroup-app',
        UserName: 'app',
        AccessString: 'on ~app:* -@all +@read +@write +@connection +cluster|info',
      },
      {
        UserId: 'mygroup-reporting',
        UserName: 'mygroup-reporting',
        AccessString: 'on ~app:* -@all +@read +@connection',
        iam: true,
      },
      { UserId: 'mygroup-default', UserName: 'default', AccessString: 'off -@all' },
    ],
  },
  {
    shape: 'cluster mode enabled (Valkey)',
    input: {
      ...readJson('tests/statemachine/fixtures/requests/cluster-mode-enabled-rbac.json'),
      Polling: FAST_POLLING,
    },
    expected: result('cluster-mode-enabled-rbac.json'),
    createState: 'CreateClusterModeEnabled',
    engine: 'valkey',
    userGroupId: 'sessions',
    existingUsers: [
      {
        UserId: 'sessions-app',
        UserName: 'app',
        AccessString: 'on ~session:* -@all +@read +@write +@connection +cluster|info',
      },
      {
        UserId: 'sessions-ops',
        UserName: 'sessions-ops',
        AccessString: 'on ~* -@all +@read +@connection +cluster|info',
        iam: true,
      },
    ],
  },
];

describe('the provisioning state machine with every Task on its real handler', () => {
  beforeEach(() => aws.reset());

  it.each(withoutRbac)(
    'provisions a replication group in $shape without RBAC',
    async ({ input, expected, createState }) => {
      // Act
      const execution = await execute(input);

      // Assess
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.output).toEqual(expected);
      expect(statesEntered(execution)).toContain(createState);
      expect(statesEntered(execution)).not.toContain('EnsureUsers');
      expect(aws.elastiCache).toHaveReceivedCommandTimes(CreateReplicationGroupCommand, 1);
      expect(aws.elastiCache).not.toHaveReceivedCommand(CreateUserCommand);
    },
  );

  it.each(withRbac)(
    'provisions $shape with RBAC, creating the users and the user group first',
    async ({ input, expected, createState, userGroupId }) => {
      // Act
      const execution = await execute(input);

      // Assess
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.output).toEqual(expected);
      const entered = statesEntered(execution);
      // New users and groups start `creating`: the loops wait for them before going on.
      expect(entered).toContain('WaitForUsers');
      expect(entered).toContain('WaitForUserGroup');
      expect(entered).toContain(createState);
      expect(entered.indexOf('EnsureGroup')).toBeGreaterThan(entered.lastIndexOf('WaitForUsers'));
      expect(entered.indexOf(createState)).toBeGreaterThan(entered.lastIndexOf('WaitForUserGroup'));
      expect(aws.elastiCache).toHaveReceivedCommandTimes(CreateUserCommand, expected.Users.length);
      expect(aws.elastiCache).toHaveReceivedCommandWith(CreateUserGroupCommand, {
        UserGroupId: userGroupId,
        UserIds: expected.Users.map((user) => user.UserId),
      });
      expect(aws.elastiCache).toHaveReceivedCommandWith(CreateReplicationGroupCommand, {
        UserGroupIds: [userGroupId],
        TransitEncryptionEnabled: true,
      });
    },
  );

  it.each(withRbac)(
    'provisions $shape with the users and the user group already present, changing neither',
    async ({ input, expected, engine, userGroupId, existingUsers }) => {
      // Prepare
      for (const user of existingUsers) aws.addActiveUser({ ...user, Engine: engine });
      aws.addActiveUserGroup({
        UserGroupId: userGroupId,
        Engine: engine,
        UserIds: existingUsers.map((u) => u.UserId),
      });
      for (const user of expected.Users) {
        if (user.PasswordSecretArn) {
          aws.addSecret({
            ARN: user.PasswordSecretArn,
            Name: `elasticache-provisioner/${userGroupId}/${user.UserId}`,
            SecretString: JSON.stringify({
              username: user.UserName,
              password: `Earlier${user.UserId}Passw0rd123456`,
            }),
          });
        }
      }

      // Act
      const execution = await execute(input);

      // Assess
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.output).toEqual({
        ...expected,
        Created: { Users: [], UserGroup: false, ReplicationGroup: true },
      });
      expect(statesEntered(execution)).not.toContain('WaitForUsers');
      expect(statesEntered(execution)).not.toContain('WaitForUserGroup');
      expect(aws.elastiCache).not.toHaveReceivedCommand(CreateUserCommand);
      expect(aws.elastiCache).not.toHaveReceivedCommand(ModifyUserCommand);
      expect(aws.elastiCache).not.toHaveReceivedCommand(CreateUserGroupCommand);
      expect(aws.elastiCache).not.toHaveReceivedCommand(ModifyUserGroupCommand);
      expect(aws.secretsManager).not.toHaveReceivedCommand(CreateSecretCommand);
    },
  );

  it('adds a missing user to an existing user group and waits until the group is active again', async () => {
    // Prepare
    const [shape] = withRbac;
    if (!shape) throw new Error('fixture missing');
    const [first, ...others] = shape.existingUsers;
    if (!first) throw new Error('fixture missing');
    for (const user of shape.existingUsers) aws.addActiveUser({ ...user, Engine: shape.engine });
    aws.addActiveUserGroup({ UserGroupId: shape.userGroupId, Engine: shape.engine, UserIds: [first.UserId] });

    // Act
    const execution = await execute(shape.input);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(aws.elastiCache).toHaveReceivedCommandWith(ModifyUserGroupCommand, {
      UserGroupId: shape.userGroupId,
      UserIdsToAdd: others.map((user) => user.UserId),
    });
    expect(statesEntered(execution)).toContain('WaitForUserGroup');
    expect(execution.output).toMatchObject({
      Created: { Users: [], UserGroup: false, ReplicationGroup: true },
    });
  });

  it('starts from an EventBridge event and uses the password secret the request names', async () => {
    // Prepare
    const event = readJson('events/eventbridge-provisioning-requested.json');
    const detail = { ...(event.detail as Record<string, unknown>), Polling: FAST_POLLING };

    // Act
    const execution = await execute({ ...event, detail });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      Users: expect.arrayContaining([
        { UserId: 'orders-app', UserName: 'app', PasswordSecretArn: GIVEN_SECRET.ARN },
      ]),
      CorrelationId: event.id,
    });
    const givenPassword = (JSON.parse(GIVEN_SECRET.SecretString) as { password: string }).password;
    expect(aws.elastiCache).toHaveReceivedCommandWith(CreateUserCommand, {
      UserId: 'orders-app',
      AuthenticationMode: { Type: 'password', Passwords: [givenPassword] },
    });
  });

  it('never lets a password into the execution history, the output or the function logs', async () => {
    // Prepare: generated passwords (redis request) and a given one (EventBridge request).
    const event = readJson('events/eventbridge-provisioning-requested.json');
    const inputs = [
      request('cluster-mode-disabled-rbac.json'),
      { ...event, detail: { ...(event.detail as Record<string, unknown>), Polling: FAST_POLLING } },
    ];

    for (const input of inputs) {
      // Act
      const execution = await execute(input);

      // Assess
      expect(execution.status).toBe('SUCCEEDED');
      const seen = [JSON.stringify(execution.history), JSON.stringify(execution.output), execution.logs].join(
        '\n',
      );
      expect(execution.logs).toContain('"function_name"');
      // The account did receive passwords, so the search below is for something that exists.
      expect(aws.passwordsSeen.size).toBeGreaterThan(0);
      for (const password of aws.passwordsSeen) expect(seen).not.toContain(password);
    }
  });
});
