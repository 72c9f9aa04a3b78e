import { ModifyUserCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import type { StandInCall } from '../../local/standin';
import {
  addToUserGroup,
  createActiveUser,
  createActiveUserGroup,
  createAvailableReplicationGroup,
  createGivenSecret,
  resourcesOf,
} from './support/account';
import { convergenceProblems, duplicateProblems, mutationCounts } from './support/convergence';
import { useHarness } from './support/harness';
import {
  clusterModeDisabledRequest,
  clusterModeEnabledRequest,
  faultPlan,
  type RbacRequest,
  rbacRequest,
  valkeyIamRequest,
} from './support/requests';

const harness = useHarness();

/** Calls that create, change or delete anything. */
function changes(calls: StandInCall[]): string[] {
  return calls
    .filter((call) => /^(Create|Modify|Delete|Put|Add|Remove|Tag|Untag)/.test(call.action))
    .map((call) => `${call.action} ${call.status}`);
}

/** An account as a first successful run of the request leaves it. */
async function provisioned(request: RbacRequest, id: string) {
  await createGivenSecret(harness.admin, id);
  const first = await harness.execute(request);
  expect(first.status, first.error?.Cause).toBe('SUCCEEDED');
}

describe('an account that differs from the request is converged, never destroyed', () => {
  it('modifies an existing user whose access string differs, keeping its password, deleting nothing', async () => {
    // Prepare: provisioned once; then the team asks for another access string.
    const id = 'converge-access';
    await provisioned(rbacRequest(id), id);
    const request = rbacRequest(id);
    const app = request.Rbac.Users[0];
    if (!app) throw new Error('the fixture has an app user');
    app.AccessString = 'on ~app:* ~audit:* -@all +@read +@connection';
    const passwordCount = resourcesOf(harness.standIn, request).users[0]?.passwordCount;
    const mark = harness.standIn.calls.length;

    // Act
    const run = await harness.execute(request);

    // Assess
    const calls = harness.callsSince(mark);
    expect(run.status, run.error?.Cause).toBe('SUCCEEDED');
    // The change mark around the one change (see shared/provision/change/lock.ts).
    expect(changes(calls)).toEqual(['AddTagsToResource 200', 'ModifyUser 200', 'RemoveTagsFromResource 200']);
    expect(resourcesOf(harness.standIn, request).users[0]?.passwordCount).toBe(passwordCount);
    expect(await convergenceProblems(harness, request, run.output)).toEqual([]);
  });

  it('puts back an access string changed by hand since the last run', async () => {
    // Prepare
    const id = 'converge-drift';
    const request = rbacRequest(id);
    await provisioned(request, id);
    const app = request.Rbac.Users[0]?.UserId ?? '';
    await harness.admin.elastiCache.send(new ModifyUserCommand({ UserId: app, AccessString: 'on ~* +@all' }));
    const mark = harness.standIn.calls.length;

    // Act
    const run = await harness.execute(request);

    // Assess
    expect(run.status, run.error?.Cause).toBe('SUCCEEDED');
    expect(mutationCounts(harness.callsSince(mark))).toMatchObject({ modifyUser: 1, deletes: [] });
    expect(await convergenceProblems(harness, request, run.output)).toEqual([]);
  });

  it('adds a user missing from an existing group once the group is active again; a member the request does not name leaves it, undeleted', async () => {
    // Prepare: provisioned with one user fewer; meanwhile a person adds someone to the group, a change
    // that keeps the group `modifying` for a second.
    const id = 'converge-members';
    const full = rbacRequest(id);
    const fewer = structuredClone(full);
    fewer.Rbac.Users = fewer.Rbac.Users.filter((user) => user.UserName !== 'given');
    await provisioned(fewer, id);
    const outsider = `${id}-outsider`;
    await createActiveUser(harness.admin, {
      UserId: outsider,
      UserName: 'outsider',
      AccessString: 'on ~tmp:* +@read',
      Password: 'Outsider-Password-0001',
    });
    harness.setFaults(faultPlan('user-group-modifying.json'));
    await addToUserGroup(harness.admin, full.Rbac.UserGroupId, [outsider]);
    const mark = harness.standIn.calls.length;

    // Act
    const run = await harness.execute(full);

    // Assess: the user added when the group was active, then the outsider taken out (the request is
    // the source of truth for the members), and not deleted: the provisioner did not create it.
    const calls = harness.callsSince(mark);
    expect(run.status, run.error?.Cause).toBe('SUCCEEDED');
    expect(calls.filter((call) => call.action === 'ModifyUserGroup').map((call) => call.status)).toEqual([
      200, 200,
    ]);
    expect(changes(calls)).toEqual([
      'AddTagsToResource 200',
      'CreateUser 200',
      'ModifyUserGroup 200',
      'ModifyUserGroup 200',
      'RemoveTagsFromResource 200',
    ]);
    expect(harness.standIn.state.users.get(outsider)?.status).toBe('active');
    expect(await convergenceProblems(harness, full, run.output)).toEqual([]);
  });

  it('the convergence check itself notices an account that differs from the request', async () => {
    // Prepare
    const id = 'converge-check';
    const request = rbacRequest(id);
    await provisioned(request, id);
    const again = await harness.execute(request);
    await harness.admin.elastiCache.send(
      new ModifyUserCommand({ UserId: request.Rbac.Users[0]?.UserId ?? '', AccessString: 'on ~* +@all' }),
    );

    // Act
    const problems = await convergenceProblems(harness, request, again.output);

    // Assess
    expect(problems.join('\n')).toContain('access string');
  });
});

describe('a conflict with an existing resource changes nothing', () => {
  it('fails with ConflictError for a replication group of the other cluster mode, without a single change', async () => {
    // Prepare
    const existing = clusterModeEnabledRequest('conflict-shape');
    await createAvailableReplicationGroup(harness.admin, {
      ReplicationGroupId: existing.ReplicationGroupId,
      ReplicationGroupDescription: 'Made by hand',
      Engine: 'valkey',
      EngineVersion: '8.0',
      ClusterMode: 'enabled',
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 1,
      AutomaticFailoverEnabled: true,
      CacheParameterGroupName: 'default.valkey8.cluster.on',
    });
    const mark = harness.standIn.calls.length;

    // Act
    const run = await harness.execute(clusterModeDisabledRequest('conflict-shape'));

    // Assess
    expect(run.error?.Error).toBe('ConflictError');
    expect(run.error?.Cause).toContain('ClusterMode');
    expect(changes(harness.callsSince(mark))).toEqual([]);
    expect(resourcesOf(harness.standIn, existing).replicationGroup?.clusterMode).toBe('enabled');
  });

  it('fails with ConflictError for a replication group of another shape before making users, secrets or a user group', async () => {
    // Prepare: the group exists with 3 nodes; the request (with RBAC) asks for 2.
    const id = 'conflict-rbac';
    const request = rbacRequest(id);
    await createGivenSecret(harness.admin, id);
    await createAvailableReplicationGroup(harness.admin, {
      ReplicationGroupId: request.ReplicationGroupId,
      ReplicationGroupDescription: 'Made by hand',
      Engine: 'redis',
      EngineVersion: '7.1',
      NumCacheClusters: 3,
      TransitEncryptionEnabled: true,
    });
    const mark = harness.standIn.calls.length;

    // Act
    const run = await harness.execute(request);

    // Assess
    expect(run.error?.Error).toBe('ConflictError');
    expect(changes(harness.callsSince(mark))).toEqual([]);
    expect(resourcesOf(harness.standIn, request).users.filter(Boolean)).toEqual([]);
  });

  it('fails with ConflictError for an existing user of another UserName, without a single change', async () => {
    // Prepare
    const id = 'conflict-user';
    const request = rbacRequest(id);
    await createGivenSecret(harness.admin, id);
    const app = request.Rbac.Users[0];
    if (!app) throw new Error('the fixture has an app user');
    await createActiveUser(harness.admin, {
      UserId: app.UserId,
      UserName: 'someone-else',
      AccessString: app.AccessString,
      Password: 'Someone-Elses-Password-01',
    });
    const mark = harness.standIn.calls.length;

    // Act
    const run = await harness.execute(request);

    // Assess
    expect(run.error?.Error).toBe('ConflictError');
    expect(run.error?.Cause).toContain('UserName');
    expect(changes(harness.callsSince(mark))).toEqual([]);
  });

  it('fails with ConflictError for an existing user group of the other engine before making users', async () => {
    // Prepare: a redis group of that id exists; the request is for valkey.
    const request = valkeyIamRequest('conflict-group');
    await createActiveUserGroup(harness.admin, {
      UserGroupId: request.Rbac.UserGroupId,
      UserIds: ['default'],
      Engine: 'redis',
    });
    const mark = harness.standIn.calls.length;

    // Act
    const run = await harness.execute(request);

    // Assess
    expect(run.error?.Error).toBe('ConflictError');
    expect(changes(harness.callsSince(mark))).toEqual([]);
    expect(duplicateProblems(harness.callsSince(mark), [request])).toEqual([]);
  });
});
