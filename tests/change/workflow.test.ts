/**
 * The provisioning state machine run again with a changed request, on the stand-in: the real ASL,
 * the real handlers, the real SDK. The group is provisioned once, then changed.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_TAG_KEY, DETACHED_TAG_KEY } from '../../shared/tags';
import { resourcesOf } from '../reliability/support/account';
import { type Harness, startHarness } from '../reliability/support/harness';
import { type RbacRequest, rbacRequest } from '../reliability/support/requests';
import { provisionedOnce, remainingSteps } from './support';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

/** The request as first provisioned; the group then exists as the provisioner made it. */
async function provisioned(id: string): Promise<RbacRequest> {
  await provisionedOnce(harness, id);
  return rbacRequest(id);
}
/** Calls that create, change or delete anything. */
function writes(mark: number): string[] {
  return harness
    .callsSince(mark)
    .filter((call) => !/^(Describe|List|Get)/.test(call.action))
    .map((call) => call.action);
}

describe('a changed request converges the existing group', () => {
  it('adds a user, changes an access string, removes and deletes a user, and retags, listing each change', async () => {
    // Prepare
    const id = 'change-rbac';
    const request = await provisioned(id);
    request.Tags = [{ Key: 'team', Value: 'payments' }];
    request.Rbac.Users = [
      ...request.Rbac.Users.filter((user) => user.UserId !== `${id}-iam`).map((user) =>
        user.UserId === `${id}-app` ? { ...user, AccessString: 'on ~app:* -@all +@read +@connection' } : user,
      ),
      { UserId: `${id}-report`, UserName: 'report', AccessString: 'on ~reports:* -@all +@read +@connection' },
    ];

    // Act
    const run = await harness.execute(request);

    // Assess
    expect(run.status, run.error?.Cause).toBe('SUCCEEDED');
    const output = run.output as { Changes?: { field: string }[]; Created: { Users: string[] } };
    expect(output.Changes?.map((change) => change.field)).toEqual([
      `Rbac.Users[${id}-app].AccessString`,
      `Rbac.Users[${id}-report]`,
      `Rbac.Users[${id}-iam]`,
      'Tags',
    ]);
    expect(output.Created.Users).toEqual([`${id}-report`]);
    const { userGroup, replicationGroup } = resourcesOf(harness.standIn, request);
    expect(userGroup?.userIds.sort()).toEqual([
      `${id}-app`,
      `${id}-given`,
      `${id}-report`,
      `${id}-users-default`,
    ]);
    expect(harness.standIn.state.users.get(`${id}-iam`)).toBeUndefined();
    expect(harness.standIn.state.users.get(`${id}-app`)?.accessString).toBe(
      'on ~app:* -@all +@read +@connection',
    );
    expect(replicationGroup?.tags).toContainEqual({ Key: 'team', Value: 'payments' });
    expect(replicationGroup?.tags.map((tag) => tag.Key)).not.toContain('elasticache-provisioner:change');
    expect(await remainingSteps(harness.admin.elastiCache, request)).toEqual([]);
  });

  it('converges the same way from an EventBridge event, and a second run changes nothing', async () => {
    // Prepare
    const id = 'change-event';
    const request = await provisioned(id);
    request.Tags = [];
    const event = {
      source: 'custom.elasticache-provisioner',
      'detail-type': 'ElastiCache Provisioning Requested',
      id: 'event-1',
      detail: request,
    };

    // Act
    const run = await harness.execute(event);
    const mark = harness.standIn.calls.length;
    const again = await harness.execute(event);

    // Assess
    expect(run.status, run.error?.Cause).toBe('SUCCEEDED');
    expect((run.output as { Changes?: unknown[] }).Changes).toEqual([
      { field: 'Tags', current: [{ Key: 'team', Value: id }], requested: [] },
    ]);
    expect(again.status, again.error?.Cause).toBe('SUCCEEDED');
    expect((again.output as { Changes?: unknown[] }).Changes).toBeUndefined();
    expect(writes(mark)).toEqual([]);
  });

  it('ends in ConflictError naming what cannot change in place, with not a single write', async () => {
    // Prepare
    const id = 'change-refused';
    const request = { ...(await provisioned(id)), AtRestEncryptionEnabled: false, NumCacheClusters: 3 };
    const mark = harness.standIn.calls.length;

    // Act
    const run = await harness.execute(request);

    // Assess
    expect(run.error?.Error).toBe('ConflictError');
    expect(run.error?.Cause).toMatch(/AtRestEncryptionEnabled: existing true vs requested false/);
    expect(writes(mark)).toEqual([]);
  });
});

