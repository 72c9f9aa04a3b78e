/**
 * Puts the generated password secrets on the request's rotation schedule (Rbac.Rotation), or takes
 * them off it when the request no longer asks for one. The first rotation comes when the schedule says:
 * ensureUsers runs before the replication group exists, and a rotation tests the new password against it.
 */
import {
  CancelRotateSecretCommand,
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  RotateSecretCommand,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerLike } from '../aws/types';
import { mapWithConcurrency } from '../concurrency';
import { errorName, ValidationError } from '../errors';
import type { Log } from '../logger';
import { REPLICATION_GROUP_TAG_KEY, USER_ID_TAG_KEY } from '../tags';
import type { NormalisedRequest, RotationSchedule, UserOutcome } from './state';

export interface RotationScheduleDeps {
  secretsManager: SecretsManagerLike;
  logger: Log;
  /** The deployed rotation function (ROTATION_FUNCTION_ARN); absent where none is deployed. */
  rotationFunctionArn?: string | undefined;
}

/** A request asking for rotation where no rotation function is deployed stops the run before any change. */
export function checkRotationAvailable(deps: RotationScheduleDeps, request: NormalisedRequest): void {
  if (request.Rbac?.Rotation === undefined || deps.rotationFunctionArn) return;
  throw new ValidationError([
    {
      field: 'Rbac.Rotation',
      message:
        'this deployment has no rotation function (ROTATION_FUNCTION_ARN is not set): deploy serverless.yml with rotatePassword, or remove Rbac.Rotation',
    },
  ]);
}

/** Every generated password secret of the request on its schedule (or off it), a few at a time. */
export async function scheduleRotations(
  deps: RotationScheduleDeps,
  request: NormalisedRequest,
  outcomes: readonly UserOutcome[],
): Promise<void> {
  const generated = (request.Rbac?.Users ?? []).flatMap((user) => {
    const secretArn = outcomes.find((outcome) => outcome.UserId === user.UserId)?.PasswordSecretArn;
    // Secrets a request names belong to their owner, who rotates them as they see fit.
    return user.AuthenticationType === 'password' && user.PasswordSecretId === undefined && secretArn
      ? [{ userId: user.UserId, secretArn }]
      : [];
  });
  await mapWithConcurrency(generated, CONCURRENCY, (user) =>
    ensureRotationSchedule(deps, {
      ...user,
      replicationGroupId: request.ReplicationGroupId,
      schedule: request.Rbac?.Rotation,
    }),
  );
}

// As ensureUsers: enough for 100 users in one invocation, few enough not to be throttled.
const CONCURRENCY = 4;

/** Aligns one generated secret with the schedule; answers what it did. */
export async function ensureRotationSchedule(
  deps: RotationScheduleDeps,
  params: {
    secretArn: string;
    userId: string;
    replicationGroupId: string;
    schedule: RotationSchedule | undefined;
  },
): Promise<'enabled' | 'cancelled' | 'unchanged'> {
  const lambdaArn = deps.rotationFunctionArn;
  if (!lambdaArn) return 'unchanged';
  const secret = await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: params.secretArn }));
  const ours = secret.RotationEnabled === true && secret.RotationLambdaARN === lambdaArn;
  if (params.schedule === undefined) {
    if (!ours) return 'unchanged';
    await deps.secretsManager.send(new CancelRotateSecretCommand({ SecretId: params.secretArn }));
    deps.logger.info('Password rotation turned off', { UserId: params.userId, SecretArn: params.secretArn });
    return 'cancelled';
  }
  await tagForRotation(deps, secret, params);
  if (ours && sameSchedule(secret.RotationRules ?? {}, params.schedule)) return 'unchanged';
  try {
    await deps.secretsManager.send(
      new RotateSecretCommand({
        SecretId: params.secretArn,
        RotationLambdaARN: lambdaArn,
        RotationRules: { ...params.schedule },
        RotateImmediately: false,
      }),
    );
  } catch (err) {
    // A rotation of this secret is unfinished: Secrets Manager retries it; the schedule follows next run.
    if (errorName(err) !== 'InvalidRequestException') throw err;
    deps.logger.warn('Rotation schedule not changed: a rotation of the secret is unfinished', {
      UserId: params.userId,
      SecretArn: params.secretArn,
    });
    return 'unchanged';
  }
  deps.logger.info('Password rotation scheduled', { UserId: params.userId, SecretArn: params.secretArn });
  return 'enabled';
}

/** The rotation function finds the user and the group to test against by these tags (older secrets lack the first). */
async function tagForRotation(
  deps: RotationScheduleDeps,
  secret: DescribeSecretCommandOutput,
  params: { secretArn: string; userId: string; replicationGroupId: string },
): Promise<void> {
  const wanted = [
    { Key: USER_ID_TAG_KEY, Value: params.userId },
    { Key: REPLICATION_GROUP_TAG_KEY, Value: params.replicationGroupId },
  ];
  const missing = wanted.filter(
    (tag) => !secret.Tags?.some((have) => have.Key === tag.Key && have.Value === tag.Value),
  );
  if (missing.length === 0) return;
  await deps.secretsManager.send(new TagResourceCommand({ SecretId: params.secretArn, Tags: missing }));
}

function sameSchedule(actual: RotationSchedule, wanted: RotationSchedule): boolean {
  if (wanted.ScheduleExpression !== undefined) {
    return actual.ScheduleExpression === wanted.ScheduleExpression && actual.Duration === wanted.Duration;
  }
  return (
    actual.ScheduleExpression === undefined &&
    actual.AutomaticallyAfterDays === wanted.AutomaticallyAfterDays &&
    actual.Duration === wanted.Duration
  );
}
