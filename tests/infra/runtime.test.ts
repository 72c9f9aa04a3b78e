/**
 * Node 22 everywhere: the Lambda runtime, the bundles' target, and the Node that `npm test`, `npm run`
 * and `npx` use (the `node` devDependency puts its binary first on their PATH, whatever Node the
 * machine has).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './support/package';

const run = promisify(execFile);

const serverless = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'));
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lambdaMajor = Number(/^nodejs(\d+)\.x$/.exec(serverless.provider.runtime)?.[1]);

describe('the Node version', () => {
  it('is 22 on Lambda and in the bundles esbuild writes', () => {
    expect(serverless.provider.runtime).toBe('nodejs22.x');
    expect(serverless.custom.esbuild.target).toBe(`node${lambdaMajor}`);
  });

  it('runs the tests on the major version Lambda runs', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(lambdaMajor);
  });

  it('is the one node_modules/.bin/node gives npm scripts, pinned by the node devDependency', async () => {
    expect(packageJson.devDependencies.node).toMatch(new RegExp(`^\\^${lambdaMajor}\\.`));
    const { stdout } = await run(join(ROOT, 'node_modules', '.bin', 'node'), ['--version']);
    expect(stdout.trim()).toMatch(new RegExp(`^v${lambdaMajor}\\.`));
    expect(packageJson.engines.node).toBe('>=22.13.0');
  });

  it('types the code against the Node 22 API', () => {
    expect(packageJson.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${lambdaMajor}\\.`));
  });
});
