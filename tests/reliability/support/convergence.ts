/**
 * Whether the account ended as one successful run of a request leaves it: one replication group of
 * the requested shape, available, whose endpoints the result gives; the user group with every
 * requested user; each user once, active, with the requested access string and the password its
 * secret holds; one generated secret per user that needs one; nothing deleted, nothing created twice.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { StandInCall } from '../../../local/standin';
import type { ProvisioningResult } from '../../../shared/provision/state';
import { passwordsInSecretString } from '../secretScan';
import { resourcesOf } from './account';
import type { Harness } from './harness';
import { givenSecretName, idsOf, type RbacUser, type Request } from './requests';

const MANAGED_DEFAULT_ACCESS_STRING = 'off -@all';

function normaliseAccessString(text: string | undefined): string {
  return (text ?? '').trim().split(/\s+/).join(' ');
}

/** Creates that succeeded and deletes of any kind, among the calls of a scenario. */
export function mutationCounts(calls: readonly StandInCall[]) {
  const succeeded = (action: string) =>
    calls.filter((call) => call.action === action && call.status === 200).length;
  return {
    createReplicationGroup: succeeded('CreateReplicationGroup'),
    createUserGroup: succeeded('CreateUserGroup'),
    createUser: succeeded('CreateUser'),
    createSecret: succeeded('CreateSecret'),
    modifyUser: succeeded('ModifyUser'),
    modifyUserGroup: succeeded('ModifyUserGroup'),
    deletes: calls.filter((call) => call.action.startsWith('Delete')).map((call) => call.action),
  };
}

