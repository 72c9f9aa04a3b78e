/**
 * `--plan` against an existing group: provisioned once through the workflow on the stand-in, then
 * planned with a changed request. The plan reads and never writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePlan, planProvisioning } from '../../local/cli/plan';
import { type Harness, startHarness } from '../reliability/support/harness';
import { rbacRequest } from '../reliability/support/requests';
import { provisionedOnce } from './support';

let harness: Harness;
const id = 'plan-existing';

beforeAll(async () => {
  harness = await startHarness();
  await provisionedOnce(harness, id);
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

/** The request of the first run, changed: one replica more, another access string, the IAM user gone, a tag. */
function changedRequest() {
  const request = rbacRequest(id);
  request.NumCacheClusters = 3;
  request.Tags = [{ Key: 'team', Value: 'payments' }];
  request.Rbac.Users = request.Rbac.Users.filter((user) => user.UserId !== `${id}-iam`).map((user) =>
    user.UserId === `${id}-app` ? { ...user, AccessString: 'on ~app:* -@all +@read +@connection' } : user,
  );
  return request;
}

describe('--plan against an existing group', () => {
  it('lists each difference and the exact calls in order, calling nothing that writes', async () => {
    // Prepare
    const mark = harness.standIn.calls.length;

    // Act
    const plan = await planProvisioning(changedRequest(), { elastiCache: harness.admin.elastiCache });

    // Assess
    expect(plan.Existing?.Changes).toEqual([
      {
        field: `Rbac.Users[${id}-app].AccessString`,
        current: 'on ~app:* -@all +@read +@write +@connection',
        requested: 'on ~app:* -@all +@read +@connection',
      },
      { field: `Rbac.Users[${id}-iam]`, current: `member of ${id}-users`, requested: null },
      { field: 'NumCacheClusters', current: 2, requested: 3 },
      {
        field: 'Tags',
        current: [{ Key: 'team', Value: id }],
        requested: [{ Key: 'team', Value: 'payments' }],
      },
    ]);
    expect(plan.Calls.map((call) => call.Action)).toEqual([
      'ModifyUser',
      'DeleteUser',
      'IncreaseReplicaCount',
      'AddTagsToResource',
    ]);
    const written = harness.callsSince(mark).filter((call) => !/^(Describe|List|Get)/.test(call.action));
    expect(written).toEqual([]);
  });

  it('prints the plan as terraform plan does: field, current, requested, then the calls', async () => {
    const plan = await planProvisioning(changedRequest(), { elastiCache: harness.admin.elastiCache });

    const text = describePlan(plan).join('\n');

    expect(text).toContain(`Replication group ${id} exists (available)`);
    expect(text).toContain('~ NumCacheClusters: 2 -> 3');
    expect(text).toContain(`- Rbac.Users[${id}-iam]: "member of ${id}-users" -> (none)`);
    expect(text).toMatch(/4 calls, in this order:\n {2}1\. ModifyUser /);
  });

  it('says what cannot change in place, and that nothing would be changed', async () => {
    const request = { ...rbacRequest(id), AtRestEncryptionEnabled: false };

    const plan = await planProvisioning(request, { elastiCache: harness.admin.elastiCache });

    expect(plan.Existing?.Refused.map((item) => item.field)).toEqual(['AtRestEncryptionEnabled']);
    expect(plan.Calls).toEqual([]);
    expect(describePlan(plan).join('\n')).toContain('the run ends in ConflictError and changes nothing');
  });

  it('plans the creation as before when the group does not exist', async () => {
    const plan = await planProvisioning(rbacRequest('plan-new'), { elastiCache: harness.admin.elastiCache });

    expect(plan.Existing).toBeUndefined();
    expect(plan.Calls.map((call) => call.Action)).toContain('CreateReplicationGroup');
    expect(describePlan(plan)).toEqual([]);
  });
});

describe('--plan of what a change deletes', () => {
  it('shows a replaced user group deleted after it is detached, with its users and their secrets', async () => {
    // Prepare: the given user moves to a new group (with its own default user); the app and IAM users stay behind.
    const request = rbacRequest(id);
    request.Rbac.UserGroupId = `${id}-next`;
    request.Rbac.Users = request.Rbac.Users.filter((user) => user.UserId === `${id}-given`);

    // Act
    const plan = await planProvisioning(request, { elastiCache: harness.admin.elastiCache });

    // Assess
    expect(plan.Calls.map((call) => `${call.Service} ${call.Action}`)).toEqual([
      'ElastiCache CreateUser',
      'ElastiCache CreateUserGroup',
      'ElastiCache ModifyReplicationGroup',
      'SecretsManager DeleteSecret',
      'ElastiCache DeleteUser',
      'ElastiCache DeleteUser',
      'ElastiCache DeleteUserGroup',
      'ElastiCache DeleteUser',
    ]);
    expect(plan.Calls[3]?.Parameters).toEqual({
      SecretId: `elasticache-provisioner/${id}-users/${id}-app`,
      ForceDeleteWithoutRecovery: true,
    });
    expect(describePlan(plan).join('\n')).toContain(
      `- UserGroup[${id}-users]: "attached to ${id}" -> (none)`,
    );
  });
});
