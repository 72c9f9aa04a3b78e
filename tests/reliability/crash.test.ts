import { beforeAll, describe, expect, it } from 'vitest';
import { describeHits } from './secretScan';
import { createGivenSecret } from './support/account';
import {
  CALL_CRASH_POINTS,
  type CrashPoint,
  crashAndRerun,
  crashingHandlers,
  invocationCrashPoints,
  SAMPLED_POINTS,
  TASK_CRASH_POINTS,
} from './support/crash';
import { everyCrashPoint, recordFigure } from './support/figures';
import { useHarness } from './support/harness';
import { rbacRequest } from './support/requests';

const harness = useHarness();
/**
 * Crash points after function invocations of a clean run: all of them with
 * RELIABILITY_CRASH_POINTS=every, an evenly spread sample of them otherwise.
 */
let censusPoints: CrashPoint[] = [];

// Runs after the harness started: hooks run in the order they are registered.
beforeAll(async () => {
  // Prepare: the invocations a clean run of the same request makes.
  const { handlers, log } = await crashingHandlers(harness, undefined);
  await createGivenSecret(harness.admin, 'crash-census');
  const clean = await harness.execute(rbacRequest('crash-census'), harness.workflow(handlers));
  expect(clean.status).toBe('SUCCEEDED');
  censusPoints = invocationCrashPoints(log.invocations, everyCrashPoint() ? 'every' : SAMPLED_POINTS);
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

describe('an execution stopped after any one of its function invocations', () => {
  it('takes its crash points from a clean run that invokes every function', () => {
    // Assess: a real, non-empty set (all of them with RELIABILITY_CRASH_POINTS=every).
    expect(censusPoints.length).toBe(
      everyCrashPoint() ? censusPoints.length : Math.min(SAMPLED_POINTS, censusPoints.length),
    );
    expect(censusPoints.length).toBeGreaterThanOrEqual(everyCrashPoint() ? TASK_CRASH_POINTS.length : 2);
  });

  it('converges from each crash point of a clean run', async () => {
    // Act
    let reached = 0;
    for (const point of censusPoints) if (await expectConvergence(point, true)) reached += 1;
    // Assess: a status loop may take one check fewer than in the census; every other point is reached.
    expect(censusPoints.length).toBeGreaterThan(0);
    expect(reached).toBeGreaterThanOrEqual(Math.min(censusPoints.length - 1, TASK_CRASH_POINTS.length));
  }, 300_000);
});
