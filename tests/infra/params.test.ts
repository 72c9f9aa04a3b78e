/**
 * Deployment parameters that would widen the functions' permissions are refused before anything is
 * packaged or deployed (scripts/serverless-param-checks.cjs, a hook of `serverless package`/`deploy`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, SERVERLESS } from './support/package';

const run = promisify(execFile);

class ServerlessError extends Error {}
type Check = { check(): void; hooks: Record<string, () => void> };
const ParamChecks = createRequire(import.meta.url)('../../scripts/serverless-param-checks.cjs') as new (
  serverless: unknown,
) => Check;

function checksFor(passwordSecretPrefix: unknown): Check {
  return new ParamChecks({
    service: { custom: { passwordSecretPrefix } },
    classes: { Error: ServerlessError },
  });
}

describe('the passwordSecretPrefix parameter', () => {
  it('is checked before packaging, which deploying runs too', () => {
    // Assess
    expect(Object.keys(checksFor('elasticache-provisioner/').hooks)).toEqual(['before:package:initialize']);
  });

  it.each(['', '   '])('is refused when empty (%j): it would open every secret of the account', (prefix) => {
    // Act
    const check = () => checksFor(prefix).check();

    // Assess
    expect(check).toThrow(ServerlessError);
    expect(check).toThrow('passwordSecretPrefix must not be empty');
  });

  it.each(['teams/*', 'cache?'])('is refused with an IAM wildcard (%j)', (prefix) => {
    // Assess
    expect(() => checksFor(prefix).check()).toThrow('must not contain * or ?');
  });

  it('is accepted as a literal name prefix', () => {
    // Assess
    expect(() => checksFor('teams/cache/').check()).not.toThrow();
  });

  it('stops `serverless package` when it is blank, writing nothing', async () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), 'provisioner-params-'));

    try {
      // Act
      const outcome = run(
        process.execPath,
        [
          SERVERLESS,
          'package',
          '--package',
          directory,
          '--stage',
          'paramtest',
          '--param=passwordSecretPrefix= ',
        ],
        { cwd: ROOT, timeout: 120_000 },
      );

      // Assess
      await expect(outcome).rejects.toMatchObject({
        stdout: expect.stringContaining('passwordSecretPrefix must not be empty'),
      });
      expect(readdirSync(directory)).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 130_000);
});
