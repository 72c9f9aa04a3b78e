import {
  DescribeReplicationGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  InvalidUserStateFault,
  ModifyUserCommand,
} from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RedisAuthProbe } from '../../shared/provision/redisAuth';
import { type RotationEvent, rotatePassword, USER_WAIT } from '../../shared/provision/rotation';
import { recordingClock } from '../support/clock';
import { readJson } from '../support/fixtures';
import { rejection } from '../support/rejection';

const ec = mockClient(ElastiCacheClient);
const sm = mockClient(SecretsManagerClient);
const elastiCache = new ElastiCacheClient({ region: 'eu-west-1' });
const secretsManager = new SecretsManagerClient({ region: 'eu-west-1' });

const SECRET = readJson<DescribeSecretCommandOutput>('tests/fixtures/rotation/describe-secret-rotating.json');
const GROUP = readJson<object>('tests/fixtures/rotation/describe-replication-group-tls.json');
const ARN = SECRET.ARN as string;
const CURRENT_VERSION = '11111111-1111-4111-8111-111111111111';
const TOKEN = '22222222-2222-4222-8222-222222222222';
const CURRENT_PASSWORD = 'CurrentPassword0123456789currentpassword';
const PENDING_PASSWORD = 'PendingPassword0123456789pendingpassword';
// The fake random source yields the alphabet in order, so the generated password is predictable.
const GENERATED_PASSWORD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn';

const secretValue = (password: string) => JSON.stringify({ username: 'app', password });
const event = (Step: string): RotationEvent => ({ Step, SecretId: ARN, ClientRequestToken: TOKEN });

function deps(
  authenticate: RedisAuthProbe = async () => ({ ok: true }),
  clock = recordingClock(Date.UTC(2026, 0, 1)),
) {
  const logger = { info: vi.fn(), warn: vi.fn(), debug: vi.fn() };
  return {
    elastiCache,
    secretsManager,
    logger,
    clock,
    authenticate,
    randomBytes: (size: number) => Uint8Array.from({ length: size }, (_, index) => index % 62),
  };
}

function notFound() {
  return new ResourceNotFoundException({ message: 'no such version', $metadata: {} });
}

/** The secret mid-rotation: AWSCURRENT holds CURRENT_PASSWORD; the pending version has `pending` (or nothing yet). */
function secretInRotation(pending: string | undefined, describe: DescribeSecretCommandOutput = SECRET): void {
  sm.on(DescribeSecretCommand).resolves(describe);
  sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSCURRENT' }).resolves({
    ARN,
    VersionId: CURRENT_VERSION,
    SecretString: secretValue(CURRENT_PASSWORD),
  });
  const pendingRead = sm.on(GetSecretValueCommand, {
    SecretId: ARN,
    VersionStage: 'AWSPENDING',
    VersionId: TOKEN,
  });
  if (pending === undefined) pendingRead.rejects(notFound());
  else pendingRead.resolves({ ARN, VersionId: TOKEN, SecretString: secretValue(pending) });
}

function userStatuses(...statuses: string[]): void {
  const chain = ec.on(DescribeUsersCommand, { UserId: 'orders-app' });
  for (const status of statuses) {
    chain.resolvesOnce({ Users: [{ UserId: 'orders-app', UserName: 'app', Status: status }] });
  }
  chain.resolves({ Users: [{ UserId: 'orders-app', UserName: 'app', Status: statuses.at(-1) }] });
}

beforeEach(() => {
  ec.reset();
  sm.reset();
});

describe('createSecret', () => {
  it('stores a new password under AWSPENDING with the token, keeping the rest of the value', async () => {
    // Prepare
    secretInRotation(undefined);
    const rotation = deps();

    // Act
    await rotatePassword(rotation, event('createSecret'));

    // Assess
    expect(JSON.stringify(rotation.logger.info.mock.calls)).not.toContain(GENERATED_PASSWORD);
    expect(sm).toHaveReceivedCommandWith(PutSecretValueCommand, {
      SecretId: ARN,
      ClientRequestToken: TOKEN,
      SecretString: JSON.stringify({ username: 'app', password: GENERATED_PASSWORD }),
      VersionStages: ['AWSPENDING'],
    });
  });

  it('does nothing when called again once the pending version holds a password', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD);

    // Act
    await rotatePassword(deps(), event('createSecret'));

    // Assess
    expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
  });
});

describe('setSecret', () => {
  it('gives the user the current and the pending password and waits until it is active again', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD);
    userStatuses('active', 'modifying', 'modifying', 'active');
    ec.on(ModifyUserCommand).resolves({ Status: 'modifying' });
    const clock = recordingClock(Date.UTC(2026, 0, 1));

    // Act
    await rotatePassword(deps(undefined, clock), event('setSecret'));

    // Assess
    expect(ec).toHaveReceivedCommandWith(ModifyUserCommand, {
      UserId: 'orders-app',
      AuthenticationMode: { Type: 'password', Passwords: [CURRENT_PASSWORD, PENDING_PASSWORD] },
    });
    expect(ec).toHaveReceivedCommandTimes(DescribeUsersCommand, 4);
    expect(clock.sleeps).toEqual([USER_WAIT.intervalMs, USER_WAIT.intervalMs]);
  });

  it('sets the same two passwords again when called again', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD);
    userStatuses('active');
    ec.on(ModifyUserCommand).resolves({ Status: 'modifying' });

    // Act
    await rotatePassword(deps(), event('setSecret'));
    await rotatePassword(deps(), event('setSecret'));

    // Assess
    const calls = ec.commandCalls(ModifyUserCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual(calls[0]);
  });

  it('waits for a change already under way, then modifies', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD);
    userStatuses('active', 'modifying', 'active');
    ec.on(ModifyUserCommand)
      .rejectsOnce(new InvalidUserStateFault({ message: 'User is modifying', $metadata: {} }))
      .resolves({ Status: 'modifying' });

    // Act
    await rotatePassword(deps(), event('setSecret'));

    // Assess
    expect(ec).toHaveReceivedCommandTimes(ModifyUserCommand, 2);
  });

  it('gives up with UserNotReady when the user stays modifying', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD);
    userStatuses('modifying');

    // Act
    const error = await rejection(rotatePassword(deps(), event('setSecret')));

    // Assess
    expect(error.name).toBe('UserNotReady');
    expect(ec).not.toHaveReceivedCommand(ModifyUserCommand);
  });
});

