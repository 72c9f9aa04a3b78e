import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DescribeCacheEngineVersionsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProvisioningResult } from '../../shared/provision/state';
import {
  describeHits,
  passwordsInSecretString,
  scanForGeneratedPasswordShapes,
  scanForSecrets,
} from './secretScan';
import { recordFigure } from './support/figures';
import { fixturePath } from './support/requests';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HELD = 'The nodes stay up until Ctrl-C.';

let child: ChildProcess | undefined;

afterEach(async () => {
  // Started here, stopped here: SIGTERM makes the CLI stop its stand-in and nodes.
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  child = undefined;
});

/** `npm run provision -- <request> --faults <plan>`, held open once the result is out. */
function provision(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const started = spawn(process.execPath, ['--import', 'tsx', 'local/cli/provision.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'INFO' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    // stdout and stderr are separate pipes: the "held" line may arrive before the result has.
    const resolveOnceHeld = () => {
      if (stderr.includes(HELD) && stdout.split('\n').includes('}')) resolve({ stdout, stderr });
    };
    started.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      resolveOnceHeld();
    });
    started.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      resolveOnceHeld();
    });
    started.once('exit', (code) => reject(new Error(`provision exited with ${code}:\n${stdout}\n${stderr}`)));
    started.once('error', reject);
  });
}

/** The result is printed indented; INFO log lines (one JSON object a line) go to stdout as well. */
function resultDocument(stdout: string): unknown {
  const lines = stdout.split('\n');
  const start = lines.indexOf('{');
  const end = lines.indexOf('}', start);
  return JSON.parse(lines.slice(start, end + 1).join('\n'));
}

describe('npm run provision with --faults (tests/fixtures/reliability/transient-faults.json)', () => {
  it('provisions through throttling, server errors and latency, and prints no password', async () => {
    // Act
    const { stdout, stderr } = await provision([
      fixturePath('cli-request.json'),
      '--nodes',
      'simulated',
      '--faults',
      fixturePath('transient-faults.json'),
    ]);

    // Assess: the result, then every password the local Secrets Manager holds for it, searched for.
    const result = resultDocument(stdout) as ProvisioningResult & {
      Local: { Endpoints: { elasticache: string; secretsmanager: string } };
    };
    expect(result).toMatchObject({ ReplicationGroupId: 'cli-faults', Status: 'available' });
    expect(stderr).toContain('Available after');
    // The plan is in force in the CLI's stand-in: single attempts there meet its faults too.
    const probe = new ElastiCacheClient({
      endpoint: result.Local.Endpoints.elasticache,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const answers: string[] = [];
    for (let call = 0; call < 30; call++) {
      answers.push(
        await probe.send(new DescribeCacheEngineVersionsCommand({ Engine: 'redis' })).then(
          () => 'ok',
          (error: Error) => error.name,
        ),
      );
    }
    probe.destroy();
    expect(answers).toContain('Throttling');
    const secretsManager = new SecretsManagerClient({
      endpoint: result.Local.Endpoints.secretsmanager,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 10,
    });
    const passwords: string[] = [];
    for (const user of result.Users) {
      if (!user.PasswordSecretArn) continue;
      const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: user.PasswordSecretArn }));
      passwords.push(...passwordsInSecretString(out.SecretString));
    }
    secretsManager.destroy();
    // The app user's generated password; the managed default user has none (it is switched off).
    expect(passwords).toHaveLength(1);
    const hits = [
      ...scanForSecrets(passwords, { 'CLI stdout': stdout, 'CLI stderr': stderr }),
      ...scanForGeneratedPasswordShapes({ 'CLI stdout': stdout, 'CLI stderr': stderr }),
    ];
    recordFigure({ kind: 'secrets', source: 'CLI output', passwords: passwords.length, hits: hits.length });
    expect(hits, describeHits(hits)).toEqual([]);
  }, 120_000);
});
