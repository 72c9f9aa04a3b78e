import {
  CancelRotateSecretCommand,
  DescribeSecretCommand,
  InvalidRequestException,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { checkRotationAvailable, ensureRotationSchedule } from '../../shared/provision/rotationSchedule';
import type { NormalisedRequest } from '../../shared/provision/state';
import { loadState } from '../fixtures/states/load';
import { readJson } from '../support/fixtures';

const sm = mockClient(SecretsManagerClient);
const secretsManager = new SecretsManagerClient({ region: 'eu-west-1' });

const SECRET = readJson('tests/fixtures/rotation/describe-secret-rotating.json');
const SECRET_ARN: string = SECRET.ARN;
const FUNCTION_ARN: string = SECRET.RotationLambdaARN;
const PARAMS = { secretArn: SECRET_ARN, userId: 'orders-app', replicationGroupId: 'orders-cache' };

function deps(rotationFunctionArn: string | undefined) {
  return { secretsManager, logger: { info: vi.fn(), warn: vi.fn(), debug: vi.fn() }, rotationFunctionArn };
}

beforeEach(() => {
  sm.reset();
});

describe('ensureRotationSchedule', () => {
  it('turns rotation on with the rotation function, the rules, and no rotation until the first is due', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves({ ...SECRET, RotationEnabled: false });

    // Act
    const outcome = await ensureRotationSchedule(deps(FUNCTION_ARN), {
      ...PARAMS,
      schedule: { AutomaticallyAfterDays: 7 },
    });

    // Assess
    expect(outcome).toBe('enabled');
    expect(sm).toHaveReceivedCommandWith(RotateSecretCommand, {
      SecretId: SECRET_ARN,
      RotationLambdaARN: FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 7 },
      RotateImmediately: false,
    });
  });

  it('tags a secret of an earlier version with its user so the rotation function finds it', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves({
      ...SECRET,
      RotationEnabled: false,
      Tags: [SECRET.Tags[0], SECRET.Tags[1]],
    });

    // Act
    await ensureRotationSchedule(deps(FUNCTION_ARN), {
      ...PARAMS,
      schedule: { ScheduleExpression: 'rate(10 days)' },
    });

    // Assess
    expect(sm).toHaveReceivedCommandWith(TagResourceCommand, {
      SecretId: SECRET_ARN,
      Tags: [{ Key: 'elasticache-provisioner:user-id', Value: 'orders-app' }],
    });
  });

  it('changes nothing when the secret is already on the requested schedule', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves(SECRET);

    // Act
    const outcome = await ensureRotationSchedule(deps(FUNCTION_ARN), {
      ...PARAMS,
      schedule: { AutomaticallyAfterDays: 30 },
    });

    // Assess
    expect(outcome).toBe('unchanged');
    expect(sm).not.toHaveReceivedCommand(RotateSecretCommand);
    expect(sm).not.toHaveReceivedCommand(TagResourceCommand);
  });

  it('takes the secret off rotation when the request no longer asks for it', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves(SECRET);

    // Act
    const outcome = await ensureRotationSchedule(deps(FUNCTION_ARN), { ...PARAMS, schedule: undefined });

    // Assess
    expect(outcome).toBe('cancelled');
    expect(sm).toHaveReceivedCommandWith(CancelRotateSecretCommand, { SecretId: SECRET_ARN });
  });

  it('leaves a secret rotated by another function alone when the request asks for no rotation', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves({
      ...SECRET,
      RotationLambdaARN: 'arn:aws:lambda:eu-west-1:123456789012:function:theirs',
    });

    // Act
    const outcome = await ensureRotationSchedule(deps(FUNCTION_ARN), { ...PARAMS, schedule: undefined });

    // Assess
    expect(outcome).toBe('unchanged');
    expect(sm).not.toHaveReceivedCommand(CancelRotateSecretCommand);
  });

  it('carries on when a rotation of the secret is unfinished (Secrets Manager retries it)', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).resolves({ ...SECRET, RotationEnabled: false });
    sm.on(RotateSecretCommand).rejects(
      new InvalidRequestException({ message: "A previous rotation isn't complete.", $metadata: {} }),
    );

    // Act
    const outcome = await ensureRotationSchedule(deps(FUNCTION_ARN), {
      ...PARAMS,
      schedule: { AutomaticallyAfterDays: 7 },
    });

    // Assess
    expect(outcome).toBe('unchanged');
  });
});

describe('checkRotationAvailable', () => {
  it('refuses Rbac.Rotation where no rotation function is deployed, naming the field', () => {
    // Prepare
    const { request } = loadState('rbac-redis');
    const rotating: NormalisedRequest = {
      ...request,
      ...(request.Rbac ? { Rbac: { ...request.Rbac, Rotation: { AutomaticallyAfterDays: 30 } } } : {}),
    };

    // Act
    const check = () => checkRotationAvailable(deps(undefined), rotating);

    // Assess
    expect(check).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        problems: [expect.objectContaining({ field: 'Rbac.Rotation' })],
      }),
    );
    expect(() => checkRotationAvailable(deps(undefined), request)).not.toThrow();
  });
});
