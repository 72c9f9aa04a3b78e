/**
 * Password rotation on real nodes: the local Secrets Manager runs the rotation function through its four
 * steps (RotateSecret), the ElastiCache stand-in applies the user's two passwords as ACLs on the node,
 * and a client that reconnects in a loop with the current secret never fails to authenticate.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ROTATION_FUNCTION_ARN } from '../../local/environment';
import type { Endpoint } from '../../shared/provision/state';
import { passwordIn } from '../support/secrets';
import { connectionOutcome, withNode } from './support/redis';
import { itLeavesNothingBehind, provisionForSuite } from './support/suite';

const suite = provisionForSuite('rotation-rbac.json', 'password rotation', { secured: true });
let secretsManager: SecretsManagerClient;

beforeAll(() => {
  secretsManager = new SecretsManagerClient({
    endpoint: suite.provisioned().env.endpoints.secretsmanager,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(() => {
  secretsManager?.destroy();
});

function appSecretArn(): string {
  const arn = suite.provisioned().result.Users.find((user) => user.UserName === 'app')?.PasswordSecretArn;
  if (!arn) throw new Error('The app user has no password secret');
  return arn;
}

function primary(): Endpoint {
  const { Endpoints } = suite.provisioned().result;
  if (!('Primary' in Endpoints)) throw new Error('The result has no primary endpoint');
  return Endpoints.Primary;
}

async function password(stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string> {
  const out = await secretsManager.send(
    new GetSecretValueCommand({ SecretId: appSecretArn(), VersionStage: stage }),
  );
  return passwordIn(out.SecretString ?? '');
}

/** Rotates the app user's secret and waits for the four steps; fails when a step failed. */
async function rotate(): Promise<void> {
  const { env } = suite.provisioned();
  await secretsManager.send(new RotateSecretCommand({ SecretId: appSecretArn() }));
  await env.standIn.waitForRotations();
  const secret = [...env.standIn.state.secrets.values()].find((record) => record.arn === appSecretArn());
  expect(secret?.rotation?.lastFailure).toBeUndefined();
}

function authenticatesWith(secretPassword: string): Promise<string> {
  return connectionOutcome(primary(), {
    ca: suite.ca(),
    credentials: { username: 'app', password: secretPassword },
  });
}

describe('password rotation on a TLS and RBAC group', () => {
  it('puts the generated secret on the requested schedule with the rotation function', async () => {
    // Act
    const secret = await secretsManager.send(new DescribeSecretCommand({ SecretId: appSecretArn() }));

    // Assess
    expect(secret.RotationEnabled).toBe(true);
    expect(secret.RotationLambdaARN).toBe(LOCAL_ROTATION_FUNCTION_ARN);
    expect(secret.RotationRules).toEqual({ AutomaticallyAfterDays: 30 });
  });

  it('never refuses a client that reconnects with the current secret while the password rotates', async () => {
    // Prepare
    const before = await password('AWSCURRENT');
    const failures: string[] = [];
    let connections = 0;
    let rotating = true;
    const clientLoop = (async () => {
      while (rotating) {
        try {
          // Read before every connect, as a client that caches nothing would; the GET proves the session works.
          const current = await password('AWSCURRENT');
          await withNode(
            primary(),
            { ca: suite.ca(), credentials: { username: 'app', password: current } },
            (client) => client.get('app:rotation'),
          );
          connections += 1;
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    // Act
    await rotate();
    rotating = false;
    await clientLoop;

    // Assess
    expect(failures).toEqual([]);
    expect(connections).toBeGreaterThan(5);
    expect(await password('AWSCURRENT')).not.toBe(before);
    expect(await password('AWSPREVIOUS')).toBe(before);
  });

  it('accepts the previous and the new password after a rotation, and refuses the oldest after the next', async () => {
    // Prepare
    const oldest = await password('AWSPREVIOUS');
    const previous = await password('AWSCURRENT');
    expect(await authenticatesWith(oldest)).toBe('connected');
    expect(await authenticatesWith(previous)).toBe('connected');

    // Act
    await rotate();

    // Assess
    const newest = await password('AWSCURRENT');
    expect(await password('AWSPREVIOUS')).toBe(previous);
    expect(await authenticatesWith(newest)).toBe('connected');
    expect(await authenticatesWith(previous)).toBe('connected');
    expect(await authenticatesWith(oldest)).toMatch(/WRONGPASS/);
  });

  itLeavesNothingBehind(suite, 1);
});
