import { inspect } from 'node:util';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors';
import {
  ensureGeneratedSecret,
  GENERATED_PASSWORD_LENGTH,
  generatedSecretName,
  generatePassword,
  isAcceptablePassword,
  Password,
  passwordFromSecretString,
  readPasswordSecret,
  resolveSecretArn,
} from '../../shared/provision/secrets';

const sm = mockClient(SecretsManagerClient);
const secretsManager = new SecretsManagerClient({ region: 'eu-west-1' });

const SECRET_NAME = 'elasticache-provisioner/orders/orders-app';
const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${SECRET_NAME}-AbCdEf`;
const PASSWORD = 'StoredPassword0123456789stored';
const TAGS = [{ Key: 'managed-by', Value: 'elasticache-provisioner' }];

function accessDenied(): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: {},
    message: 'not authorized',
  });
}

beforeEach(() => {
  sm.reset();
});

describe('generatePassword', () => {
  it('makes passwords of 32 or more letters and digits that differ from one call to the next', () => {
    // Act
    const first = generatePassword().reveal();
    const second = generatePassword().reveal();

    // Assess
    expect(GENERATED_PASSWORD_LENGTH).toBeGreaterThanOrEqual(32);
    expect(first).toMatch(new RegExp(`^[A-Za-z0-9]{${GENERATED_PASSWORD_LENGTH}}$`));
    expect(second).toMatch(/^[A-Za-z0-9]+$/);
    expect(first).not.toBe(second);
    expect(isAcceptablePassword(first)).toBe(true);
  });

  it('skips random bytes that would favour some characters over others', () => {
    // Prepare: the first batch is only bytes at or above 248, which map unevenly onto 62 characters
    let calls = 0;
    const randomBytes = (size: number) => {
      calls += 1;
      return calls === 1 ? new Uint8Array(size).fill(250) : new Uint8Array(size).fill(61);
    };

    // Act
    const password = generatePassword(randomBytes).reveal();

    // Assess
    expect(password).toBe('9'.repeat(GENERATED_PASSWORD_LENGTH));
    expect(calls).toBe(2);
  });
});

describe('Password', () => {
  it('hides its value from JSON, string conversion and inspection', () => {
    // Prepare
    const password = new Password(PASSWORD);

    // Act
    const renderings = [JSON.stringify({ password }), String(password), `${password}`, inspect({ password })];

    // Assess
    for (const text of renderings) expect(text).not.toContain(PASSWORD);
    expect(password.reveal()).toBe(PASSWORD);
  });
});

describe('isAcceptablePassword', () => {
  it.each([
    ['15 characters', 'a'.repeat(15), false],
    ['16 characters', 'a'.repeat(16), true],
    ['128 characters', 'a'.repeat(128), true],
    ['129 characters', 'a'.repeat(129), false],
    ['a comma', `${'a'.repeat(16)},`, false],
    ['a double quote', `${'a'.repeat(16)}"`, false],
    ['a slash', `${'a'.repeat(16)}/`, false],
    ['an at sign', `${'a'.repeat(16)}@`, false],
    ['a newline', `${'a'.repeat(16)}\n`, false],
    ['a space', `${'a'.repeat(8)} ${'a'.repeat(8)}`, false],
    ['punctuation ElastiCache allows', `${'a'.repeat(16)}!#$%^&*()-_=+`, true],
  ])('judges a password with %s', (_, value, acceptable) => {
    // Act / Assess
    expect(isAcceptablePassword(value)).toBe(acceptable);
  });
});

describe('passwordFromSecretString', () => {
  it('takes a plain SecretString as the password', () => {
    // Act
    const read = passwordFromSecretString(PASSWORD);

    // Assess
    expect(read.ok && read.password.reveal()).toBe(PASSWORD);
  });

  it('takes the password key of a JSON SecretString', () => {
    // Act
    const read = passwordFromSecretString(JSON.stringify({ username: 'app', password: PASSWORD }));

    // Assess
    expect(read.ok && read.password.reveal()).toBe(PASSWORD);
  });

  it('takes a plain password that happens to parse as a JSON number as it is', () => {
    // Act
    const read = passwordFromSecretString('12345678901234567890');

    // Assess
    expect(read.ok && read.password.reveal()).toBe('12345678901234567890');
  });

  it.each([
    ['no SecretString', undefined, 'no SecretString'],
    ['a JSON object without password', JSON.stringify({ username: 'app' }), '"password" key'],
    [
      'a JSON password that is not a string',
      JSON.stringify({ password: 1234567890123456 }),
      '"password" key',
    ],
    ['a password that is too short', 'short', 'not one ElastiCache accepts'],
  ])('refuses %s without quoting the secret', (_, secretString, problem) => {
    // Act
    const read = passwordFromSecretString(secretString);

    // Assess
    expect(read.ok).toBe(false);
    const text = read.ok ? '' : read.problem;
    expect(text).toContain(problem);
    if (secretString !== undefined) expect(text).not.toContain(secretString);
  });
});

