/**
 * The Secrets Manager rotation function of the password secrets the workflow generates. Secrets
 * Manager calls it four times per rotation, with the same ClientRequestToken (the new version):
 *
 * - createSecret: a new password into the AWSPENDING version (the current value with its password replaced);
 * - setSecret: the ElastiCache user gets both passwords, current and pending, so every client keeps
 *   authenticating whichever it holds; the previous one is dropped at the next rotation;
 * - testSecret: AUTH with the pending password against the replication group;
 * - finishSecret: AWSCURRENT moves to the new version (Secrets Manager labels the old one AWSPREVIOUS).
 *
 * Every step may be called again (Secrets Manager retries a failed rotation): each one checks what is
 * already done first. A step that fails leaves AWSCURRENT where it was.
 */
import { ModifyUserCommand, type User } from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { findReplicationGroup, findUser } from '../aws/lookups';
import type { ElastiCacheLike, SecretsManagerLike } from '../aws/types';
import type { Clock } from '../clock';
import { errorName, namedError } from '../errors';
import { isRecord, parseJson } from '../json';
import type { Log } from '../logger';
import { REPLICATION_GROUP_TAG_KEY, USER_ID_TAG_KEY } from '../tags';
import type { RedisAuthProbe } from './redisAuth';
import { generatePassword, type Password, passwordFromSecretString, type RandomBytes } from './secrets';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** What Secrets Manager sends the rotation function. */
export interface RotationEvent {
  Step: string;
  SecretId: string;
  ClientRequestToken: string;
}

export interface RotationDeps {
  secretsManager: SecretsManagerLike;
  elastiCache: ElastiCacheLike;
  authenticate: RedisAuthProbe;
  clock: Clock;
  logger: Log;
  randomBytes?: RandomBytes;
}

/**
 * How long setSecret waits for the user to be `active` (before and after ModifyUser). A user change
 * takes seconds; the limit stays well inside the function's timeout so the error is ours, not Lambda's.
 */
export const USER_WAIT = { limitMs: 4 * 60_000, intervalMs: 5_000 } as const;

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';

export class UnknownRotationStep extends namedError('UnknownRotationStep') {}

/** The secret has rotation off, or the token is not a version being rotated in. */
export class RotationNotPending extends namedError('RotationNotPending') {}

/** The secret does not say which user (and replication group) it belongs to, or holds no usable password. */
export class SecretNotRotatable extends namedError('SecretNotRotatable') {}

/** The user did not become `active` within USER_WAIT.limitMs; Secrets Manager retries the rotation later. */
export class UserNotReady extends namedError('UserNotReady') {}

/** The pending password could not be shown to work: the group refused it, or could not be asked. */
export class PendingPasswordNotVerified extends namedError('PendingPasswordNotVerified') {}

/** What a rotation acts on, from the secret's tags. */
interface RotationTarget {
  arn: string;
  token: string;
  userId: string;
  replicationGroupId: string;
  versions: Record<string, string[]>;
}

export async function rotatePassword(deps: RotationDeps, event: RotationEvent): Promise<void> {
  const step = ROTATION_STEPS.find((known) => known === event.Step);
  if (step === undefined) {
    throw new UnknownRotationStep(
      `Unknown rotation step ${JSON.stringify(event.Step)}: expected one of ${ROTATION_STEPS.join(', ')}`,
    );
  }
  const secret = await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
  const target = targetOf(secret, event);
  const stages = target.versions[target.token] ?? [];
  if (stages.includes(CURRENT)) {
    deps.logger.info('Version already current; nothing to do', {
      Step: step,
      SecretArn: target.arn,
      VersionId: target.token,
    });
    return;
  }
  if (!stages.includes(PENDING)) {
    throw new RotationNotPending(`Version ${target.token} of secret ${target.arn} is not staged ${PENDING}`);
  }
  deps.logger.info('Rotation step', {
    Step: step,
    SecretArn: target.arn,
    VersionId: target.token,
    UserId: target.userId,
  });
  await STEPS[step](deps, target);
}

