/**
 * The deployed artefacts themselves, run: each function's bundle from `serverless package` (minified,
 * the SDK inside, the env-only credential provider aliased in) imported in a fresh Node process as
 * Lambda would, with credentials in the environment, calling the local stand-in through the real SDK.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../local/standin';
import type { NormalisedRequest, ProvisionState } from '../../shared/provision/state';
import { packaged } from '../reliability/support/packaged';
import { ROOT } from './support/package';
import { readZip } from './support/zip';

const run = promisify(execFile);

let standIn: StandIn;
let bundlesDirectory: string;
/** Each function's bundle as its zip holds it. */
const bundleBytes = new Map<string, number>();
/** Every function is 250 KB or less minified: bundle size is cold-start time (`npm run bench` times it). */
const BUNDLE_BUDGET_BYTES = 250 * 1024;

beforeAll(async () => {
  const [output, started] = await Promise.all([packaged(), startStandIn({ delays: { userCreateMs: 0 } })]);
  standIn = started;
  for (const zip of readdirSync(output.directory).filter((name) => name.endsWith('.zip'))) {
    const fn = zip.slice(0, -'.zip'.length);
    const bundle = readZip(readFileSync(join(output.directory, zip))).find(
      (entry) => entry.name === `functions/${fn}.mjs`,
    );
    if (bundle) bundleBytes.set(fn, bundle.data().length);
  }
  bundlesDirectory = join(output.directory, 'bundles-run');
  mkdirSync(bundlesDirectory, { recursive: true });
  for (const fn of ['validateRequest', 'ensureUsers', 'rotatePassword']) {
    const entries = readZip(readFileSync(join(output.directory, `${fn}.zip`)));
    const bundle = entries.find((entry) => entry.name === `functions/${fn}.mjs`);
    if (!bundle) throw new Error(`${fn}.zip holds no functions/${fn}.mjs`);
    writeFileSync(join(bundlesDirectory, `${fn}.mjs`), bundle.data());
  }
}, 300_000);

afterAll(async () => {
  await standIn?.close();
});

/** Invokes a bundle's handler in a fresh process; resolves with its result or the error it threw. */
async function invoke(
  fn: string,
  event: unknown,
  credentials: Record<string, string>,
): Promise<{ result?: unknown; error?: { name: string; message: string } }> {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(join(bundlesDirectory, `${fn}.mjs`)).href)});
    const context = { functionName: ${JSON.stringify(fn)}, awsRequestId: 'bundle-test', memoryLimitInMB: '128',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:${fn}', getRemainingTimeInMillis: () => 30000 };
    try {
      const result = await handler(JSON.parse(process.env.EVENT), context);
      process.stdout.write('\\n' + JSON.stringify({ result }));
    } catch (err) {
      process.stdout.write('\\n' + JSON.stringify({ error: { name: err.name, message: err.message } }));
    }`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_ELASTICACHE: standIn.elastiCacheUrl,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.secretsManagerUrl,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      EVENT: JSON.stringify(event),
      ...credentials,
    },
    timeout: 30_000,
  });
  // The last line is the outcome; anything before it is the function's own logging.
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local-secret',
  AWS_SESSION_TOKEN: 'token',
};

describe('the packaged bundles', () => {
  it('are each 250 KB or less', () => {
    // Assess
    expect(bundleBytes.size).toBeGreaterThanOrEqual(10);
    const over = [...bundleBytes].filter(([, bytes]) => bytes > BUNDLE_BUDGET_BYTES);
    expect(over.map(([fn, bytes]) => `${fn} ${(bytes / 1024).toFixed(1)} KB`)).toEqual([]);
  });
});

describe('the packaged bundles, run as Lambda runs them', () => {
  let request: NormalisedRequest;
  let generatedSecretArn: string | undefined;

  it('validateRequest resolves the engine version through the SDK with the credentials Lambda puts in the environment', async () => {
    // Prepare
    const event = JSON.parse(readFileSync(join(ROOT, 'events/cluster-mode-disabled-rbac.json'), 'utf8'));

    // Act
    const outcome = await invoke('validateRequest', event, CREDENTIALS);

    // Assess
    expect(outcome.error).toBeUndefined();
    request = outcome.result as NormalisedRequest;
    expect(request).toMatchObject({
      ReplicationGroupId: 'redis202104',
      EngineVersion: '7.1',
      CacheParameterGroupFamily: 'redis7',
    });
    expect(standIn.calls.map((call) => call.action)).toEqual(
      expect.arrayContaining(['DescribeCacheEngineVersions', 'DescribeUserGroups']),
    );
  });

  it('ensureUsers creates the users and their generated secrets through both SDK clients', async () => {
    // Prepare
    const state: ProvisionState = { request };

    // Act
    const outcome = await invoke('ensureUsers', state, CREDENTIALS);

    // Assess
    expect(outcome.error).toBeUndefined();
    // The function returns the state document with its result under `users`.
    const users = (outcome.result as { users: { Users: { UserId: string; PasswordSecretArn?: string }[] } })
      .users.Users;
    expect(users.map((user) => user.UserId)).toEqual(request.Rbac?.Users.map((user) => user.UserId));
    const generated = users.filter((user) =>
      user.PasswordSecretArn?.includes(':secret:elasticache-provisioner/'),
    );
    expect(generated.length).toBeGreaterThan(0);
    generatedSecretArn = generated[0]?.PasswordSecretArn;
    expect(standIn.calls.map((call) => call.action)).toEqual(
      expect.arrayContaining(['CreateSecret', 'CreateUser']),
    );
  });

  it('rotatePassword reads the secret through the SDK and refuses, by its literal name, a secret not being rotated', async () => {
    // Prepare
    const event = { Step: 'createSecret', SecretId: generatedSecretArn, ClientRequestToken: 'token-1' };

    // Act
    const outcome = await invoke('rotatePassword', event, CREDENTIALS);

    // Assess
    expect(outcome.error).toEqual({
      name: 'RotationNotPending',
      message: expect.stringContaining('rotation enabled'),
    });
    expect(standIn.calls.map((call) => call.action)).toContain('DescribeSecret');
  });

  it('refuses to run without credentials in the environment: the SDK credential chain is not in the bundle', async () => {
    // Act
    const outcome = await invoke('validateRequest', { ReplicationGroupId: 'no-credentials' }, {});

    // Assess
    expect(outcome.error).toEqual({
      name: 'CredentialsNotInEnvironment',
      message: expect.stringContaining('AWS_ACCESS_KEY_ID'),
    });
  });
});
