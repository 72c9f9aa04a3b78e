/**
 * Scenario requests from tests/fixtures/reliability/, each given ids of its own so scenarios can share
 * one stand-in without touching each other's resources.
 */
import { readFileSync } from 'node:fs';
import type { FaultPlan } from '../../../local/standin';

export type Request = Record<string, unknown> & { ReplicationGroupId: string };

export interface RbacUser {
  UserId: string;
  UserName: string;
  AccessString: string;
  AuthenticationType?: 'password' | 'iam';
  PasswordSecretId?: string;
}

export type RbacRequest = Request & { Rbac: { UserGroupId: string; Users: RbacUser[] } };

export function fixturePath(name: string): string {
  return new URL(`../../fixtures/reliability/${name}`, import.meta.url).pathname;
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

export function faultPlan(name: string): FaultPlan {
  return readFixture<FaultPlan>(name);
}

/** The fixture's ids (`reliability`, `reliability-users`, `reliability-app`, ...) rewritten to start with `id`. */
function withIds<T>(value: T, id: string): T {
  return JSON.parse(
    JSON.stringify(value).replace(/"reliability(-[a-z]+)?"/g, (_, suffix: string | undefined) =>
      suffix ? `"${id}${suffix}"` : `"${id}"`,
    ),
  ) as T;
}

/**
 * Cluster mode disabled, TLS and RBAC: a user with a generated password, one whose password is in a
 * secret the request names (`<id>/given`), an IAM user, and the default user the workflow manages.
 */
export function rbacRequest(id: string): RbacRequest {
  const request = withIds(readFixture<RbacRequest>('rbac-request.json'), id);
  for (const user of request.Rbac.Users) {
    if (user.PasswordSecretId !== undefined) user.PasswordSecretId = givenSecretName(id);
  }
  return request;
}

/** Valkey with TLS and one IAM-authenticated user: no password, no default user to manage. */
export function valkeyIamRequest(id: string): RbacRequest {
  return withIds(readFixture<RbacRequest>('valkey-iam-request.json'), id);
}

export function clusterModeEnabledRequest(id: string): Request {
  return withIds(readFixture<Request>('cluster-mode-enabled-request.json'), id);
}

export function clusterModeDisabledRequest(id: string): Request {
  return withIds(readFixture<Request>('cluster-mode-disabled-request.json'), id);
}

export function givenSecretName(id: string): string {
  return `${id}/given`;
}

/** The value of the secret an RBAC request names; the password differs per scenario. */
export function givenSecretValue(id: string): { username: string; password: string } {
  const value = readFixture<{ username: string; password: string }>('given-secret.json');
  return { ...value, password: `${value.password}-${id}` };
}

/** Ids as the workflow stores them. */
export function idsOf(request: Request): {
  replicationGroupId: string;
  userGroupId?: string;
  userIds: string[];
  passwordUserIds: string[];
} {
  const rbac = (request as Partial<RbacRequest>).Rbac;
  const userGroupId = rbac?.UserGroupId.toLowerCase();
  const userIds = (rbac?.Users ?? []).map((user) => user.UserId.toLowerCase());
  const passwordUserIds = (rbac?.Users ?? [])
    .filter((user) => user.AuthenticationType !== 'iam')
    .map((user) => user.UserId.toLowerCase());
  // A redis group without a default user gets one managed by the workflow, switched off and without a
  // password (so without a secret).
  const managesDefault =
    rbac !== undefined &&
    (request.Engine ?? 'redis') === 'redis' &&
    !(rbac as { DefaultUser?: unknown }).DefaultUser;
  if (managesDefault && userGroupId) {
    userIds.push(`${userGroupId}-default`);
  }
  return {
    replicationGroupId: request.ReplicationGroupId.toLowerCase(),
    ...(userGroupId ? { userGroupId } : {}),
    userIds,
    passwordUserIds,
  };
}
