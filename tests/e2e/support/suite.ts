/**
 * The set-up every e2e file shares: provision one fixture on real nodes before the file's tests,
 * close the environment after them, and prove that closing leaves nothing behind.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  footprintOf,
  type LocalProvisioning,
  leftoversOf,
  membersOf,
  NOTHING_LEFT,
  nodesOf,
  portsAccepting,
  provisionLocally,
  readFixture,
  reportTimings,
} from './local';
import {
  type Access,
  asEndpoint,
  type Credentials,
  configurationEndpointOf,
  connectCluster,
  connectNode,
  credentialsOf,
  GENERATED_PASSWORD,
  keysAcrossSlots,
  readCredentials,
  shardServing,
} from './redis';

export interface ProvisionedSuite {
  replicationGroupId: string;
  /** The run's environment and result; throws when provisioning failed in beforeAll. */
  provisioned(): LocalProvisioning;
  /** The group's CA certificate (TLS groups; '' otherwise). */
  ca(): string;
  /** Each user's credentials, read from its secret (RBAC groups). */
  users(): Record<string, Credentials>;
  /** Connecting as this user over the group's TLS. */
  as(userName: string): Access;
}

/**
 * Provisions `fixture` in `beforeAll` and closes it in `afterAll`; `secured` groups (TLS and RBAC)
 * also have their CA and user credentials read.
 */
export function provisionForSuite(fixture: string, shape: string, options: { secured?: boolean } = {}) {
  const replicationGroupId = readFixture(fixture).ReplicationGroupId;
  let provisioning: LocalProvisioning | undefined;
  let users: Record<string, Credentials> = {};
  let ca = '';

  beforeAll(async () => {
    provisioning = await provisionLocally(fixture);
    if (!options.secured) return;
    const caPath = provisioning.env.standIn.caCertificatePath(replicationGroupId);
    if (!caPath) throw new Error('The TLS group has no CA certificate');
    ca = readFileSync(caPath, 'utf8');
    users = await readCredentials(provisioning.result, provisioning.env.endpoints.secretsmanager);
  });

  afterAll(async () => {
    reportTimings(shape, provisioning);
    await provisioning?.env.close();
  });

  const suite: ProvisionedSuite = {
    replicationGroupId,
    provisioned() {
      if (!provisioning) throw new Error('Provisioning failed in beforeAll');
      return provisioning;
    },
    ca: () => ca,
    users: () => users,
    as: (userName) => ({ ca, credentials: credentialsOf(users, userName) }),
  };
  return suite;
}

/** Generated passwords live in Secrets Manager only: each user's differs and none is in the execution. */
export function itKeepsPasswordsOutOfTheExecution(suite: ProvisionedSuite, userNames: string[]): void {
  it('keeps the generated passwords in Secrets Manager, out of the execution history and result', () => {
    // Prepare
    const { run } = suite.provisioned();
    const execution = JSON.stringify([run.history, run.events, run.output, run.error]);
    const passwords = userNames.map((name) => credentialsOf(suite.users(), name).password);

    // Assess
    for (const password of passwords) {
      expect(password).toMatch(GENERATED_PASSWORD);
      expect(execution.includes(password), 'a password is in the execution').toBe(false);
    }
    expect(new Set(passwords).size).toBe(userNames.length);
  });
}

/** The last test of an e2e file: closing the environment stops every node and removes its files. */
export function itLeavesNothingBehind(suite: ProvisionedSuite, nodeCount: number): void {
  it('leaves no node process, port or directory behind once the environment is closed', async () => {
    // Prepare
    const { env } = suite.provisioned();
    const footprint = footprintOf(nodesOf(env, suite.replicationGroupId));
    expect(footprint.pids).toHaveLength(nodeCount);
    expect(await portsAccepting(footprint.ports)).toEqual(footprint.ports);
    if (suite.ca()) {
      expect(env.standIn.caCertificatePath(suite.replicationGroupId)?.startsWith(footprint.workDir)).toBe(
        true,
      );
    }

    // Act
    await env.close();

    // Assess
    expect(await leftoversOf(footprint)).toEqual(NOTHING_LEFT);
  });
}

/**
 * What a group provisioned from scratch reports: available, with the endpoints of its cluster mode.
 * A group with `rbac` runs TLS and reports its user group and its users (each but the default user
 * with its secret) created, a user's id being the group's id and its name; one without, neither.
 */
export function expectCreated(
  suite: ProvisionedSuite,
  clusterMode: 'enabled' | 'disabled',
  rbac?: { userGroupId: string; userNames: string[] },
): void {
  const { result, env } = suite.provisioned();
  const userIds = rbac?.userNames.map((name) => `${rbac.userGroupId}-${name}`) ?? [];
  const endpoint = { Address: '127.0.0.1', Port: expect.any(Number) };
  expect(result).toMatchObject({
    ReplicationGroupId: suite.replicationGroupId,
    Status: 'available',
    ClusterMode: clusterMode,
    Endpoints:
      clusterMode === 'enabled' ? { Configuration: endpoint } : { Primary: endpoint, Reader: endpoint },
    TransitEncryptionEnabled: rbac !== undefined,
    UserGroupIds: rbac ? [rbac.userGroupId] : [],
    Created: { Users: userIds, UserGroup: rbac !== undefined, ReplicationGroup: true },
  });
  const secretArn = expect.stringMatching(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:/);
  // The managed default user is off and has no password, so no secret.
  expect(result.Users).toEqual(
    userIds.map((UserId, index) => {
      const UserName = rbac?.userNames[index];
      return UserName === 'default'
        ? { UserId, UserName }
        : { UserId, UserName, PasswordSecretArn: secretArn };
    }),
  );
  if (!rbac) expect(env.standIn.caCertificatePath(suite.replicationGroupId)).toBeUndefined();
}

/** A cluster client (as `access` gives) writes and reads keys that land on each of the `shards` shards. */
export async function expectEveryShardServes(
  suite: ProvisionedSuite,
  shards: number,
  access: Access = {},
): Promise<void> {
  // Prepare
  const keys = keysAcrossSlots(shards * 4);
  const nodes = nodesOf(suite.provisioned().env, suite.replicationGroupId);
  const cluster = await connectCluster(configurationEndpointOf(suite.provisioned().result), access);
  const primaries = await Promise.all(
    membersOf(nodes)
      .filter((member) => member.role === 'primary')
      .map((member) => connectNode(asEndpoint(member), access)),
  );
  try {
    // Act
    for (const key of keys) await cluster.set(key, `value of ${key}`);
    const values = await Promise.all(keys.map((key) => cluster.get(key)));
    const served = await Promise.all(keys.map((key) => shardServing(key, primaries)));

    // Assess
    expect(values).toEqual(keys.map((key) => `value of ${key}`));
    expect(new Set(served).size).toBe(shards);
  } finally {
    await cluster.close();
    for (const primary of primaries) primary.destroy();
  }
}
