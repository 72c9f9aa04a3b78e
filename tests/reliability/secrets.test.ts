import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import {
  describeHits,
  passwordsInSecretString,
  scanExecutions,
  scanForGeneratedPasswordShapes,
  scanForSecrets,
} from './secretScan';
import { createGivenSecret } from './support/account';
import { recordFigure } from './support/figures';
import { capturingOutput, useHarness } from './support/harness';
import { givenSecretName, rbacRequest } from './support/requests';

// A backslash, so that escaping it for JSON changes how it is written.
const PASSWORD = 'Plant3d\\Password-For-The-Scanner-0001';
/** Where the harness's log settings apply: the logger must be loaded after it started. */
const loggerModule = () => import('../../shared/logger');

const harness = useHarness();

/** The JSON log entries a body wrote to stdout or stderr. */
async function logEntries(body: () => Promise<void> | void): Promise<Record<string, unknown>[]> {
  const { output } = await capturingOutput(async () => {
    await body();
  });
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the secret scanner', () => {
  it('finds a password as is, JSON-escaped, base64 or URL-encoded, and says where', () => {
    // Prepare
    const sources = {
      history: [{ type: 'StateExited', output: { note: `x${PASSWORD}y` } }],
      logs: JSON.stringify({ message: JSON.stringify({ password: PASSWORD }) }),
      output: { token: Buffer.from(PASSWORD).toString('base64') },
      cli: `https://example.com/?p=${encodeURIComponent(PASSWORD)}`,
      stdout: `password: ${PASSWORD}\n`,
      clean: { nothing: 'here' },
    };

    // Act
    const hits = scanForSecrets([PASSWORD], sources);

    // Assess
    expect(hits.map((hit) => `${hit.source}: ${hit.encoding}`).sort()).toEqual([
      'cli: URL-encoded',
      'history: JSON-escaped',
      'logs: JSON-escaped twice',
      'output: base64',
      'stdout: as is',
    ]);
    expect(describeHits(hits)).not.toContain(PASSWORD);
  });

  it('finds strings shaped like a generated password, not hexadecimal ids', () => {
    // Act
    const hits = scanForGeneratedPasswordShapes({
      out: `a aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bD1fH3jL5nP7r b ${'0123456789abcdef'.repeat(2)}01234567 c`,
    });

    // Assess
    expect(hits).toHaveLength(1);
  });

  it('reads the password of a plain or a JSON secret', () => {
    expect(passwordsInSecretString(JSON.stringify({ username: 'app', password: PASSWORD }))).toEqual([
      PASSWORD,
    ]);
    expect(passwordsInSecretString(PASSWORD)).toEqual([PASSWORD]);
    expect(passwordsInSecretString(undefined)).toEqual([]);
  });
});

describe('passwords never appear in execution history, output, errors or function logs', () => {
  it('a provisioning run with generated and given passwords leaves none anywhere', async () => {
    // Prepare
    const id = 'secrets-clean';
    await createGivenSecret(harness.admin, id);

    // Act
    const run = await harness.execute(rbacRequest(id));

    // Assess: the scan has material (passwords, INFO logs of the functions, the events logged).
    const passwords = await harness.passwords();
    const hits = scanExecutions(passwords, [run]);
    recordFigure({
      kind: 'secrets',
      source: 'provisioning run',
      passwords: passwords.length,
      hits: hits.length,
    });
    expect(run.status, run.error?.Cause).toBe('SUCCEEDED');
    // The given and the generated password; the managed default user has none.
    expect(passwords).toHaveLength(2);
    expect(run.logs).toContain('"function_name":"ensureUsers"');
    expect(run.logs).toContain('Lambda invocation event');
    expect(hits, describeHits(hits)).toEqual([]);

    // Assess: the same scan finds a password the moment one is there.
    const leaked = { ...run, history: [...run.history, { leaked: passwords[0] }] };
    expect(scanExecutions(passwords, [leaked])).toHaveLength(1);
  });

  it('a run failing on an unusable secret names the problem without quoting the secret', async () => {
    // Prepare: a password ElastiCache refuses (a comma), in the secret the request names.
    const id = 'secrets-unusable';
    const unusable = 'Unusable,Password-In-A-Secret-0001';
    await harness.admin.secretsManager.send(
      new CreateSecretCommand({ Name: givenSecretName(id), SecretString: unusable }),
    );

    // Act
    const run = await harness.execute(rbacRequest(id));

    // Assess
    const hits = scanExecutions([unusable], [run]);
    recordFigure({ kind: 'secrets', source: 'failed run', passwords: 1, hits: hits.length });
    expect(run.error?.Error).toBe('ValidationError');
    expect(run.error?.Cause).toContain('PasswordSecretId');
    expect(hits, describeHits(hits)).toEqual([]);
  });
});

describe('structured logs redact the values of secret-shaped keys', () => {
  it.each([
    ['Password', true],
    ['passwords', true],
    ['AuthToken', true],
    ['token', true],
    ['SessionToken', true],
    ['SecretString', true],
    ['secret', true],
    ['ResponseURL', true],
    ['PasswordSecretArn', false],
    ['PasswordSecretId', false],
    ['SecretArn', false],
    ['UserName', false],
    ['AccessString', false],
  ])('treats %s as secret: %s', async (key, secret) => {
    const { isSecretKey } = await loggerModule();
    expect(isSecretKey(key)).toBe(secret);
  });

  it('writes [redacted] for such keys at any depth, and keeps everything else', async () => {
    // Prepare
    const { logger, REDACTED } = await loggerModule();

    // Act
    const [entry] = await logEntries(() => {
      logger.warn('Something with secrets', {
        UserId: 'orders-app',
        Password: PASSWORD,
        nested: {
          Passwords: [PASSWORD],
          AuthToken: PASSWORD,
          SecretString: JSON.stringify({ password: PASSWORD }),
          ResponseURL: `https://example.com/?X-Amz-Signature=${PASSWORD}`,
          PasswordSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x',
        },
      });
    });

    // Assess
    expect(JSON.stringify(entry)).not.toContain(PASSWORD);
    expect(entry).toMatchObject({
      level: 'WARN',
      message: 'Something with secrets',
      UserId: 'orders-app',
      Password: REDACTED,
      nested: {
        Passwords: REDACTED,
        AuthToken: REDACTED,
        SecretString: REDACTED,
        ResponseURL: REDACTED,
        PasswordSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x',
      },
    });
  });

  it('redacts a logged invocation event too (a custom resource event carries a pre-signed ResponseURL)', async () => {
    // Prepare
    const { default: middy } = await import('@middy/core');
    const { injectLambdaContext } = await import('@aws-lambda-powertools/logger/middleware');
    const { logger, REDACTED } = await loggerModule();
    const handler = middy(async () => 'done').use(injectLambdaContext(logger, { logEvent: true }));
    const event = { RequestType: 'Create', ResponseURL: `https://example.com/?X-Amz-Signature=${PASSWORD}` };

    // Act
    const entries = await logEntries(async () => {
      await handler(event, {
        functionName: 'f',
        awsRequestId: 'r',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f',
        memoryLimitInMB: '128',
      } as never);
    });

    // Assess
    const logged = entries.find((entry) => entry.message === 'Lambda invocation event');
    expect(logged).toMatchObject({ event: { RequestType: 'Create', ResponseURL: REDACTED } });
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);
  });
});
