import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RotationInvocation } from '../../local/standin';
import { rejectionOf, standInForTests } from './helpers';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:rotate';
const NAME = 'elasticache-provisioner/orders/orders-app';

/** What the rotation function was called with, in order, and a step to fail (as the function would). */
const calls: RotationInvocation[] = [];
let failingStep: string | undefined;

const env = standInForTests('each', {
  rotationFunctions: {
    // A rotation function reduced to its Secrets Manager calls.
    [FUNCTION_ARN]: async (event) => {
      calls.push(event);
      if (event.Step === failingStep)
        throw Object.assign(new Error('refused'), { name: 'PendingPasswordNotVerified' });
      if (event.Step === 'createSecret') {
        await env.secretsManager.send(
          new PutSecretValueCommand({
            SecretId: event.SecretId,
            ClientRequestToken: event.ClientRequestToken,
            SecretString: `next-${event.ClientRequestToken}`,
            VersionStages: ['AWSPENDING'],
          }),
        );
      }
      if (event.Step === 'finishSecret') {
        const secret = await env.secretsManager.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
        const current = Object.entries(secret.VersionIdsToStages ?? {}).find(([, stages]) =>
          stages.includes('AWSCURRENT'),
        )?.[0];
        await env.secretsManager.send(
          new UpdateSecretVersionStageCommand({
            SecretId: event.SecretId,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: event.ClientRequestToken,
            RemoveFromVersionId: current,
          }),
        );
      }
    },
  },
});

beforeEach(() => {
  calls.length = 0;
  failingStep = undefined;
});

async function createSecret(): Promise<{ arn: string; firstVersion: string }> {
  const out = await env.secretsManager.send(
    new CreateSecretCommand({ Name: NAME, SecretString: 'first-value-0123456789' }),
  );
  return { arn: out.ARN ?? '', firstVersion: out.VersionId ?? '' };
}

async function valueAt(stage: string): Promise<string | undefined> {
  const out = await env.secretsManager.send(
    new GetSecretValueCommand({ SecretId: NAME, VersionStage: stage }),
  );
  return out.SecretString;
}

