import { describe, expect, it } from 'vitest';
import { describeHits } from './secretScan';
import { createActiveUser, createGivenSecret } from './support/account';
import { type ConcurrentOutcome, runConcurrently } from './support/concurrency';
import { recordFigure } from './support/figures';
import { useHarness } from './support/harness';
import {
  clusterModeDisabledRequest,
  clusterModeEnabledRequest,
  type Request,
  rbacRequest,
  valkeyIamRequest,
} from './support/requests';

const harness = useHarness();

function record(scenario: string, outcome: ConcurrentOutcome) {
  recordFigure({
    kind: 'concurrency',
    scenario,
    executions: outcome.runs.length,
    succeeded: outcome.succeeded.length,
    conflicts: outcome.conflicts.length,
    other: outcome.other.length,
  });
  recordFigure({
    kind: 'secrets',
    source: `concurrency ${scenario}`,
    passwords: -1,
    hits: outcome.hits.length,
  });
}

function expectConsistent(outcome: ConcurrentOutcome) {
  expect(outcome.other, 'every execution succeeded or failed with ConflictError').toEqual([]);
  expect(outcome.problems).toEqual([]);
  expect(outcome.hits, describeHits(outcome.hits)).toEqual([]);
}

describe('identical requests started at the same moment', () => {
  it.each([2, 10])(
    '%i executions without RBAC all succeed with one group and the same result',
    async (count) => {
      // Prepare
      const request = clusterModeEnabledRequest(`same-plain-${count}`);

      // Act
      const outcome = await runConcurrently(
        harness,
        Array.from({ length: count }, () => request),
      );
      record(`${count} identical, no RBAC`, outcome);

      // Assess
      expectConsistent(outcome);
      expect(outcome.succeeded).toHaveLength(count);
    },
  );

  it.each([2, 10])(
    '%i executions with RBAC all succeed with one group, each user and secret made once',
    async (count) => {
      // Prepare
      const id = `same-rbac-${count}`;
      await createGivenSecret(harness.admin, id);
      const request = rbacRequest(id);

      // Act
      const outcome = await runConcurrently(
        harness,
        Array.from({ length: count }, () => request),
      );
      record(`${count} identical, RBAC`, outcome);

      // Assess
      expectConsistent(outcome);
      expect(outcome.succeeded).toHaveLength(count);
    },
  );
});

describe('identical requests whose users exist already, started at the same moment', () => {
  it.each([2, 10])('%i executions all succeed with one user group, made once', async (count) => {
    // Prepare: the users are there (an earlier run, or a person), the user group is not.
    const request = valkeyIamRequest(`same-group-${count}`);
    for (const user of request.Rbac.Users) {
      await createActiveUser(harness.admin, { ...user, Engine: 'valkey' });
    }

    // Act
    const outcome = await runConcurrently(
      harness,
      Array.from({ length: count }, () => request),
    );
    record(`${count} identical, users existing`, outcome);

    // Assess
    expectConsistent(outcome);
    expect(outcome.succeeded).toHaveLength(count);
  });
});

describe('conflicting requests for the same ReplicationGroupId started at the same moment', () => {
  it.each([
    [2, 1],
    [10, 5],
  ])(
    '%i executions (%i of them cluster mode enabled) end with one group: its own shape succeeds, the other is a ConflictError',
    async (count, enabled) => {
      // Prepare
      const id = `conflict-${count}`;
      const requests: Request[] = Array.from({ length: count }, (_, index) =>
        index % 2 === 0 && index / 2 < enabled
          ? clusterModeEnabledRequest(id)
          : clusterModeDisabledRequest(id),
      );

      // Act
      const outcome = await runConcurrently(harness, requests);
      record(`${count} conflicting (${enabled} enabled)`, outcome);

      // Assess
      expectConsistent(outcome);
      expect(outcome.succeeded.length).toBe(outcome.winners.length);
      expect(outcome.conflicts.length).toBe(count - outcome.winners.length);
      expect(outcome.conflicts.length).toBeGreaterThan(0);
    },
  );
});