describe('what a changed request no longer names is deleted, when the provisioner created it', () => {
  /** The password the workflow generated for `userId` of the group `userGroupId`, read back from its secret. */
  async function generatedPassword(userGroupId: string, userId: string): Promise<string> {
    const out = await harness.admin.secretsManager.send(
      new GetSecretValueCommand({ SecretId: `elasticache-provisioner/${userGroupId}/${userId}` }),
    );
    return (JSON.parse(out.SecretString ?? '{}') as { password: string }).password;
  }
  const secretNames = () => [...harness.standIn.state.secrets.keys()];

  it('deletes a removed user with its generated secret, keeps the secret the request gave, and logs no password', async () => {
    // Prepare
    const id = 'change-secret';
    const request = await provisioned(id);
    const password = await generatedPassword(`${id}-users`, `${id}-app`);
    request.Rbac.Users = request.Rbac.Users.filter(
      (user) => ![`${id}-app`, `${id}-given`].includes(user.UserId),
    );

    // Act
    const run = await harness.execute(request);

    // Assess
    expect(run.status, run.error?.Cause).toBe('SUCCEEDED');
    expect(harness.standIn.state.users.get(`${id}-app`)).toBeUndefined();
    expect(harness.standIn.state.users.get(`${id}-given`)).toBeUndefined();
    expect(secretNames()).not.toContain(`elasticache-provisioner/${id}-users/${id}-app`);
    expect(secretNames()).toContain(`${id}/given`);
    expect(run.logs).not.toContain(password);
    expect(JSON.stringify(run.output)).not.toContain(password);
  });

  it('deletes a replaced user group once detached, with the users only it held and their secrets, listing it', async () => {
    // Prepare: the given user moves to a new group; the app and IAM users stay behind in the old one.
    const id = 'change-group';
    const request = await provisioned(id);
    request.Rbac.UserGroupId = `${id}-next`;
    request.Rbac.Users = request.Rbac.Users.filter((user) => user.UserId === `${id}-given`);

    // Act
    const run = await harness.execute(request);

    // Assess
    expect(run.status, run.error?.Cause).toBe('SUCCEEDED');
    const output = run.output as { Changes?: { field: string; current: unknown; requested: unknown }[] };
    expect(output.Changes).toEqual(
      expect.arrayContaining([
        { field: `UserGroup[${id}-users]`, current: `attached to ${id}`, requested: null },
        { field: `Rbac.Users[${id}-app]`, current: `member of ${id}-users`, requested: null },
        { field: `Rbac.Users[${id}-users-default]`, current: `member of ${id}-users`, requested: null },
      ]),
    );
    const { state } = harness.standIn;
    expect(state.userGroups.has(`${id}-users`)).toBe(false);
    expect(state.replicationGroups.get(id)?.userGroupIds).toEqual([`${id}-next`]);
    for (const gone of [`${id}-app`, `${id}-iam`, `${id}-users-default`]) {
      expect(state.users.get(gone), gone).toBeUndefined();
    }
    expect(state.userGroups.get(`${id}-next`)?.userIds).toContain(`${id}-given`);
    expect(secretNames()).not.toContain(`elasticache-provisioner/${id}-users/${id}-app`);
    const tagKeys = state.replicationGroups.get(id)?.tags.map((tag) => tag.Key);
    expect(tagKeys).not.toContain(CHANGE_TAG_KEY);
    expect(tagKeys).not.toContain(DETACHED_TAG_KEY);
    expect(await remainingSteps(harness.admin.elastiCache, request)).toEqual([]);
  });
});
