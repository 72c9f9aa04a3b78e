import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeHits } from './secretScan';
import { createGivenSecret } from './support/account';
import {
  CALL_CRASH_POINTS,
  type CrashPoint,
  crashAndRerun,
  crashingHandlers,
  TASK_CRASH_POINTS,
} from './support/crash';
import { everyCrashPoint, recordFigure } from './support/figures';
import { type Harness, startHarness } from './support/harness';
import { rbacRequest } from './support/requests';

let harness: Harness;
/** With RELIABILITY_CRASH_POINTS=every: one crash after each function invocation of a clean run. */
let everyInvocation: CrashPoint[] = [];

beforeAll(async () => {
  harness = await startHarness();
  if (everyCrashPoint()) {
    // Prepare: how many invocations a clean run of the same request makes.
    const { handlers, log } = await crashingHandlers(harness, undefined);
    await createGivenSecret(harness.admin, 'crash-census');
    const clean = await harness.execute(rbacRequest('crash-census'), harness.workflow(handlers));
    expect(clean.status).toBe('SUCCEEDED');
    everyInvocation = log.invocations.map((fn, index) => ({
      kind: 'after-any-invocation',
      invocation: index + 1,
      label: `after invocation ${index + 1} (${fn})`,
    }));
  }
});

afterAll(async () => {
  await harness?.close();
});

let scenario = 0;

/**
 * Resolves whether the crash point was reached. Only with `mayFinishFirst` (the census-derived points,
 * whose count of status-loop invocations depends on timing) may a run end before it; it must then have
 * succeeded and still converge.
 */
async function expectConvergence(point: CrashPoint, mayFinishFirst = false): Promise<boolean> {
  // Act
  scenario++;
  const outcome = await crashAndRerun(harness, point, `crash-${scenario}`);
  if (mayFinishFirst && !outcome.crashed) {
    expect(outcome.rerun.status, outcome.rerun.error?.Cause).toBe('SUCCEEDED');
    expect(outcome.problems).toEqual([]);
    expect(outcome.hits).toEqual([]);
    return false;
  }
  recordFigure({ kind: 'crash', point: point.label, converged: outcome.problems.length === 0 });
  recordFigure({
    kind: 'secrets',
    source: `crash ${point.label}`,
    passwords: outcome.passwordsChecked,
    hits: outcome.hits.length,
  });

  // Assess
  expect(outcome.crashed, 'the crash point was reached').toBe(true);
  expect(outcome.crashedWith, 'the crash stopped the execution').toBeDefined();
  expect(outcome.rerun.status, outcome.rerun.error?.Cause).toBe('SUCCEEDED');
  expect(outcome.problems).toEqual([]);
  // The generated password of app and the given one (the managed default user has none).
  expect(outcome.passwordsChecked).toBeGreaterThanOrEqual(2);
  expect(outcome.hits, describeHits(outcome.hits)).toEqual([]);
  return true;
}

describe('an execution stopped after a step, then run again with the same request', () => {
  it.each(TASK_CRASH_POINTS.map((point) => [point.label, point] as const))(
    'converges %s: the same endpoints, users and group, nothing made twice, nothing deleted',
    async (_, point) => {
      await expectConvergence(point);
    },
  );
});

describe('a function that dies right after one of its AWS calls went through, then a re-run', () => {
  it.each(CALL_CRASH_POINTS.map((point) => [point.label, point] as const))(
    'converges %s, the user keeping the password of its secret',
    async (_, point) => {
      await expectConvergence(point);
    },
  );
});

describe('an execution stopped after any one of its function invocations (RELIABILITY_CRASH_POINTS=every)', () => {
  it('converges from every crash point of a clean run', async () => {
    // Assess: without the variable the list is empty and the run-time budget of `npm test` is kept.
    let reached = 0;
    for (const point of everyInvocation) if (await expectConvergence(point, true)) reached += 1;
    expect(everyInvocation.length === 0 || everyInvocation.length >= TASK_CRASH_POINTS.length).toBe(true);
    // A status loop may take one check fewer than in the census; every other point is reached.
    expect(reached).toBeGreaterThanOrEqual(Math.min(everyInvocation.length, TASK_CRASH_POINTS.length));
  }, 300_000);
});
