/**
 * The provisioning state machine run again with a changed request, on the stand-in: the real ASL,
 * the real handlers, the real SDK. The group is provisioned once, then changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
