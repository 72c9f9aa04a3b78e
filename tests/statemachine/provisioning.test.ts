import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import type { ProvisioningResult } from '../../shared/provision/state';
import { createActiveUser, createActiveUserGroup } from '../reliability/support/account';
import { type Execution, useHarness } from '../reliability/support/harness';
import { FAST_POLLING, readJson, request, statesEntered } from './support/inputs';
import { ownIds, resultLike } from './support/standIn';

const harness = useHarness();

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

/** Runs the input under ids of its own; the calls the stand-in answered during the run, by action. */
async function run(input: Record<string, unknown>, expected?: ProvisioningResult) {
  const rename = ownIds(input);
  const mark = harness.standIn.calls.length;
  const execution: Execution = await harness.execute(rename(input));
  const calls = harness.callsSince(mark).filter((call) => call.status === 200);
  const count = (action: string) => calls.filter((call) => call.action === action).length;
  return { execution, count, rename, expected: expected && rename(expected) };
}

describe('the provisioning state machine with every Task on its real handler, on the stand-in', () => {
  it.each(withoutRbac)(
    'provisions a replication group in $shape without RBAC',
    async ({ input, expected, createState }) => {
      // Act
      const { execution, count, expected: renamed } = await run(input, expected);

      // Assess
      expect(execution.status, execution.error?.Cause).toBe('SUCCEEDED');
      expect(execution.output).toEqual(resultLike(renamed));
      expect(statesEntered(execution)).toContain(createState);
      expect(statesEntered(execution)).not.toContain('EnsureUsers');
      expect(count('CreateReplicationGroup')).toBe(1);
      expect(count('CreateUser')).toBe(0);
    },
  );

  it.each(withRbac)(
    'provisions $shape with RBAC, creating the users and the user group first',
    async ({ input, expected, createState, userGroupId }) => {
      // Act
      const { execution, count, rename, expected: renamed } = await run(input, expected);

      // Assess
      expect(execution.status, execution.error?.Cause).toBe('SUCCEEDED');
      expect(execution.output).toEqual(resultLike(renamed));
      const entered = statesEntered(execution);
      // New users and groups start `creating`: the loops wait for them before going on.
      expect(entered).toContain('WaitForUsers');
      expect(entered).toContain('WaitForUserGroup');
      expect(entered).toContain(createState);
      expect(entered.indexOf('EnsureGroup')).toBeGreaterThan(entered.lastIndexOf('WaitForUsers'));
      expect(entered.indexOf(createState)).toBeGreaterThan(entered.lastIndexOf('WaitForUserGroup'));
      expect(count('CreateUser')).toBe(expected.Users.length);
      const group = harness.standIn.state.userGroups.get(rename(userGroupId));
      expect(group?.userIds.toSorted()).toEqual(renamed?.Users.map((user) => user.UserId).toSorted());
      const replicationGroup = harness.standIn.state.replicationGroups.get(
        rename(expected.ReplicationGroupId),
      );
      expect(replicationGroup?.transitEncryptionEnabled).toBe(true);
      expect(replicationGroup?.userGroupIds).toEqual([rename(userGroupId)]);
    },
  );

  it.each(withRbac)(
    'provisions $shape with the users and the user group already present, changing neither',
    async ({ input, expected, engine, userGroupId, existingUsers }) => {
      // Prepare: what an earlier run left, under this test's ids, the generated secrets included.
      const rename = ownIds(input);
      const users = rename(existingUsers);
      for (const user of users) {
        await createActiveUser(harness.admin, {
          ...user,
          Engine: engine,
          ...(user.iam ? {} : { Password: `Earlier${user.UserId}Passw0rd123456` }),
        });
      }
      await createActiveUserGroup(harness.admin, {
        UserGroupId: rename(userGroupId),
        Engine: engine,
        UserIds: users.map((u) => u.UserId),
      });
      for (const user of rename(expected).Users) {
        if (user.PasswordSecretArn) {
          await harness.admin.secretsManager.send(
            new CreateSecretCommand({
              Name: `elasticache-provisioner/${rename(userGroupId)}/${user.UserId}`,
              SecretString: JSON.stringify({
                username: user.UserName,
                password: `Earlier${user.UserId}Passw0rd123456`,
              }),
            }),
          );
        }
      }
      const mark = harness.standIn.calls.length;

      // Act
      const execution = await harness.execute(rename(input));

      // Assess
      expect(execution.status, execution.error?.Cause).toBe('SUCCEEDED');
      expect(execution.output).toEqual(
        resultLike({ ...rename(expected), Created: { Users: [], UserGroup: false, ReplicationGroup: true } }),
      );
      expect(statesEntered(execution)).not.toContain('WaitForUsers');
      expect(statesEntered(execution)).not.toContain('WaitForUserGroup');
      const changes = harness
        .callsSince(mark)
        .filter(
          (call) => call.status === 200 && /^(Create|Modify)(User|UserGroup|Secret)$/.test(call.action),
        );
      expect(changes).toEqual([]);
    },
  );

  it('adds a missing user to an existing user group and waits until the group is active again', async () => {
    // Prepare: every user exists, the group lacks the reporting user.
    const [shape] = withRbac;
    if (!shape) throw new Error('fixture missing');
    const rename = ownIds(shape.input);
    const users = rename(shape.existingUsers);
    for (const user of users) {
      await createActiveUser(harness.admin, {
        ...user,
        Engine: shape.engine,
        ...(user.iam ? {} : { Password: `Earlier${user.UserId}Passw0rd123456` }),
      });
    }
    const missing = users.filter((user) => user.UserId.endsWith('-reporting')).map((user) => user.UserId);
    expect(missing).toHaveLength(1);
    await createActiveUserGroup(harness.admin, {
      UserGroupId: rename(shape.userGroupId),
      Engine: shape.engine,
      UserIds: users.map((user) => user.UserId).filter((id) => !missing.includes(id)),
    });
    const mark = harness.standIn.calls.length;

    // Act
    const execution = await harness.execute(rename(shape.input));

    // Assess
    expect(execution.status, execution.error?.Cause).toBe('SUCCEEDED');
    const group = harness.standIn.state.userGroups.get(rename(shape.userGroupId));
    expect(group?.userIds.toSorted()).toEqual(users.map((user) => user.UserId).toSorted());
    const modified = harness
      .callsSince(mark)
      .filter((call) => call.action === 'ModifyUserGroup' && call.status === 200);
    expect(modified).toHaveLength(1);
    expect(statesEntered(execution)).toContain('WaitForUserGroup');
    expect(execution.output).toMatchObject({
      Created: { Users: [], UserGroup: false, ReplicationGroup: true },
    });
  });

  it('starts from an EventBridge event and uses the password secret the request names', async () => {
    // Prepare: the secret the event names, made on the stand-in.
    const event = readJson('events/eventbridge-provisioning-requested.json');
    const rename = ownIds(event);
    const given = { username: 'app', password: 'Given-Orders-App-Passw0rd' };
    const secret = await harness.admin.secretsManager.send(
      new CreateSecretCommand({ Name: rename('orders-app-given'), SecretString: JSON.stringify(given) }),
    );
    const detail = rename(event.detail as { Rbac: { Users: Record<string, unknown>[] } });
    const [appUser] = detail.Rbac.Users;
    if (appUser) appUser.PasswordSecretId = secret.ARN;

    // Act
    const execution = await harness.execute({ ...event, detail: { ...detail, Polling: FAST_POLLING } });

    // Assess
    expect(execution.status, execution.error?.Cause).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({
      ReplicationGroupId: rename('orders-cache'),
      Users: expect.arrayContaining([
        { UserId: rename('orders-app'), UserName: 'app', PasswordSecretArn: secret.ARN },
      ]),
      CorrelationId: event.id,
    });
    expect(harness.standIn.state.users.get(rename('orders-app'))?.authenticationType).toBe('password');
    expect(await harness.passwords()).toContain(given.password);
  });

  it('never lets a password into the execution history, the output or the function logs', async () => {
    // Prepare: generated passwords (redis request).
    const input = request('cluster-mode-disabled-rbac.json');

    // Act
    const { execution } = await run(input);

    // Assess
    expect(execution.status, execution.error?.Cause).toBe('SUCCEEDED');
    const seen = [JSON.stringify(execution.history), JSON.stringify(execution.output), execution.logs].join(
      '\n',
    );
    expect(execution.logs).toContain('"function_name"');
    // The account does hold passwords, so the search below is for something that exists.
    const passwords = await harness.passwords();
    expect(passwords.length).toBeGreaterThan(0);
    for (const password of passwords) expect(seen).not.toContain(password);
  });
});
