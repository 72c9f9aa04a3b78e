/**
 * The account as a person (or an earlier run) left it, and as the workflow leaves it: resources made
 * directly with the SDK before a run, and what the stand-in holds after one.
 */
import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  ModifyUserGroupCommand,
} from '@aws-sdk/client-elasticache';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { StandIn } from '../../../local/standin';
import { givenSecretName, givenSecretValue, idsOf, type Request } from './requests';

/** The test's own clients: quick retries, so a fault plan does not get in the way of setting up. */
export function adminClients(standIn: StandIn) {
  const config = {
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'admin', secretAccessKey: 'admin' },
    retryStrategy: new ConfiguredRetryStrategy(20, 5),
  };
  return { elastiCache: new ElastiCacheClient(config), secretsManager: new SecretsManagerClient(config) };
}

type Admin = ReturnType<typeof adminClients>;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

/** The secret an RBAC request names for its `given` user. */
export async function createGivenSecret(admin: Admin, id: string): Promise<string> {
  const out = await admin.secretsManager.send(
    new CreateSecretCommand({
      Name: givenSecretName(id),
      SecretString: JSON.stringify(givenSecretValue(id)),
    }),
  );
  return out.ARN ?? givenSecretName(id);
}

/** A user made outside the workflow: with a password, or IAM-authenticated without one. */
export async function createActiveUser(
  admin: Admin,
  user: { UserId: string; UserName: string; AccessString: string; Engine?: string; Password?: string },
): Promise<void> {
  await admin.elastiCache.send(
    new CreateUserCommand({
      UserId: user.UserId,
      UserName: user.UserName,
      Engine: user.Engine ?? 'redis',
      AccessString: user.AccessString,
      AuthenticationMode: user.Password ? { Type: 'password', Passwords: [user.Password] } : { Type: 'iam' },
    }),
  );
  await until(`user ${user.UserId} to be active`, async () => {
    const out = await admin.elastiCache.send(new DescribeUsersCommand({ UserId: user.UserId }));
    return out.Users?.[0]?.Status === 'active';
  });
}

export async function createActiveUserGroup(
  admin: Admin,
  group: { UserGroupId: string; UserIds: string[]; Engine?: string },
): Promise<void> {
  await admin.elastiCache.send(new CreateUserGroupCommand({ Engine: 'redis', ...group }));
  await userGroupActive(admin, group.UserGroupId);
}

export async function userGroupActive(admin: Admin, userGroupId: string): Promise<void> {
  await until(`user group ${userGroupId} to be active`, async () => {
    const out = await admin.elastiCache.send(new DescribeUserGroupsCommand({ UserGroupId: userGroupId }));
    return out.UserGroups?.[0]?.Status === 'active';
  });
}

export async function addToUserGroup(admin: Admin, userGroupId: string, userIds: string[]): Promise<void> {
  await admin.elastiCache.send(
    new ModifyUserGroupCommand({ UserGroupId: userGroupId, UserIdsToAdd: userIds }),
  );
}

export async function createAvailableReplicationGroup(
  admin: Admin,
  params: ConstructorParameters<typeof CreateReplicationGroupCommand>[0],
): Promise<void> {
  await admin.elastiCache.send(new CreateReplicationGroupCommand(params));
  await until(`replication group ${params.ReplicationGroupId} to be available`, async () => {
    const out = await admin.elastiCache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: params.ReplicationGroupId }),
    );
    return out.ReplicationGroups?.[0]?.Status === 'available';
  });
}

/** What the stand-in holds for a request's ids, statuses brought up to date. */
export function resourcesOf(standIn: StandIn, request: Request) {
  const ids = idsOf(request);
  const state = standIn.state;
  const secretPrefix = `elasticache-provisioner/${ids.userGroupId ?? ''}/`;
  return {
    ids,
    replicationGroup: state.replicationGroups.get(ids.replicationGroupId),
    userGroup: ids.userGroupId ? state.userGroups.get(ids.userGroupId) : undefined,
    users: ids.userIds.map((userId) => state.users.get(userId)),
    /** Secrets the workflow generated for this request's users (by name: one per user at most). */
    generatedSecrets: [...state.secrets.values()].filter(
      (secret) => secret.name.startsWith(secretPrefix) && secret.deletedAt === undefined,
    ),
    deletedSecrets: [...state.secrets.values()].filter((secret) => secret.deletedAt !== undefined),
  };
}
