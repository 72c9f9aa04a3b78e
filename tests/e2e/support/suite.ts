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
  NOTHING_LEFT,
  nodesOf,
  portsAccepting,
  provisionLocally,
  readFixture,
  reportTimings,
} from './local';
import { type Access, type Credentials, credentialsOf, GENERATED_PASSWORD, readCredentials } from './redis';

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
