import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ProvisioningResult } from '../../shared/provision/state';
import { killLeftoverCliProcesses, parsesAsJson, runCli, startCli, waitForOutput } from './support/cli';
import {
  FIXTURES_DIR,
  leftoversOf,
  NOTHING_LEFT,
  REPO_ROOT,
  redisServerProcesses,
  requireRedisServer,
} from './support/local';
import {
  configurationEndpointOf,
  connectionOutcome,
  credentialsOf,
  primaryAndReaderOf,
  readCredentials,
  withNode,
} from './support/redis';

const fixture = (name: string) => path.join(FIXTURES_DIR, name);
const INVALID_REQUEST = path.join(REPO_ROOT, 'events/invalid/password-in-request.json');
/** The password the invalid request carries. */
const REJECTED_PASSWORD = 'REPLACE_ME';
/** What a generated password looks like (32+ letters and digits); nothing else printed is that long. */
const PASSWORD_LIKE = /[A-Za-z0-9]{32,}/;

type LocalResult = ProvisioningResult & {
  Local: { Endpoints: { elasticache: string; secretsmanager: string }; CaCertificate?: string };
};

/** The group's directory: the CA lives in its tls/ subdirectory. */
const groupDirectoryOf = (caCertificate: string) => path.dirname(path.dirname(caCertificate));

const timings: string[] = [];