const STEPS: Record<RotationStep, (deps: RotationDeps, target: RotationTarget) => Promise<void>> = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
};

function targetOf(secret: DescribeSecretCommandOutput, event: RotationEvent): RotationTarget {
  const arn = secret.ARN ?? event.SecretId;
  if (secret.RotationEnabled !== true) {
    throw new RotationNotPending(`Secret ${arn} does not have rotation enabled`);
  }
  const tag = (key: string) => secret.Tags?.find((candidate) => candidate.Key === key)?.Value;
  const userId = tag(USER_ID_TAG_KEY);
  const replicationGroupId = tag(REPLICATION_GROUP_TAG_KEY);
  if (!userId || !replicationGroupId) {
    throw new SecretNotRotatable(
      `Secret ${arn} lacks the tags ${USER_ID_TAG_KEY} and ${REPLICATION_GROUP_TAG_KEY} that name its user and replication group`,
    );
  }
  return {
    arn,
    token: event.ClientRequestToken,
    userId,
    replicationGroupId,
    versions: secret.VersionIdsToStages ?? {},
  };
}

async function createSecret(deps: RotationDeps, target: RotationTarget): Promise<void> {
  const current = await secretString(deps, target, { VersionStage: CURRENT });
  if ((await pendingValue(deps, target)) !== undefined) {
    deps.logger.info('Pending version already holds a password', { SecretArn: target.arn });
    return;
  }
  const next = withPassword(current, generatePassword(deps.randomBytes), target.arn);
  try {
    await deps.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: target.arn,
        ClientRequestToken: target.token,
        SecretString: next,
        VersionStages: [PENDING],
      }),
    );
  } catch (err) {
    // A concurrent call of this step stored its own password under the token first: keep that one.
    if (errorName(err) !== 'ResourceExistsException' || (await pendingValue(deps, target)) === undefined)
      throw err;
  }
  deps.logger.info('Pending password created', { SecretArn: target.arn });
}

async function setSecret(deps: RotationDeps, target: RotationTarget): Promise<void> {
  const current = passwordIn(await secretString(deps, target, { VersionStage: CURRENT }), target.arn);
  const pending = passwordIn(await requiredPending(deps, target), target.arn);
  const deadline = deps.clock.now() + USER_WAIT.limitMs;
  for (;;) {
    await activeUser(deps, target, deadline);
    try {
      await deps.elastiCache.send(
        new ModifyUserCommand({
          UserId: target.userId,
          // Both stay valid: clients holding the current password are not cut off.
          AuthenticationMode: { Type: 'password', Passwords: [current.reveal(), pending.reveal()] },
        }),
      );
      break;
    } catch (err) {
      // Another change started between our describe and our modify: wait for it, then modify.
      if (errorName(err) !== 'InvalidUserStateFault') throw err;
    }
  }
  await activeUser(deps, target, deadline);
  deps.logger.info('User holds the current and the pending password', { UserId: target.userId });
}