describe('testSecret', () => {
  it('authenticates with the pending password at the group endpoint, over TLS', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD);
    userStatuses('active');
    ec.on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'orders-cache' }).resolves(GROUP);
    const authenticate = vi.fn<RedisAuthProbe>(async () => ({ ok: true }));

    // Act
    await rotatePassword(deps(authenticate), event('testSecret'));

    // Assess
    expect(authenticate).toHaveBeenCalledWith(
      {
        host: 'master.orders-cache.abc123.euw1.cache.amazonaws.com',
        port: 6379,
        tls: true,
        replicationGroupId: 'orders-cache',
      },
      'app',
      PENDING_PASSWORD,
    );
  });

  it('fails with PendingPasswordNotVerified, without quoting the password, when the group refuses it', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD);
    userStatuses('active');
    ec.on(DescribeReplicationGroupsCommand).resolves(GROUP);

    // Act
    const error = await rejection(
      rotatePassword(
        deps(async () => ({ ok: false, reply: '-WRONGPASS invalid username-password pair' })),
        event('testSecret'),
      ),
    );

    // Assess
    expect(error.name).toBe('PendingPasswordNotVerified');
    expect(error.message).toContain('WRONGPASS');
    expect(error.message).not.toContain(PENDING_PASSWORD);
  });

  it('fails with PendingPasswordNotVerified when the endpoint cannot be reached', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD);
    userStatuses('active');
    ec.on(DescribeReplicationGroupsCommand).resolves(GROUP);

    // Act
    const error = await rejection(
      rotatePassword(
        deps(async () => {
          throw new Error('connect ETIMEDOUT');
        }),
        event('testSecret'),
      ),
    );

    // Assess
    expect(error.name).toBe('PendingPasswordNotVerified');
    expect(error.message).toContain('ETIMEDOUT');
  });
});

describe('finishSecret', () => {
  it('moves AWSCURRENT from the current version to the pending one', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD);
    sm.on(UpdateSecretVersionStageCommand).resolves({ ARN });

    // Act
    await rotatePassword(deps(), event('finishSecret'));

    // Assess
    expect(sm).toHaveReceivedCommandWith(UpdateSecretVersionStageCommand, {
      SecretId: ARN,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: TOKEN,
      RemoveFromVersionId: CURRENT_VERSION,
    });
  });

  it('does nothing when called again after the version became current', async () => {
    // Prepare
    secretInRotation(PENDING_PASSWORD, {
      ...SECRET,
      VersionIdsToStages: { [CURRENT_VERSION]: ['AWSPREVIOUS'], [TOKEN]: ['AWSCURRENT', 'AWSPENDING'] },
    });

    // Act
    await rotatePassword(deps(), event('finishSecret'));

    // Assess
    expect(sm).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });
});

describe('a rotation as Secrets Manager drives it', () => {
  it('leaves AWSCURRENT where it was when testSecret fails', async () => {
    // Prepare
    secretInRotation(undefined);
    sm.on(PutSecretValueCommand).callsFake(() => {
      secretInRotation(GENERATED_PASSWORD);
      return { ARN, VersionId: TOKEN };
    });
    userStatuses('active');
    ec.on(ModifyUserCommand).resolves({ Status: 'modifying' });
    ec.on(DescribeReplicationGroupsCommand).resolves(GROUP);
    const refusing = deps(async () => ({ ok: false, reply: '-WRONGPASS invalid username-password pair' }));

    // Act
    await rotatePassword(refusing, event('createSecret'));
    await rotatePassword(refusing, event('setSecret'));
    const error = await rejection(rotatePassword(refusing, event('testSecret')));

    // Assess
    expect(error.name).toBe('PendingPasswordNotVerified');
    expect(sm).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
  });
});

describe('refusals', () => {
  it.each([
    ['an unknown step', { Step: 'rotateEverything' }, {}, 'UnknownRotationStep'],
    ['a secret with rotation off', {}, { RotationEnabled: false }, 'RotationNotPending'],
    [
      'a version that is not AWSPENDING',
      {},
      { VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPREVIOUS'] } },
      'RotationNotPending',
    ],
    [
      'a secret that does not name its user',
      {},
      { Tags: [{ Key: 'managed-by', Value: 'elasticache-provisioner' }] },
      'SecretNotRotatable',
    ],
  ])('refuses %s and changes nothing', async (_, eventChange, secretChange, name) => {
    // Prepare
    secretInRotation(undefined, { ...SECRET, ...secretChange });

    // Act
    const error = await rejection(rotatePassword(deps(), { ...event('createSecret'), ...eventChange }));

    // Assess
    expect(error.name).toBe(name);
    expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    expect(ec).not.toHaveReceivedCommand(ModifyUserCommand);
  });
});
