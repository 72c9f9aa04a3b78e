/**
 * Changes in place under crashes and concurrency, on the stand-in: a change stopped at any of its
 * steps is finished by running the same request again; two executions changing one group at once end
 * with one change applied and the other one applied as well or refused with a clear ConflictError,
 * never with the group half-way between the two.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_TAG_KEY, DETACHED_TAG_KEY } from '../../shared/tags';
import { provisionedOnce, remainingSteps } from '../change/support';
import { resourcesOf } from './support/account';
import { type CrashPoint, crashAfterCall, crashingHandlers } from './support/crash';
import { type Harness, startHarness } from './support/harness';
import { type RbacRequest, rbacRequest } from './support/requests';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

const provisioned = (id: string) => provisionedOnce(harness, id);

/** The change: a report user joins, the IAM user leaves (and is deleted), the app user reads only, the team tag changes. */
function changedRequest(id: string, team = 'payments'): RbacRequest {
  const request = rbacRequest(id);
  request.Tags = [{ Key: 'team', Value: team }];
  request.Rbac.Users = [
    ...request.Rbac.Users.filter((user) => user.UserId !== `${id}-iam`).map((user) =>
      user.UserId === `${id}-app` ? { ...user, AccessString: 'on ~app:* -@all +@read +@connection' } : user,
    ),
    { UserId: `${id}-report`, UserName: 'report', AccessString: 'on ~reports:* -@all +@read +@connection' },
  ];
  return request;
}

const CHANGE_CRASH_POINTS: CrashPoint[] = [
  { kind: 'after-invocation', fn: 'planChange', invocation: 1, label: 'after PlanChange' },
  { kind: 'after-invocation', fn: 'applyChange', invocation: 1, label: 'after the first ApplyNextChange' },
  { kind: 'after-invocation', fn: 'applyChange', invocation: 2, label: 'after the second ApplyNextChange' },
  { kind: 'after-invocation', fn: 'applyChange', invocation: 3, label: 'after the third ApplyNextChange' },
  {
    kind: 'after-call',
    client: 'elastiCache',
    command: 'AddTagsToResource',
    label: 'right after the change mark',
  },
  { kind: 'after-call', client: 'elastiCache', command: 'ModifyUser', label: 'right after ModifyUser' },
  {
    kind: 'after-call',
    client: 'elastiCache',
    command: 'ModifyUserGroup',
    label: 'right after ModifyUserGroup',
  },
  { kind: 'after-call', client: 'elastiCache', command: 'DeleteUser', label: 'right after DeleteUser' },
  {
    kind: 'after-call',
    client: 'elastiCache',
    command: 'RemoveTagsFromResource',
    label: 'right after the change mark is removed',
  },
];

describe('a change stopped at any of its steps, then run again', () => {
  it.each(CHANGE_CRASH_POINTS.map((point, index) => [point.label, point, index] as const))(
    'converges %s',
    async (_, point, index) => {
      // Prepare
      const id = `change-crash-${index}`;
      await provisioned(id);
      const request = changedRequest(id);
      const afterCall = point.kind === 'after-call' ? crashAfterCall(harness, point) : undefined;
      const wrapped = await crashingHandlers(harness, point.kind === 'after-call' ? undefined : point);

      // Act
      let crashed: Awaited<ReturnType<Harness['execute']>>;
      try {
        crashed = await harness.execute(request, harness.workflow(wrapped.handlers));
      } finally {
        afterCall?.remove();
      }
      const rerun = await harness.execute(request);

      // Assess
      expect(afterCall ? afterCall.crashed() : wrapped.crashed(), 'the crash point was reached').toBe(true);
      expect(crashed.status).toBe('FAILED');
      expect(rerun.status, rerun.error?.Cause).toBe('SUCCEEDED');
      expect(await remainingSteps(harness.admin.elastiCache, request)).toEqual([]);
      const { userGroup, replicationGroup } = resourcesOf(harness.standIn, request);
      expect(userGroup?.userIds.sort()).toEqual([
        `${id}-app`,
        `${id}-given`,
        `${id}-report`,
        `${id}-users-default`,
      ]);
      expect(harness.standIn.state.users.get(`${id}-iam`)).toBeUndefined();
      expect(replicationGroup?.tags.map((tag) => tag.Key)).not.toContain(CHANGE_TAG_KEY);
    },
  );
});

