import {
  CreateUserCommand,
  DescribeUsersCommand,
  ElastiCacheServiceException,
  ModifyUserCommand,
  type User,
  UserAlreadyExistsFault,
} from '@aws-sdk/client-elasticache';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceExistsException,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ResourceNotReady, ValidationError } from '../../shared/errors';
import type { Log } from '../../shared/logger';
import { STATUS_WAIT_LIMIT_MS } from '../../shared/provision/polling';
import type { ProvisionState } from '../../shared/provision/state';
import { ensureUsers } from '../../shared/provision/users';
import { managedTags } from '../../shared/tags';
import { loadState } from '../fixtures/states/load';
import { mockAws, notFound, throttling } from '../support/aws';
import { readJson } from '../support/fixtures';
import { rejection } from '../support/rejection';

const { ec, sm, elastiCache, secretsManager } = mockAws();

/** The clock the tests run at (epoch ms). */
const NOW = Date.UTC(2026, 0, 1);
const APP_SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-app-AbCdEf';
const GIVEN_PASSWORD = 'GivenPassword0123456789givenpassword';
// The fake random source below yields the alphabet in order, so the generated password is predictable.
const GENERATED_PASSWORD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn';
const REUSED_PASSWORD = 'ReusedPassword0123456789reusedpassword';
const DEFAULT_SECRET_NAME = 'elasticache-provisioner/orders/orders-default';
const DEFAULT_SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${DEFAULT_SECRET_NAME}-XyZ123`;
const EXPECTED_TAGS = [
  { Key: 'managed-by', Value: 'elasticache-provisioner' },
  { Key: 'elasticache-provisioner:replication-group', Value: 'orders-cache' },
  { Key: 'team', Value: 'orders' },
];

function sequentialBytes(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, index) => index % 62);
}

function recordingLogger(): { logger: Log; lines: string[] } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: string, ...extra: object[]) => {
      lines.push(JSON.stringify({ level, message, extra }));
    };
  return { logger: { info: record('info'), warn: record('warn'), debug: record('debug') }, lines };
}

function deps(logger: Log = recordingLogger().logger) {
  return { elastiCache, secretsManager, logger, randomBytes: sequentialBytes, clock: { now: () => NOW } };
}

/** The `rbac-redis` state after an earlier check of the loop (one, at NOW, that found no user). */
function afterCheck(previous: Partial<NonNullable<ProvisionState['users']>>): ProvisionState {
  const state = loadState('rbac-redis');
  state.users = {
    Users: [],
    AllActive: false,
    Created: [],
    Modified: [],
    Checks: 1,
    FirstCheckedAt: NOW,
    ...previous,
  };
  return state;
}

/** How ensureUsers fails for the `rbac-redis` state. */
function ensureUsersRejection() {
  return rejection(ensureUsers(deps(), loadState('rbac-redis')));
}

interface ExistingUserRefusal {
  title: string;
  userId: string;
  /** What DescribeUsers says about the user, over the matching user. */
  described: Partial<User>;
  /** Users that do not exist. */
  missing: string[];
  error: keyof typeof ERROR_CLASSES;
  /** What the error message names. */
  mentions: string[];
}

const ERROR_CLASSES = { ConflictError, ResourceNotReady };

function existing(userId: string, overrides: Partial<User> = {}): { Users: User[] } {
  const base: Record<string, User> = {
    'orders-app': {
      UserId: 'orders-app',
      UserName: 'app',
      AccessString: 'on ~app:* -@all +@read +@write',
      Authentication: { Type: 'password', PasswordCount: 1 },
    },
    'orders-iam': {
      UserId: 'orders-iam',
      UserName: 'orders-iam',
      AccessString: 'on ~* +@read',
      Authentication: { Type: 'iam' },
    },
    'orders-default': {
      UserId: 'orders-default',
      UserName: 'default',
      AccessString: 'off -@all',
      Authentication: { Type: 'password', PasswordCount: 1 },
    },
  };
  return { Users: [{ ...base[userId], Status: 'active', Engine: 'redis', ...overrides }] };
}

/** DescribeUsers answers that the user exists, as `existing` says. */
function describedAs(userId: string, overrides: Partial<User> = {}): void {
  ec.on(DescribeUsersCommand, { UserId: userId }).resolves(existing(userId, overrides));
}

/** Every user of the fixture exists and is active, each password user with its secret. */
function allUsersExistActive(): void {
  for (const id of ['orders-app', 'orders-iam', 'orders-default']) {
    describedAs(id);
  }
  sm.on(DescribeSecretCommand, { SecretId: APP_SECRET_ID }).resolves({ ARN: APP_SECRET_ID });
  sm.on(DescribeSecretCommand, { SecretId: DEFAULT_SECRET_NAME }).resolves({ ARN: DEFAULT_SECRET_ARN });
}

/** No user exists yet; the given secret holds GIVEN_PASSWORD; creating the generated secret succeeds. */
function noUserExists(): void {
  ec.on(DescribeUsersCommand).rejects(notFound.user());
  ec.on(CreateUserCommand).callsFake((input: { UserId: string }) => ({
    UserId: input.UserId,
    Status: 'creating',
  }));
  sm.on(GetSecretValueCommand, { SecretId: APP_SECRET_ID }).resolves({
    ARN: APP_SECRET_ID,
    SecretString: GIVEN_PASSWORD,
  });
  sm.on(CreateSecretCommand).resolves({ ARN: DEFAULT_SECRET_ARN, Name: DEFAULT_SECRET_NAME });
}

beforeEach(() => {
  ec.reset();
  sm.reset();
});

describe('ensureUsers: missing users', () => {
  it('creates a password user with the password held by its given secret', async () => {
    // Prepare
    noUserExists();
    const state = loadState('rbac-redis');

    // Act
    const result = await ensureUsers(deps(), state);

    // Assess
    expect(ec).toHaveReceivedCommandWith(CreateUserCommand, {
      UserId: 'orders-app',
      UserName: 'app',
      Engine: 'redis',
      AccessString: 'on ~app:* -@all +@read +@write',
      AuthenticationMode: { Type: 'password', Passwords: [GIVEN_PASSWORD] },
      Tags: EXPECTED_TAGS,
    });
    expect(result.Users[0]).toEqual({
      UserId: 'orders-app',
      UserName: 'app',
      Status: 'creating',
      PasswordSecretArn: APP_SECRET_ID,
    });
  });

  it('creates an IAM user without password and without secret', async () => {
    // Prepare
    noUserExists();

    // Act
    const result = await ensureUsers(deps(), loadState('rbac-redis'));

    // Assess
    const iamCall = ec
      .commandCalls(CreateUserCommand)
      .find((call) => call.args[0].input.UserId === 'orders-iam');
    expect(iamCall?.args[0].input).toEqual({
      UserId: 'orders-iam',
      UserName: 'orders-iam',
      Engine: 'redis',
      AccessString: 'on ~* +@read',
      AuthenticationMode: { Type: 'iam' },
      Tags: EXPECTED_TAGS,
    });
    expect(result.Users[1]).toEqual({ UserId: 'orders-iam', UserName: 'orders-iam', Status: 'creating' });
  });

  it('generates a password for a user without PasswordSecretId and stores it in a new, predictably named secret', async () => {
    // Prepare
    noUserExists();

    // Act
    const result = await ensureUsers(deps(), loadState('rbac-redis'));

    // Assess
    expect(sm).toHaveReceivedCommandTimes(CreateSecretCommand, 1);
    expect(sm).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: DEFAULT_SECRET_NAME,
      SecretString: JSON.stringify({ username: 'default', password: GENERATED_PASSWORD }),
      Tags: EXPECTED_TAGS,
    });
    expect(ec).toHaveReceivedCommandWith(CreateUserCommand, {
      UserId: 'orders-default',
      UserName: 'default',
      AccessString: 'off -@all',
      AuthenticationMode: { Type: 'password', Passwords: [GENERATED_PASSWORD] },
    });
    expect(result.Users[2]).toEqual({
      UserId: 'orders-default',
      UserName: 'default',
      Status: 'creating',
      PasswordSecretArn: DEFAULT_SECRET_ARN,
    });
  });

  it('reuses the password of a generated secret left by an earlier run instead of creating another', async () => {
    // Prepare
    noUserExists();
    sm.on(CreateSecretCommand).rejects(
      new ResourceExistsException({ message: 'The secret already exists.', $metadata: {} }),
    );
    sm.on(GetSecretValueCommand, { SecretId: DEFAULT_SECRET_NAME }).resolves({
      ARN: DEFAULT_SECRET_ARN,
      SecretString: JSON.stringify({ username: 'default', password: REUSED_PASSWORD }),
    });

    // Act
    const result = await ensureUsers(deps(), loadState('rbac-redis'));

    // Assess
    expect(ec).toHaveReceivedCommandWith(CreateUserCommand, {
      UserId: 'orders-default',
      AuthenticationMode: { Type: 'password', Passwords: [REUSED_PASSWORD] },
    });
    expect(result.Users[2]?.PasswordSecretArn).toBe(DEFAULT_SECRET_ARN);
  });

  it('creates users with the engine of the request', async () => {
    // Prepare
    noUserExists();
    sm.on(CreateSecretCommand).resolves({ ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-1' });

    // Act
    await ensureUsers(deps(), loadState('rbac-valkey'));

    // Assess
    expect(ec).toHaveReceivedCommandWith(CreateUserCommand, { UserId: 'sessions-app', Engine: 'valkey' });
    expect(sm).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'elasticache-provisioner/sessions/sessions-app',
    });
  });

  it('reports every created user in Created and is not yet all active', async () => {
    // Prepare
    noUserExists();

    // Act
    const result = await ensureUsers(deps(), loadState('rbac-redis'));

    // Assess
    expect(result.Created).toEqual(['orders-app', 'orders-iam', 'orders-default']);
    expect(result.Modified).toEqual([]);
    expect(result.AllActive).toBe(false);
  });
});

describe('ensureUsers: the given password secret', () => {
  it('accepts a JSON SecretString with a password key', async () => {
    // Prepare
    noUserExists();
    sm.on(GetSecretValueCommand, { SecretId: APP_SECRET_ID }).resolves({
      ARN: APP_SECRET_ID,
      SecretString: JSON.stringify({ username: 'app', password: GIVEN_PASSWORD }),
    });

    // Act
    await ensureUsers(deps(), loadState('rbac-redis'));

    // Assess
    expect(ec).toHaveReceivedCommandWith(CreateUserCommand, {
      UserId: 'orders-app',
      AuthenticationMode: { Type: 'password', Passwords: [GIVEN_PASSWORD] },
    });
  });

  it.each([
    ['a JSON object without a password key', { SecretString: JSON.stringify({ pass: GIVEN_PASSWORD }) }],
    ['a password ElastiCache refuses', { SecretString: 'short,pw' }],
    ['no SecretString (a binary secret)', { SecretBinary: new Uint8Array([1, 2, 3]) }],
  ])(
    'rejects a given secret holding %s, naming the PasswordSecretId field, before creating anything',
    async (_, value) => {
      // Prepare
      noUserExists();
      sm.on(GetSecretValueCommand, { SecretId: APP_SECRET_ID }).resolves({ ARN: APP_SECRET_ID, ...value });

      // Act
      const error = await ensureUsersRejection();

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as unknown as ValidationError).problems).toEqual([
        { field: 'Rbac.Users[orders-app].PasswordSecretId', message: expect.stringContaining(APP_SECRET_ID) },
      ]);
      expect(ec).not.toHaveReceivedCommand(CreateUserCommand);
      expect(sm).not.toHaveReceivedCommand(CreateSecretCommand);
    },
  );

  it('rejects a given secret that does not exist, naming the PasswordSecretId field', async () => {
    // Prepare
    noUserExists();
    sm.on(GetSecretValueCommand, { SecretId: APP_SECRET_ID }).rejects(notFound.secret());

    // Act
    const error = await ensureUsersRejection();

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('Rbac.Users[orders-app].PasswordSecretId');
    expect(error.message).toContain('ResourceNotFoundException');
    expect(ec).not.toHaveReceivedCommand(CreateUserCommand);
  });
});

describe('ensureUsers: existing users', () => {
  it('keeps users that already match and reports their secrets', async () => {
    // Prepare
    allUsersExistActive();

    // Act
    const result = await ensureUsers(deps(), loadState('rbac-redis'));

    // Assess
    expect(ec).not.toHaveReceivedCommand(CreateUserCommand);
    expect(ec).not.toHaveReceivedCommand(ModifyUserCommand);
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
    expect(sm).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(result).toEqual({
      Users: [
        { UserId: 'orders-app', UserName: 'app', Status: 'active', PasswordSecretArn: APP_SECRET_ID },
        { UserId: 'orders-iam', UserName: 'orders-iam', Status: 'active' },
        {
          UserId: 'orders-default',
          UserName: 'default',
          Status: 'active',
          PasswordSecretArn: DEFAULT_SECRET_ARN,
        },
      ],
      AllActive: true,
      Created: [],
      Modified: [],
      Checks: 1,
      FirstCheckedAt: NOW,
    });
  });

  it('reports no secret for an existing user created outside the workflow without PasswordSecretId', async () => {
    // Prepare
    allUsersExistActive();
    sm.on(DescribeSecretCommand, { SecretId: DEFAULT_SECRET_NAME }).rejects(notFound.secret());
    const { logger, lines } = recordingLogger();

    // Act
    const result = await ensureUsers(deps(logger), loadState('rbac-redis'));

    // Assess
    expect(result.Users[2]).toEqual({ UserId: 'orders-default', UserName: 'default', Status: 'active' });
    expect(lines.some((line) => line.includes('"warn"') && line.includes('orders-default'))).toBe(true);
  });

  it('changes only the access string of an active user whose access string differs', async () => {
    // Prepare
    allUsersExistActive();
    describedAs('orders-app', { AccessString: 'on ~* +@all' });
    ec.on(ModifyUserCommand).resolves({ UserId: 'orders-app', Status: 'modifying' });

    // Act
    const result = await ensureUsers(deps(), loadState('rbac-redis'));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(ModifyUserCommand, 1);
    expect(ec.commandCalls(ModifyUserCommand)[0]?.args[0].input).toEqual({
      UserId: 'orders-app',
      AccessString: 'on ~app:* -@all +@read +@write',
    });
    expect(result.Users[0]?.Status).toBe('modifying');
    expect(result.Modified).toEqual(['orders-app']);
    expect(result.AllActive).toBe(false);
  });

  it('waits for a user that is modifying instead of changing its access string', async () => {
    // Prepare
    allUsersExistActive();
    describedAs('orders-app', { AccessString: 'on ~* +@all', Status: 'modifying' });

    // Act
    const result = await ensureUsers(deps(), loadState('rbac-redis'));

    // Assess
    expect(ec).not.toHaveReceivedCommand(ModifyUserCommand);
    expect(result.Users[0]?.Status).toBe('modifying');
    expect(result.Modified).toEqual([]);
    expect(result.AllActive).toBe(false);
  });

  it('does not change an access string a second time when ElastiCache reports it in another form', async () => {
    // Prepare
    allUsersExistActive();
    describedAs('orders-app', { AccessString: 'on resetchannels ~app:* -@all +@read +@write' });
    const state = afterCheck({ Modified: ['orders-app'] });

    // Act
    const result = await ensureUsers(deps(), state);

    // Assess
    expect(ec).not.toHaveReceivedCommand(ModifyUserCommand);
    expect(result.AllActive).toBe(true);
    expect(result.Modified).toEqual(['orders-app']);
  });

  it('treats access strings that differ only in spacing as equal', async () => {
    // Prepare
    allUsersExistActive();
    describedAs('orders-app', { AccessString: ' on  ~app:* -@all +@read +@write ' });

    // Act
    await ensureUsers(deps(), loadState('rbac-redis'));

    // Assess
    expect(ec).not.toHaveReceivedCommand(ModifyUserCommand);
  });

  it('reuses the secret ARNs of the previous check without asking Secrets Manager again', async () => {
    // Prepare
    allUsersExistActive();
    const state = loadState('rbac-redis');
    state.users = {
      Users: [
        { UserId: 'orders-app', UserName: 'app', Status: 'creating', PasswordSecretArn: APP_SECRET_ID },
        {
          UserId: 'orders-default',
          UserName: 'default',
          Status: 'creating',
          PasswordSecretArn: DEFAULT_SECRET_ARN,
        },
      ],
      AllActive: false,
      Created: ['orders-app', 'orders-default'],
      Modified: [],
      Checks: 1,
      FirstCheckedAt: NOW,
    };

    // Act
    const result = await ensureUsers(deps(), state);

    // Assess
    expect(sm).not.toHaveReceivedAnyCommand();
    expect(result.Users.map((user) => user.PasswordSecretArn)).toEqual([
      APP_SECRET_ID,
      undefined,
      DEFAULT_SECRET_ARN,
    ]);
  });

  it.each(readJson<ExistingUserRefusal[]>('tests/fixtures/users/existing-user-refusals.json'))(
    '$title',
    async ({ userId, described, missing, error: errorName, mentions }) => {
      // Prepare
      allUsersExistActive();
      describedAs(userId, described);
      for (const id of missing) ec.on(DescribeUsersCommand, { UserId: id }).rejects(notFound.user());

      // Act
      const error = await ensureUsersRejection();

      // Assess
      expect(error).toBeInstanceOf(ERROR_CLASSES[errorName]);
      expect(error.name).toBe(errorName);
      for (const text of mentions) expect(error.message).toContain(text);
      expect(ec).not.toHaveReceivedCommand(CreateUserCommand);
      expect(ec).not.toHaveReceivedCommand(ModifyUserCommand);
      expect(sm).not.toHaveReceivedCommand(CreateSecretCommand);
    },
  );
});

describe('ensureUsers: concurrent executions', () => {
  it('reports a user created by another execution meanwhile as ResourceNotReady, so the retried step adopts it', async () => {
    // Prepare
    noUserExists();
    ec.on(CreateUserCommand, { UserId: 'orders-app' }).rejects(
      new UserAlreadyExistsFault({ message: 'User orders-app already exists', $metadata: {} }),
    );

    // Act
    const error = await ensureUsersRejection();

    // Assess
    expect(error.name).toBe('ResourceNotReady');
    expect(error.message).toContain('orders-app');
    expect((error as ResourceNotReady).cause).toBeInstanceOf(UserAlreadyExistsFault);
  });
});

describe('ensureUsers: across the checks of the loop', () => {
  it('merges Created and Modified with the previous check without duplicates', async () => {
    // Prepare
    allUsersExistActive();
    ec.on(DescribeUsersCommand, { UserId: 'orders-iam' }).rejects(notFound.user());
    ec.on(CreateUserCommand).resolves({ UserId: 'orders-iam', Status: 'creating' });
    describedAs('orders-app', { AccessString: 'on ~* +@all' });
    ec.on(ModifyUserCommand).resolves({ UserId: 'orders-app', Status: 'modifying' });
    const state = afterCheck({ Created: ['orders-default'], Modified: ['someone-else'] });

    // Act
    const result = await ensureUsers(deps(), state);

    // Assess
    expect(result.Created).toEqual(['orders-default', 'orders-iam']);
    expect(result.Modified).toEqual(['someone-else', 'orders-app']);
  });

  it('gives up with ProvisioningTimedOut when users are still not active after the time limit', async () => {
    // Prepare
    allUsersExistActive();
    describedAs('orders-iam', { Status: 'creating' });
    const state = afterCheck({ Checks: 180, FirstCheckedAt: NOW - STATUS_WAIT_LIMIT_MS });

    // Act
    const error = await rejection(ensureUsers(deps(), state));

    // Assess
    expect(error.name).toBe('ProvisioningTimedOut');
    expect(error.message).toContain('orders-iam (creating)');
  });

  it('counts its checks across the loop', async () => {
    // Prepare
    allUsersExistActive();
    const state = afterCheck({ Checks: 3 });

    // Act
    const result = await ensureUsers(deps(), state);

    // Assess
    expect(result.Checks).toBe(4);
    expect(result.FirstCheckedAt).toBe(NOW);
    expect(result.AllActive).toBe(true);
  });

  it('is all active only when every user is active', async () => {
    // Prepare
    allUsersExistActive();
    describedAs('orders-iam', { Status: 'creating' });
    const state = afterCheck({ Created: ['orders-iam'] });

    // Act
    const pending = await ensureUsers(deps(), state);
    describedAs('orders-iam');
    const done = await ensureUsers(deps(), { ...state, users: pending });

    // Assess
    expect(pending.AllActive).toBe(false);
    expect(pending.Users[1]?.Status).toBe('creating');
    expect(done.AllActive).toBe(true);
    expect(done.Created).toEqual(['orders-iam']);
    expect(ec).not.toHaveReceivedCommand(CreateUserCommand);
  });
});

describe('ensureUsers: errors and edge cases', () => {
  it('lets throttling propagate with its SDK name', async () => {
    // Prepare
    ec.on(DescribeUsersCommand).rejects(throttling());

    // Act
    const error = await ensureUsersRejection();

    // Assess
    expect(error.name).toBe('Throttling');
    expect(error).toBeInstanceOf(ElastiCacheServiceException);
  });

  it('answers complete without any call when the request has no Rbac', async () => {
    // Prepare
    const state = loadState('no-rbac');

    // Act
    const result = await ensureUsers(deps(), state);

    // Assess
    expect(result).toEqual({
      Users: [],
      AllActive: true,
      Created: [],
      Modified: [],
      Checks: 1,
      FirstCheckedAt: NOW,
    });
    expect(ec).not.toHaveReceivedAnyCommand();
    expect(sm).not.toHaveReceivedAnyCommand();
  });

  it('never writes a password into a log line, the result or an error', async () => {
    // Prepare: one given, one generated and one reused password in play in a single run
    noUserExists();
    const state = loadState('rbac-redis');
    state.request.Rbac?.Users.push({
      UserId: 'orders-worker',
      UserName: 'worker',
      AccessString: 'on ~jobs:* +@all',
      AuthenticationType: 'password',
    });
    sm.on(CreateSecretCommand, { Name: 'elasticache-provisioner/orders/orders-worker' }).rejects(
      new ResourceExistsException({ message: 'The secret already exists.', $metadata: {} }),
    );
    sm.on(GetSecretValueCommand, { SecretId: 'elasticache-provisioner/orders/orders-worker' }).resolves({
      ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:worker',
      SecretString: JSON.stringify({ password: REUSED_PASSWORD }),
    });
    const { logger, lines } = recordingLogger();
    const unusable = 'Unusable,Password0123456789';
    const failing = loadState('rbac-redis');

    // Act
    const result = await ensureUsers(deps(logger), state);
    sm.on(GetSecretValueCommand, { SecretId: APP_SECRET_ID }).resolves({
      ARN: APP_SECRET_ID,
      SecretString: JSON.stringify({ password: unusable }),
    });
    const error = await rejection(ensureUsers(deps(logger), failing));

    // Assess
    const passwordsSent = ec.commandCalls(CreateUserCommand).flatMap((call) => {
      return call.args[0].input.AuthenticationMode?.Passwords ?? [];
    });
    expect(passwordsSent.sort()).toEqual([GENERATED_PASSWORD, GIVEN_PASSWORD, REUSED_PASSWORD].sort());
    const written = [...lines, JSON.stringify(result), error.message, String(error.cause ?? '')];
    expect(lines.length).toBeGreaterThan(0);
    for (const password of [GIVEN_PASSWORD, GENERATED_PASSWORD, REUSED_PASSWORD, unusable]) {
      const hits = written.filter((text) => text.includes(password));
      expect(hits, `a password was written out: ${password}`).toEqual([]);
    }
  });
});

describe('managedTags', () => {
  it('puts the project tags first and drops request tags that would overwrite them', () => {
    // Prepare
    const request = {
      ReplicationGroupId: 'orders-cache',
      Tags: [
        { Key: 'managed-by', Value: 'someone-else' },
        { Key: 'team', Value: 'orders' },
      ],
    };

    // Act
    const tags = managedTags(request);

    // Assess
    expect(tags).toEqual(EXPECTED_TAGS);
  });
});

describe('ensureUsers: users that need no password', () => {
  /** rbac-redis with its managed default user as the workflow now plans it: password-less. */
  function stateWithPasswordlessDefault(): ProvisionState {
    const state = loadState('rbac-redis');
    for (const user of state.request.Rbac?.Users ?? []) {
      if (user.ManagedDefault) user.AuthenticationType = 'no-password-required';
    }
    return state;
  }

  it('creates the switched-off default user without a password and without a secret', async () => {
    // Prepare
    noUserExists();

    // Act
    const result = await ensureUsers(deps(), stateWithPasswordlessDefault());

    // Assess
    expect(ec).toHaveReceivedCommandWith(CreateUserCommand, {
      UserId: 'orders-default',
      UserName: 'default',
      AccessString: 'off -@all',
      AuthenticationMode: { Type: 'no-password-required' },
    });
    expect(sm).not.toHaveReceivedCommandWith(CreateSecretCommand, { Name: DEFAULT_SECRET_NAME });
    expect(result.Users.find((user) => user.UserId === 'orders-default')).toEqual({
      UserId: 'orders-default',
      UserName: 'default',
      Status: 'creating',
    });
  });

  it('keeps a managed default user an earlier release created with a password', async () => {
    // Prepare
    allUsersExistActive();

    // Act
    const result = await ensureUsers(deps(), stateWithPasswordlessDefault());

    // Assess
    expect(result.AllActive).toBe(true);
    expect(ec).not.toHaveReceivedCommand(CreateUserCommand);
  });

  it('accepts an existing password-less user, which DescribeUsers reports as "no-password"', async () => {
    // Prepare
    allUsersExistActive();
    ec.on(DescribeUsersCommand, { UserId: 'orders-default' }).resolves(
      existing('orders-default', { Authentication: { Type: 'no-password' } }),
    );
    const state = stateWithPasswordlessDefault();
    for (const user of state.request.Rbac?.Users ?? []) user.ManagedDefault = undefined;

    // Act
    const result = await ensureUsers(deps(), state);

    // Assess
    expect(result.AllActive).toBe(true);
  });
});