describe('readPasswordSecret', () => {
  it('returns the ARN and the password of the secret', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: SECRET_NAME }).resolves({
      ARN: SECRET_ARN,
      SecretString: PASSWORD,
    });

    // Act
    const read = await readPasswordSecret(secretsManager, SECRET_NAME);

    // Assess
    expect(read.ok && read.arn).toBe(SECRET_ARN);
    expect(read.ok && read.password.reveal()).toBe(PASSWORD);
  });

  it.each([
    ['missing', new ResourceNotFoundException({ message: "can't find the specified secret", $metadata: {} })],
    [
      'scheduled for deletion',
      new InvalidRequestException({ message: 'marked for deletion', $metadata: {} }),
    ],
  ])('describes a secret that is %s as unusable', async (_, error) => {
    // Prepare
    sm.on(GetSecretValueCommand).rejects(error);

    // Act
    const read = await readPasswordSecret(secretsManager, SECRET_NAME);

    // Assess
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.problem).toContain(error.name);
  });

  it('lets other errors such as AccessDeniedException propagate with their SDK name', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).rejects(accessDenied());

    // Act / Assess
    await expect(readPasswordSecret(secretsManager, SECRET_NAME)).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});

describe('ensureGeneratedSecret', () => {
  const params = { name: SECRET_NAME, userName: 'app', description: 'Password of app', tags: TAGS };

  it('creates the secret with the username, a fresh password, the description and the tags', async () => {
    // Prepare
    sm.on(CreateSecretCommand).resolves({ ARN: SECRET_ARN, Name: SECRET_NAME });

    // Act
    const secret = await ensureGeneratedSecret({ secretsManager }, params);

    // Assess
    expect(sm).toHaveReceivedCommandExactlyOnceWith(CreateSecretCommand, {
      Name: SECRET_NAME,
      Description: 'Password of app',
      SecretString: JSON.stringify({ username: 'app', password: secret.password.reveal() }),
      Tags: TAGS,
    });
    expect(secret.arn).toBe(SECRET_ARN);
    expect(secret.created).toBe(true);
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('reuses the password of a secret of that name that already exists', async () => {
    // Prepare
    sm.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    sm.on(GetSecretValueCommand, { SecretId: SECRET_NAME }).resolves({
      ARN: SECRET_ARN,
      SecretString: JSON.stringify({ username: 'app', password: PASSWORD }),
    });

    // Act
    const secret = await ensureGeneratedSecret({ secretsManager }, params);

    // Assess
    expect(secret).toMatchObject({ arn: SECRET_ARN, created: false });
    expect(secret.password.reveal()).toBe(PASSWORD);
  });

  it('refuses to reuse an existing secret whose content is not a usable password', async () => {
    // Prepare
    sm.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    sm.on(GetSecretValueCommand).resolves({ ARN: SECRET_ARN, SecretString: JSON.stringify({ other: 'x' }) });

    // Act / Assess
    await expect(ensureGeneratedSecret({ secretsManager }, params)).rejects.toBeInstanceOf(ConflictError);
  });

  it('lets other CreateSecret errors propagate with their SDK name', async () => {
    // Prepare
    sm.on(CreateSecretCommand).rejects(accessDenied());

    // Act / Assess
    await expect(ensureGeneratedSecret({ secretsManager }, params)).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });
});

describe('resolveSecretArn', () => {
  it('returns the ARN of an existing secret', async () => {
    // Prepare
    sm.on(DescribeSecretCommand, { SecretId: SECRET_NAME }).resolves({ ARN: SECRET_ARN, Name: SECRET_NAME });

    // Act / Assess
    expect(await resolveSecretArn(secretsManager, SECRET_NAME)).toBe(SECRET_ARN);
  });

  it('returns nothing for a missing secret or one scheduled for deletion', async () => {
    // Prepare
    sm.on(DescribeSecretCommand, { SecretId: 'missing' }).rejects(
      new ResourceNotFoundException({ message: 'not found', $metadata: {} }),
    );
    sm.on(DescribeSecretCommand, { SecretId: SECRET_NAME }).resolves({
      ARN: SECRET_ARN,
      DeletedDate: new Date(),
    });

    // Act
    const missing = await resolveSecretArn(secretsManager, 'missing');
    const deleted = await resolveSecretArn(secretsManager, SECRET_NAME);

    // Assess
    expect(missing).toBeUndefined();
    expect(deleted).toBeUndefined();
  });
});

describe('generatedSecretName', () => {
  it('names the secret after the user group and the user', () => {
    // Act / Assess
    expect(generatedSecretName('orders', 'orders-app')).toBe('elasticache-provisioner/orders/orders-app');
  });
});
