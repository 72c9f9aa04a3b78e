/**
 * The npm commands as a user types them: help, option syntax, files that are missing or malformed,
 * and stops by signal that leave no process and no temporary directory behind (npm passes SIGTERM
 * to its shell only; the commands must still stop everything they started).
 */
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killRunning, leftovers, npmRun, processTree, REPO_ROOT, until } from './support/processes';

const HELD_REQUEST = path.join(REPO_ROOT, 'tests/fixtures/e2e/cli-held.json');
const MALFORMED = path.join(REPO_ROOT, 'tests/fixtures/e2e/malformed.json.txt');

describe('the npm commands', () => {
  afterEach(() => killRunning());

  it('prints the usage on stdout and exits 0 for --help, for every command', {
    timeout: 90_000,
  }, async () => {
    // Act
    const runs = await Promise.all(
      ['local', 'provision', 'teardown', 'password'].map(async (script) => {
        const run = npmRun(script, ['--help']);
        return { script, exit: await run.exited, stdout: run.stdout, stderr: run.stderr };
      }),
    );

    // Assess
    for (const run of runs) {
      expect(run.exit, run.script).toEqual({ code: 0, signal: null });
      expect(run.stdout, run.script).toMatch(/^Usage: npm run/);
      expect(run.stderr, run.script).toBe('');
    }
  });

  it('names a request file that is missing or not JSON, and takes --option=value', {
    timeout: 90_000,
  }, async () => {
    // Act
    const missing = npmRun('provision', ['no-such-request.json']);
    const malformed = npmRun('provision', [MALFORMED, '--nodes=simulated']);
    const planned = npmRun('provision', [HELD_REQUEST, '--nodes=simulated', '--plan']);
    const badChoice = npmRun('provision', [HELD_REQUEST, '--nodes=fake']);
    const exits = await Promise.all([missing.exited, malformed.exited, planned.exited, badChoice.exited]);

    // Assess
    expect(exits.map((exit) => exit.code)).toEqual([2, 2, 0, 2]);
    expect(missing.stderr).toContain(
      'provision: cannot read the request file no-such-request.json: no such file',
    );
    expect(malformed.stderr).toContain(`provision: the request file ${MALFORMED} is not valid JSON`);
    expect(JSON.parse(planned.stdout)).toMatchObject({ Request: { ReplicationGroupId: 'e2e-cli-held' } });
    expect(badChoice.stderr).toContain('provision: --nodes must be auto, real or simulated');
  });

  it('stops a held `npm run provision` on SIGTERM sent to npm: no redis-server, no temporary directory left', async () => {
    // Prepare
    const held = npmRun('provision', [HELD_REQUEST]);
    await until(held, () => held.stderr.includes('The nodes stay up until Ctrl-C.'), 60_000);
    const tree = processTree(held.child.pid ?? 0);
    const nodes = tree.filter((entry) => entry.command === 'redis-server');
    // Each node runs in its own directory inside the group's.
    const directories = [
      ...new Set(nodes.map((node) => path.dirname(readlinkSync(`/proc/${node.pid}/cwd`)))),
    ];

    // Act
    held.child.kill('SIGTERM');
    await held.exited;

    // Assess
    expect(nodes).toHaveLength(2);
    expect(directories).toHaveLength(1);
    expect(await leftovers(tree, directories)).toEqual({ processes: [], directories: [] });
  }, 90_000);

  it('stops `npm run teardown` on SIGTERM sent to npm, leaving no process', async () => {
    // Prepare
    const teardown = npmRun('teardown', ['orders-cache', '--endpoint', 'http://127.0.0.1:9']);
    await until(teardown, () => teardown.stderr.includes('Local ElastiCache at'), 60_000);
    const tree = processTree(teardown.child.pid ?? 0);

    // Act
    teardown.child.kill('SIGTERM');
    await teardown.exited;

    // Assess
    expect(tree.map((entry) => entry.command)).toContain('node');
    expect(await leftovers(tree, [])).toEqual({ processes: [], directories: [] });
  }, 90_000);
});