describe('npm run provision (local/cli/provision.ts in its own process)', () => {
  afterEach(() => killLeftoverCliProcesses());
  afterAll(() => {
    for (const line of timings) console.info(line);
  });

  it('prints the plan for --plan and exits 0 without starting anything', async () => {
    // Act
    const run = await runCli([fixture('cli-held.json'), '--plan']);

    // Assess
    expect(run).toMatchObject({ code: 0, signal: null, stderr: '' });
    const plan = JSON.parse(run.stdout) as { Request: unknown; Calls: { Action: string }[] };
    expect(plan.Request).toMatchObject({
      ReplicationGroupId: 'e2e-cli-held',
      TransitEncryptionEnabled: true,
    });
    expect(plan.Calls.map((call) => call.Action)).toEqual(
      expect.arrayContaining(['CreateUser', 'CreateUserGroup', 'CreateReplicationGroup']),
    );
  });

  it('answers an invalid request with a ValidationError on stdout and a non-zero exit, with --plan and without', async () => {
    // Act
    const [planned, provisioned] = await Promise.all([
      runCli([INVALID_REQUEST, '--plan']),
      runCli([INVALID_REQUEST, '--no-hold']),
    ]);

    // Assess
    for (const run of [planned, provisioned]) {
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({
        Error: 'ValidationError',
        Cause: {
          problems: [
            {
              field: 'Rbac.Users[0].Passwords',
              message: expect.stringContaining('store the password in Secrets Manager'),
            },
          ],
        },
      });
      expect(run.stdout + run.stderr).not.toContain(REJECTED_PASSWORD);
    }
    expect(provisioned.stderr).toMatch(/ValidateRequest failed: ValidationError/);
  });

  it('with --no-hold provisions, prints one JSON result with the local endpoints and the CA, then tears down', async () => {
    // Prepare
    requireRedisServer();

    // Act
    const run = await runCli([fixture('cli-no-hold.json'), '--no-hold']);

    // Assess
    expect(run, run.stderr).toMatchObject({ code: 0, signal: null });
    const result = JSON.parse(run.stdout) as LocalResult;
    expect(result).toMatchObject({
      ReplicationGroupId: 'e2e-cli-no-hold',
      Status: 'available',
      ClusterMode: 'enabled',
      Endpoints: { Configuration: { Address: '127.0.0.1', Port: expect.any(Number) } },
      TransitEncryptionEnabled: true,
      UserGroupIds: ['e2e-cli-no-hold'],
      Users: [
        { UserId: 'e2e-cli-no-hold-app', UserName: 'app', PasswordSecretArn: expect.any(String) },
        { UserId: 'e2e-cli-no-hold-default', UserName: 'default' },
      ],
      Created: { UserGroup: true, ReplicationGroup: true },
    });
    expect(result.Local).toMatchObject({
      Endpoints: {
        elasticache: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        secretsmanager: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      },
      CaCertificate: expect.stringMatching(/\/tls\/ca\.pem$/),
    });
    for (const state of ['ValidateRequest', 'EnsureUsers', 'EnsureGroup', 'CreateClusterModeEnabled']) {
      expect(run.stderr).toContain(state);
    }
    expect(run.stderr).toMatch(/CheckAvailable \(check 1\)/);
    expect(run.stderr).toMatch(/Available after \d+\.\d\d s, \d+ state transitions/);
    expect(run.stdout + run.stderr).not.toMatch(PASSWORD_LIKE);
    expect(
      await leftoversOf({
        ports: [configurationEndpointOf(result).Port],
        pids: [],
        workDir: groupDirectoryOf(result.Local.CaCertificate ?? ''),
      }),
    ).toEqual(NOTHING_LEFT);
    timings.push(
      `[e2e timing] CLI --no-hold, cluster mode enabled 3x1, TLS, RBAC: exited after ${run.wallMs} ms`,
    );
  });

  it('holds the nodes for clients until SIGTERM, never printing a password, and then leaves nothing behind', async () => {
    // Prepare
    requireRedisServer();
    const cli = startCli([fixture('cli-held.json')]);
    await waitForOutput(cli, () => cli.stderr.includes('The nodes stay up until Ctrl-C.'));
    await waitForOutput(cli, () => parsesAsJson(cli.stdout));
    const heldAfterMs = Math.round(performance.now() - cli.startedAt);
    const result = JSON.parse(cli.stdout) as LocalResult;
    const caCertificate = result.Local.CaCertificate;
    if (!caCertificate) throw new Error('The TLS group has no CA certificate in the output');
    const ca = readFileSync(caCertificate, 'utf8');
    const { primary, reader } = primaryAndReaderOf(result);
    const users = await readCredentials(result, result.Local.Endpoints.secretsmanager);
    const app = { ca, credentials: credentialsOf(users, 'app') };
    const footprint = {
      ports: [primary.Port, reader.Port],
      pids: redisServerProcesses([primary.Port, reader.Port]),
      workDir: groupDirectoryOf(caCertificate),
    };

    // Act: an application connects while the nodes are held
    const read = await withNode(primary, app, async (node) => {
      await node.set('app:held', 'yes');
      return node.get('app:held');
    });
    const unauthenticated = await connectionOutcome(primary, { ca });

    // Assess
    expect(read).toBe('yes');
    expect(unauthenticated).toMatch(/^NOAUTH/);
    expect(footprint.pids).toHaveLength(2);
    expect(cli.stderr).toContain(`--user app`);
    expect(cli.stderr).toContain('npm run --silent password');
    for (const { password } of Object.values(users)) {
      expect(cli.stdout.includes(password), 'a password is on stdout').toBe(false);
      expect(cli.stderr.includes(password), 'a password is on stderr').toBe(false);
    }

    // Act: stopped as Ctrl-C or a process manager would
    cli.child.kill('SIGTERM');
    const exit = await cli.exited;

    // Assess
    expect(cli.stderr).toContain('Stopping the local nodes...');
    // The CLI stops its nodes (waiting for them to end) on a signal, then exits 0.
    expect.soft(await leftoversOf(footprint)).toEqual(NOTHING_LEFT);
    expect.soft(exit).toEqual({ code: 0, signal: null });
    expect(existsSync(caCertificate)).toBe(false);
    timings.push(
      `[e2e timing] CLI held, cluster mode disabled 2 nodes, TLS, RBAC: holding after ${heldAfterMs} ms`,
    );
  });
});