/** Every way the account differs from what the request asks for; empty when it converged. */
export async function convergenceProblems(
  harness: Harness,
  request: Request,
  output: unknown,
  /** Users the group held before the run that the request does not name: kept, never removed. */
  keptUserIds: string[] = [],
): Promise<string[]> {
  const problems: string[] = [];
  const result = output as ProvisioningResult | undefined;
  const found = resourcesOf(harness.standIn, request);
  const { ids } = found;
  const group = found.replicationGroup;

  if (!group) return [`replication group ${ids.replicationGroupId} does not exist`];
  if (group.status !== 'available') problems.push(`replication group is ${group.status}, not available`);
  if (!result) return [...problems, 'the execution has no result'];
  if (result.ReplicationGroupId !== ids.replicationGroupId) problems.push('the result names another group');
  if (result.ARN !== group.arn)
    problems.push(`the result's ARN ${result.ARN} is not the group's ${group.arn}`);

  // The endpoints a client is given are the ones the nodes serve.
  const nodes = group.nodes;
  const endpoint = (e?: { address: string; port: number }) => e && { Address: e.address, Port: e.port };
  const expectedEndpoints =
    group.clusterMode === 'enabled'
      ? { Configuration: endpoint(nodes?.configurationEndpoint) }
      : { Primary: endpoint(nodes?.primaryEndpoint), Reader: endpoint(nodes?.readerEndpoint) };
  if (JSON.stringify(result.Endpoints) !== JSON.stringify(expectedEndpoints)) {
    problems.push(
      `the result's endpoints ${JSON.stringify(result.Endpoints)} are not the nodes' ${JSON.stringify(expectedEndpoints)}`,
    );
  }

  const rbac = (request as { Rbac?: { UserGroupId: string; Users: RbacUser[] } }).Rbac;
  if (!rbac) return problems;

  const userGroup = found.userGroup;
  if (!userGroup) return [...problems, `user group ${ids.userGroupId} does not exist`];
  if (userGroup.status !== 'active') problems.push(`user group is ${userGroup.status}, not active`);
  const members = [...ids.userIds, ...keptUserIds];
  if (JSON.stringify([...userGroup.userIds].sort()) !== JSON.stringify([...members].sort())) {
    problems.push(`user group holds ${userGroup.userIds.join(', ')}, not ${members.join(', ')}`);
  }
  if (!group.userGroupIds.includes(userGroup.userGroupId)) {
    problems.push('the replication group does not use the user group');
  }

  const requested = new Map(rbac.Users.map((user) => [user.UserId.toLowerCase(), user]));
  const generatedUsers = ids.passwordUserIds.filter((userId) => !requested.get(userId)?.PasswordSecretId);
  const generatedNames = new Set(found.generatedSecrets.map((secret) => secret.name));
  const expectedNames = new Set(
    generatedUsers.map((userId) => `elasticache-provisioner/${ids.userGroupId}/${userId}`),
  );
  if ([...generatedNames].sort().join() !== [...expectedNames].sort().join()) {
    problems.push(
      `generated secrets are ${[...generatedNames].join(', ')}, not ${[...expectedNames].join(', ')}`,
    );
  }
  if (found.deletedSecrets.length > 0) problems.push('a secret was scheduled for deletion');

  const nodeUsers = harness.nodes.groups.get(ids.replicationGroupId)?.users ?? [];
  for (const [index, userId] of ids.userIds.entries()) {
    const user = found.users[index];
    if (!user) {
      problems.push(`user ${userId} does not exist`);
      continue;
    }
    if (user.status !== 'active') problems.push(`user ${userId} is ${user.status}, not active`);
    const wanted = requested.get(userId)?.AccessString ?? MANAGED_DEFAULT_ACCESS_STRING;
    if (normaliseAccessString(user.accessString) !== normaliseAccessString(wanted)) {
      problems.push(`user ${userId} has access string "${user.accessString}", not "${wanted}"`);
    }
    const inResult = result.Users.filter((entry) => entry.UserId === userId);
    if (inResult.length !== 1) problems.push(`user ${userId} is in the result ${inResult.length} times`);
    if (!ids.passwordUserIds.includes(userId)) continue;

    // The password the nodes were given is the one the user's secret holds.
    const secretId = requested.get(userId)?.PasswordSecretId
      ? givenSecretName(ids.replicationGroupId)
      : `elasticache-provisioner/${ids.userGroupId}/${userId}`;
    const secret = [...harness.standIn.state.secrets.values()].find(
      (entry) => entry.name === secretId && entry.deletedAt === undefined,
    );
    if (!secret) {
      problems.push(`the secret of user ${userId} (${secretId}) does not exist`);
      continue;
    }
    if (inResult[0]?.PasswordSecretArn !== secret.arn) {
      problems.push(
        `the result gives user ${userId} secret ${inResult[0]?.PasswordSecretArn}, not ${secret.arn}`,
      );
    }
    const value = await harness.admin.secretsManager.send(
      new GetSecretValueCommand({ SecretId: secret.arn }),
    );
    const [password] = passwordsInSecretString(value.SecretString);
    const onNodes = nodeUsers.find((entry) => entry.userName === user.userName)?.passwords ?? [];
    if (onNodes.length !== 1 || onNodes[0] !== password) {
      problems.push(`the nodes do not hold user ${userId} with the password of its secret`);
    }
  }
  return problems;
}

/** Requests whose ids this scenario owns: nothing of theirs may exist twice (the stand-in keys by id). */
export function duplicateProblems(calls: readonly StandInCall[], requests: readonly Request[]): string[] {
  const counts = mutationCounts(calls);
  const problems: string[] = [];
  const users = new Set(requests.flatMap((request) => idsOf(request).userIds)).size;
  const groups = new Set(requests.map((request) => idsOf(request).replicationGroupId)).size;
  const userGroups = new Set(requests.map((request) => idsOf(request).userGroupId).filter(Boolean)).size;
  if (counts.createReplicationGroup > groups) {
    problems.push(`${counts.createReplicationGroup} replication groups created for ${groups}`);
  }
  if (counts.createUserGroup > userGroups) {
    problems.push(`${counts.createUserGroup} user groups created for ${userGroups}`);
  }
  if (counts.createUser > users) problems.push(`${counts.createUser} users created for ${users}`);
  if (counts.deletes.length > 0) problems.push(`deleted: ${counts.deletes.join(', ')}`);
  return problems;
}