describe('two executions changing one group at once', () => {
  it('one applies; the other applies too or ends in ConflictError, and the group matches one of them', async () => {
    // Prepare
    const id = 'change-concurrent';
    await provisioned(id);
    const requests = [changedRequest(id, 'payments'), changedRequest(id, 'billing')];

    // Act
    const { runs } = await harness.executeAll(requests);

    // Assess
    const succeeded = runs.flatMap((run, index) => (run.status === 'SUCCEEDED' ? [index] : []));
    const others = runs.filter((run) => run.status !== 'SUCCEEDED');
    expect(succeeded.length).toBeGreaterThan(0);
    for (const run of others) {
      expect(run.error?.Error).toBe('ConflictError');
      expect(run.error?.Cause).toMatch(/being changed by another request/);
    }
    const matching = [];
    for (const index of succeeded) {
      if ((await remainingSteps(harness.admin.elastiCache, requests[index])).length === 0)
        matching.push(index);
    }
    expect(matching).toHaveLength(1);
    const { replicationGroup } = resourcesOf(harness.standIn, requests[0] as RbacRequest);
    expect(replicationGroup?.tags.map((tag) => tag.Key)).not.toContain(CHANGE_TAG_KEY);
  });

  it('the same change requested twice at once is applied once, both succeeding', async () => {
    const id = 'change-twice';
    await provisioned(id);
    const mark = harness.standIn.calls.length;

    const { runs } = await harness.executeAll([changedRequest(id), changedRequest(id)]);

    expect(runs.map((run) => run.error?.Cause ?? run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(
      harness.callsSince(mark).filter((call) => call.action === 'DeleteUser' && call.status === 200),
    ).toHaveLength(1);
    expect(await remainingSteps(harness.admin.elastiCache, changedRequest(id))).toEqual([]);
  });
});

/** A user group replaced: the given user moves to `<id>-next`; the app and IAM users stay behind and go. */
function replacedGroupRequest(id: string): RbacRequest {
  const request = rbacRequest(id);
  request.Rbac.UserGroupId = `${id}-next`;
  request.Rbac.Users = request.Rbac.Users.filter((user) => user.UserId === `${id}-given`);
  return request;
}

const REPLACEMENT_CRASH_POINTS: CrashPoint[] = [
  { kind: 'after-invocation', fn: 'planChange', invocation: 1, label: 'after PlanChange' },
  {
    kind: 'after-call',
    client: 'elastiCache',
    command: 'ModifyReplicationGroup',
    label: 'right after the new group is attached and the old one detached',
  },
  {
    kind: 'after-call',
    client: 'secretsManager',
    command: 'DeleteSecret',
    label: "right after a left-behind user's secret is deleted",
  },
  {
    kind: 'after-call',
    client: 'elastiCache',
    command: 'DeleteUser',
    label: 'right after the first DeleteUser',
  },
  {
    kind: 'after-call',
    client: 'elastiCache',
    command: 'DeleteUserGroup',
    label: 'right after the old group is deleted',
  },
  { kind: 'after-invocation', fn: 'applyChange', invocation: 4, label: 'after the fourth ApplyNextChange' },
  {
    kind: 'after-call',
    client: 'secretsManager',
    command: 'DeleteSecret',
    label: 'right after the first secret is deleted',
  },
  { kind: 'after-invocation', fn: 'deleteUserSecrets', invocation: 1, label: 'after DeleteUserSecrets' },
];

describe('a user group replacement stopped at any of its steps, then run again', () => {
  for (const [index, point] of REPLACEMENT_CRASH_POINTS.entries()) {
    it(`deletes the old group, its users and their secrets ${point.label}`, async () => {
      // Prepare
      const id = `change-swap-${index}`;
      await provisioned(id);
      const request = replacedGroupRequest(id);
      const crash =
        point.kind === 'after-call'
          ? { afterCall: crashAfterCall(harness, point) }
          : { wrapped: await crashingHandlers(harness, point) };

      // Act
      const first = await harness
        .execute(request, harness.workflow(crash.wrapped?.handlers))
        .finally(() => crash.afterCall?.remove());
      const rerun = await harness.execute(request);

      // Assess
      expect((crash.afterCall ?? crash.wrapped)?.crashed(), 'the crash point was reached').toBe(true);
      expect(first.status).toBe('FAILED');
      expect(rerun.status, rerun.error?.Cause).toBe('SUCCEEDED');
      const { state } = harness.standIn;
      expect(state.userGroups.has(`${id}-users`)).toBe(false);
      expect(state.replicationGroups.get(id)?.userGroupIds).toEqual([`${id}-next`]);
      for (const gone of [`${id}-app`, `${id}-iam`, `${id}-users-default`]) {
        expect(state.users.get(gone), gone).toBeUndefined();
      }
      expect(state.secrets.has(`elasticache-provisioner/${id}-users/${id}-app`)).toBe(false);
      expect(state.replicationGroups.get(id)?.tags.map((tag) => tag.Key)).not.toContain(DETACHED_TAG_KEY);
      expect(await remainingSteps(harness.admin.elastiCache, request)).toEqual([]);
    });
  }
});
