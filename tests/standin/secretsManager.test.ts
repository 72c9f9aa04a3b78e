import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { rejectionOf, serviceError, standInForTests } from './helpers';

const SECRET_ARN =
  /^arn:aws:secretsmanager:us-east-1:000000000000:secret:elasticache\/orders-app-[A-Za-z0-9]{6}$/;

const env = standInForTests();

async function createSecret(name = 'elasticache/orders-app') {
  return env.secretsManager.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: 'secret-value-0123456789',
      Description: 'Password of orders-app',
      Tags: [{ Key: 'team', Value: 'orders' }],
    }),
  );
}

describe('CreateSecret and GetSecretValue', () => {
  it('creates a secret and reads it back by name, ARN and ARN without suffix', async () => {
    // Act
    const created = await createSecret();
    const byName = await env.secretsManager.send(
      new GetSecretValueCommand({ SecretId: 'elasticache/orders-app' }),
    );
    const byArn = await env.secretsManager.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    const byPartialArn = await env.secretsManager.send(
      new GetSecretValueCommand({ SecretId: created.ARN?.slice(0, -7) }),
    );

    // Assess
    expect(created.ARN).toMatch(SECRET_ARN);
    expect(created).toMatchObject({ Name: 'elasticache/orders-app', VersionId: expect.any(String) });
    for (const read of [byName, byArn, byPartialArn]) {
      expect(read).toMatchObject({
        ARN: created.ARN,
        Name: 'elasticache/orders-app',
        SecretString: 'secret-value-0123456789',
        VersionId: created.VersionId,
        VersionStages: ['AWSCURRENT'],
      });
      expect(read.CreatedDate).toBeInstanceOf(Date);
    }
  });

  it('answers ResourceExistsException for a name already taken', async () => {
    // Prepare
    await createSecret();

    // Act
    const error = await rejectionOf(createSecret());

    // Assess
    expect(error).toBeInstanceOf(ResourceExistsException);
    expect(error.name).toBe('ResourceExistsException');
  });

  it('answers a retried creation (same ClientRequestToken and value) as the first one', async () => {
    // Prepare
    const request = { Name: 'retried', SecretString: 'value', ClientRequestToken: 'a'.repeat(36) };
    const first = await env.secretsManager.send(new CreateSecretCommand(request));

    // Act
    const second = await env.secretsManager.send(new CreateSecretCommand(request));

    // Assess
    expect(second).toMatchObject({ ARN: first.ARN, VersionId: 'a'.repeat(36) });
  });

  it('answers ResourceNotFoundException (HTTP 400) for an unknown secret', async () => {
    // Act
    const reading = env.secretsManager.send(new GetSecretValueCommand({ SecretId: 'nothing' }));

    // Assess
    const error = await serviceError(reading, ResourceNotFoundException, 400);
    expect(error.message).toBe("Secrets Manager can't find the specified secret.");
  });

  it('refuses a name with characters Secrets Manager does not allow', async () => {
    // Act
    const creating = env.secretsManager.send(
      new CreateSecretCommand({ Name: 'orders app', SecretString: 'x' }),
    );

    // Assess
    await expect(creating).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('DescribeSecret, TagResource and PutSecretValue', () => {
  it('describes a secret with its tags, never its value', async () => {
    // Prepare
    const created = await createSecret();
    await env.secretsManager.send(
      new TagResourceCommand({ SecretId: created.ARN, Tags: [{ Key: 'env', Value: 'test' }] }),
    );

    // Act
    const described = await env.secretsManager.send(
      new DescribeSecretCommand({ SecretId: 'elasticache/orders-app' }),
    );

    // Assess
    expect(described).toMatchObject({
      ARN: created.ARN,
      Name: 'elasticache/orders-app',
      Description: 'Password of orders-app',
      Tags: [
        { Key: 'team', Value: 'orders' },
        { Key: 'env', Value: 'test' },
      ],
      VersionIdsToStages: { [created.VersionId ?? '']: ['AWSCURRENT'] },
    });
    expect(described.CreatedDate).toBeInstanceOf(Date);
    expect(JSON.stringify(described)).not.toContain('secret-value-0123456789');
  });

  it('replaces the value with a new version', async () => {
    // Prepare
    const created = await createSecret();

    // Act
    const put = await env.secretsManager.send(
      new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'second-value-0123456789' }),
    );
    const read = await env.secretsManager.send(new GetSecretValueCommand({ SecretId: created.ARN }));

    // Assess
    expect(put.VersionId).not.toBe(created.VersionId);
    expect(read).toMatchObject({ SecretString: 'second-value-0123456789', VersionId: put.VersionId });
  });
});

describe('DeleteSecret', () => {
  it('schedules the deletion: the secret is described but no longer read', async () => {
    // Prepare
    await createSecret();

    // Act
    const deleted = await env.secretsManager.send(
      new DeleteSecretCommand({ SecretId: 'elasticache/orders-app', RecoveryWindowInDays: 7 }),
    );
    const readError = await rejectionOf(
      env.secretsManager.send(new GetSecretValueCommand({ SecretId: 'elasticache/orders-app' })),
    );
    const described = await env.secretsManager.send(
      new DescribeSecretCommand({ SecretId: 'elasticache/orders-app' }),
    );

    // Assess
    expect(deleted.DeletionDate).toBeInstanceOf(Date);
    expect(readError).toBeInstanceOf(InvalidRequestException);
    expect(described.DeletedDate).toBeInstanceOf(Date);
  });

  it('removes the secret at once with ForceDeleteWithoutRecovery', async () => {
    // Prepare
    await createSecret();

    // Act
    await env.secretsManager.send(
      new DeleteSecretCommand({ SecretId: 'elasticache/orders-app', ForceDeleteWithoutRecovery: true }),
    );
    const readError = await rejectionOf(
      env.secretsManager.send(new GetSecretValueCommand({ SecretId: 'elasticache/orders-app' })),
    );
    const recreated = await createSecret();

    // Assess
    expect(readError).toBeInstanceOf(ResourceNotFoundException);
    expect(recreated.ARN).toMatch(SECRET_ARN);
  });

  it('refuses ForceDeleteWithoutRecovery together with RecoveryWindowInDays', async () => {
    // Prepare
    await createSecret();

    // Act
    const deleting = env.secretsManager.send(
      new DeleteSecretCommand({
        SecretId: 'elasticache/orders-app',
        ForceDeleteWithoutRecovery: true,
        RecoveryWindowInDays: 7,
      }),
    );

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(InvalidParameterException);
  });
});