async function testSecret(deps: RotationDeps, target: RotationTarget): Promise<void> {
  const pending = passwordIn(await requiredPending(deps, target), target.arn);
  const user = await findUser(deps.elastiCache, target.userId);
  if (user?.UserName === undefined) {
    throw new SecretNotRotatable(`User ${target.userId} of secret ${target.arn} does not exist`);
  }
  const group = await findReplicationGroup(deps.elastiCache, target.replicationGroupId);
  const endpoint = group?.ConfigurationEndpoint ?? group?.NodeGroups?.[0]?.PrimaryEndpoint;
  if (endpoint?.Address === undefined || endpoint.Port === undefined) {
    throw new PendingPasswordNotVerified(
      `Replication group ${target.replicationGroupId} has no endpoint to test the pending password against (${group ? `status ${group.Status}` : 'it does not exist'})`,
    );
  }
  let outcome: Awaited<ReturnType<RedisAuthProbe>>;
  try {
    outcome = await deps.authenticate(
      {
        host: endpoint.Address,
        port: endpoint.Port,
        tls: group?.TransitEncryptionEnabled === true,
        replicationGroupId: target.replicationGroupId,
      },
      user.UserName,
      pending.reveal(),
    );
  } catch (err) {
    throw new PendingPasswordNotVerified(
      `Cannot test the pending password of ${target.userId} against ${target.replicationGroupId}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (!outcome.ok) {
    throw new PendingPasswordNotVerified(
      `Replication group ${target.replicationGroupId} refused the pending password of ${target.userId}: ${outcome.reply}`,
    );
  }
  deps.logger.info('Pending password authenticates', {
    UserId: target.userId,
    ReplicationGroupId: target.replicationGroupId,
  });
}

async function finishSecret(deps: RotationDeps, target: RotationTarget): Promise<void> {
  const currentVersion = Object.entries(target.versions).find(([, stages]) => stages.includes(CURRENT))?.[0];
  await deps.secretsManager.send(
    new UpdateSecretVersionStageCommand({
      SecretId: target.arn,
      VersionStage: CURRENT,
      MoveToVersionId: target.token,
      ...(currentVersion === undefined ? {} : { RemoveFromVersionId: currentVersion }),
    }),
  );
  deps.logger.info('Pending version is now current', { SecretArn: target.arn, VersionId: target.token });
}

/** Waits until the user is `active`; UserNotReady past the deadline. */
async function activeUser(deps: RotationDeps, target: RotationTarget, deadline: number): Promise<User> {
  for (;;) {
    const user = await findUser(deps.elastiCache, target.userId);
    if (user === undefined) {
      throw new SecretNotRotatable(`User ${target.userId} of secret ${target.arn} does not exist`);
    }
    if (user.Status === 'active') return user;
    if (deps.clock.now() >= deadline) {
      throw new UserNotReady(
        `User ${target.userId} is still ${user.Status} after ${USER_WAIT.limitMs / 1000} s`,
      );
    }
    await deps.clock.sleep(USER_WAIT.intervalMs);
  }
}

async function secretString(
  deps: RotationDeps,
  target: RotationTarget,
  version: { VersionStage: string; VersionId?: string },
): Promise<string> {
  const out = await deps.secretsManager.send(new GetSecretValueCommand({ SecretId: target.arn, ...version }));
  if (out.SecretString === undefined) {
    throw new SecretNotRotatable(
      `Secret ${target.arn} holds no SecretString (binary secrets are not rotated)`,
    );
  }
  return out.SecretString;
}

/** The pending version's value, or undefined while createSecret has not stored one. */
async function pendingValue(deps: RotationDeps, target: RotationTarget): Promise<string | undefined> {
  try {
    return await secretString(deps, target, { VersionStage: PENDING, VersionId: target.token });
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

async function requiredPending(deps: RotationDeps, target: RotationTarget): Promise<string> {
  const value = await pendingValue(deps, target);
  if (value === undefined) {
    throw new RotationNotPending(
      `Version ${target.token} of secret ${target.arn} holds no value yet (createSecret first)`,
    );
  }
  return value;
}

function passwordIn(secretString: string, arn: string): Password {
  const read = passwordFromSecretString(secretString);
  if (!read.ok) throw new SecretNotRotatable(`Secret ${arn}: ${read.problem}`);
  return read.password;
}

/** The secret's value with a new password: the `password` key of a JSON object, or the whole string. */
function withPassword(current: string, password: Password, arn: string): string {
  passwordIn(current, arn);
  const parsed = parseJson(current);
  if (isRecord(parsed)) return JSON.stringify({ ...parsed, password: password.reveal() });
  return password.reveal();
}