describe('RotateSecret', () => {
  it("runs the rotation function's four steps in order with the new version's token, then labels the versions", async () => {
    // Prepare
    const { arn, firstVersion } = await createSecret();

    // Act
    const out = await env.secretsManager.send(
      new RotateSecretCommand({
        SecretId: NAME,
        RotationLambdaARN: FUNCTION_ARN,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    await env.standIn.waitForRotations();

    // Assess
    const token = out.VersionId ?? '';
    expect(calls).toEqual(
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((Step) => ({
        Step,
        SecretId: arn,
        ClientRequestToken: token,
      })),
    );
    const secret = await env.secretsManager.send(new DescribeSecretCommand({ SecretId: NAME }));
    expect(secret).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 30 },
      VersionIdsToStages: { [firstVersion]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] },
    });
    expect(secret.LastRotatedDate).toBeInstanceOf(Date);
    expect(await valueAt('AWSCURRENT')).toBe(`next-${token}`);
    expect(await valueAt('AWSPREVIOUS')).toBe('first-value-0123456789');
  });

  it('leaves AWSCURRENT unchanged and the new version pending when a step fails', async () => {
    // Prepare
    const { firstVersion } = await createSecret();
    failingStep = 'testSecret';

    // Act
    const out = await env.secretsManager.send(
      new RotateSecretCommand({ SecretId: NAME, RotationLambdaARN: FUNCTION_ARN }),
    );
    await env.standIn.waitForRotations();

    // Assess
    expect(calls.map((call) => call.Step)).toEqual(['createSecret', 'setSecret', 'testSecret']);
    const secret = await env.secretsManager.send(new DescribeSecretCommand({ SecretId: NAME }));
    expect(secret.VersionIdsToStages).toEqual({
      [firstVersion]: ['AWSCURRENT'],
      [out.VersionId ?? '']: ['AWSPENDING'],
    });
    expect(await valueAt('AWSCURRENT')).toBe('first-value-0123456789');
    expect([...env.standIn.state.secrets.values()][0]?.rotation?.lastFailure).toMatch(
      /^PendingPasswordNotVerified/,
    );
  });

  it('answers that the previous rotation is unfinished, and retries it under its own token', async () => {
    // Prepare
    await createSecret();
    failingStep = 'testSecret';
    const first = await env.secretsManager.send(
      new RotateSecretCommand({ SecretId: NAME, RotationLambdaARN: FUNCTION_ARN }),
    );
    await env.standIn.waitForRotations();
    failingStep = undefined;
    calls.length = 0;

    // Act
    const error = await rejectionOf(env.secretsManager.send(new RotateSecretCommand({ SecretId: NAME })));
    await env.standIn.waitForRotations();

    // Assess
    expect(error.name).toBe('InvalidRequestException');
    expect(error.message).toContain("previous rotation isn't complete");
    expect(new Set(calls.map((call) => call.ClientRequestToken))).toEqual(new Set([first.VersionId]));
    expect(await valueAt('AWSCURRENT')).toBe(`next-${first.VersionId}`);
  });

  it('only schedules with RotateImmediately false, and CancelRotateSecret turns rotation off', async () => {
    // Prepare
    await createSecret();

    // Act
    await env.secretsManager.send(
      new RotateSecretCommand({
        SecretId: NAME,
        RotationLambdaARN: FUNCTION_ARN,
        RotationRules: { ScheduleExpression: 'rate(10 days)' },
        RotateImmediately: false,
      }),
    );
    await env.standIn.waitForRotations();
    const scheduled = await env.secretsManager.send(new DescribeSecretCommand({ SecretId: NAME }));
    await env.secretsManager.send(new CancelRotateSecretCommand({ SecretId: NAME }));
    const cancelled = await env.secretsManager.send(new DescribeSecretCommand({ SecretId: NAME }));

    // Assess
    expect(calls).toEqual([]);
    expect(scheduled).toMatchObject({
      RotationEnabled: true,
      RotationRules: { ScheduleExpression: 'rate(10 days)' },
    });
    expect(scheduled.NextRotationDate).toBeInstanceOf(Date);
    expect(cancelled.RotationEnabled).toBe(false);
  });

  it.each([
    [
      'a function Secrets Manager cannot invoke',
      { RotationLambdaARN: `${FUNCTION_ARN}-missing` },
      'AccessDeniedException',
    ],
    ['no function at all', {}, 'InvalidRequestException'],
    [
      'both days and an expression',
      {
        RotationLambdaARN: FUNCTION_ARN,
        RotationRules: { AutomaticallyAfterDays: 3, ScheduleExpression: 'rate(3 days)' },
      },
      'InvalidParameterException',
    ],
    [
      'a rate under 4 hours',
      { RotationLambdaARN: FUNCTION_ARN, RotationRules: { ScheduleExpression: 'rate(1 hour)' } },
      'InvalidParameterException',
    ],
  ])('refuses %s, changing nothing', async (_, input, code) => {
    // Prepare
    await createSecret();

    // Act
    const error = await rejectionOf(
      env.secretsManager.send(new RotateSecretCommand({ SecretId: NAME, ...input })),
    );

    // Assess
    expect(error.name).toBe(code);
    const secret = await env.secretsManager.send(new DescribeSecretCommand({ SecretId: NAME }));
    expect(secret.RotationEnabled).toBe(false);
    expect(calls).toEqual([]);
  });
});

describe('UpdateSecretVersionStage', () => {
  it('refuses to move a label from a version it is not on', async () => {
    // Prepare
    const { firstVersion } = await createSecret();
    const second = await env.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: NAME,
        SecretString: 'second-value-0123456789',
        VersionStages: ['AWSPENDING'],
      }),
    );

    // Act
    const error = await rejectionOf(
      env.secretsManager.send(
        new UpdateSecretVersionStageCommand({
          SecretId: NAME,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: second.VersionId,
          RemoveFromVersionId: 'not-the-current-version',
        }),
      ),
    );

    // Assess
    expect(error.name).toBe('InvalidParameterException');
    expect(await valueAt('AWSCURRENT')).toBe('first-value-0123456789');
    const secret = await env.secretsManager.send(new DescribeSecretCommand({ SecretId: NAME }));
    expect(secret.VersionIdsToStages?.[firstVersion]).toEqual(['AWSCURRENT']);
  });
});
