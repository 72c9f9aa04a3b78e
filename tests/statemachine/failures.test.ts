import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createActiveUser } from '../reliability/support/account';
import { useHarness } from '../reliability/support/harness';
import { readJson, request, statesEntered } from './support/inputs';
import { ownIds } from './support/standIn';

const harness = useHarness();

const invalidRequests = readdirSync(new URL('../../events/invalid/', import.meta.url)).filter((file) =>
  file.endsWith('.json'),
);

/** Runs the input under ids of its own; also the calls the stand-in answered during the run. */
async function run(input: Record<string, unknown>) {
  const rename = ownIds(input);
  const mark = harness.standIn.calls.length;
  const execution = await harness.execute(rename(input));
  return { execution, calls: harness.callsSince(mark), rename };
}

describe('how the provisioning state machine fails, on the stand-in', () => {
  it.each(invalidRequests)(
    'rejects events/invalid/%s with ValidationError before any AWS call',
    async (file) => {
      // Prepare
      const input = readJson(`events/invalid/${file}`);

      // Act
      const { execution, calls } = await run(input);

      // Assess
      expect(execution.status).toBe('FAILED');
      expect(execution.error?.Error).toBe('ValidationError');
      const { problems } = JSON.parse(execution.error?.Cause ?? '{}') as { problems: unknown[] };
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) {
        expect(problem).toEqual({ field: expect.any(String), message: expect.any(String) });
      }
      expect(statesEntered(execution).at(-1)).toBe('ValidationError');
      expect(calls).toEqual([]);
    },
  );

  it('tells where a password belongs instead of echoing the one a request carries', async () => {
    // Act
    const { execution } = await run(readJson('events/invalid/password-in-request.json'));

    // Assess
    expect(execution.error?.Error).toBe('ValidationError');
    expect(execution.error?.Cause).toContain('PasswordSecretId');
    expect(execution.error?.Cause).toContain('Secrets Manager');
    expect(execution.error?.Cause).not.toContain('REPLACE_ME');
  });

  it('fails with ConflictError when a user exists with another UserName, creating nothing', async () => {
    // Prepare
    const input = request('cluster-mode-disabled-rbac.json');
    const rename = ownIds(input);
    await createActiveUser(harness.admin, {
      UserId: rename('mygroup-app'),
      UserName: 'someone-else',
      AccessString: 'on ~* +@all',
      Engine: 'redis',
      Password: 'Someone-Elses-Passw0rd',
    });
    const mark = harness.standIn.calls.length;

    // Act
    const execution = await harness.execute(rename(input));

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.Error).toBe('ConflictError');
    expect(execution.error?.Cause).toContain('someone-else');
    expect(statesEntered(execution).at(-1)).toBe('ConflictError');
    const created = harness.callsSince(mark).filter((call) => call.action.startsWith('Create'));
    expect(created).toEqual([]);
  });

  it('fails with ReplicationGroupCreateFailed, quoting ElastiCache, when the group ends create-failed', async () => {
    // Prepare
    harness.setFaults({ createFails: true });

    // Act
    const { execution, rename } = await run(request('cluster-mode-enabled.json'));

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.Error).toBe('ReplicationGroupCreateFailed');
    const groupId = rename('valkey20210');
    const failureEvent = harness.standIn.state.events
      .filter((event) => event.sourceIdentifier === groupId)
      .at(-1);
    expect(failureEvent?.message).toBeDefined();
    expect(execution.error?.Cause).toContain(failureEvent?.message);
    expect(statesEntered(execution).at(-1)).toBe('ReplicationGroupCreateFailed');
  });

  it('fails with ProvisioningTimedOut once the configured time limit is reached', async () => {
    // Prepare: checks at 30 and 40 s (first invocation), then 50 and 60 s, the limit.
    harness.setFaults({ neverAvailable: true });
    const polling = {
      TimeoutMinutes: 1,
      InitialWaitSeconds: 30,
      WaitSeconds: 10,
      ChecksPerInvocation: 2,
      CheckIntervalSeconds: 10,
    };

    // Act
    const { execution, calls } = await run(request('cluster-mode-disabled.json', { Polling: polling }));

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.Error).toBe('ProvisioningTimedOut');
    expect(execution.error?.Cause).toMatch(
      /not available after 1 minutes \(limit 1 minutes\); last status: creating/,
    );
    expect(statesEntered(execution).filter((state) => state === 'CheckAvailable')).toHaveLength(2);
    // One describe looking for an existing group, one before creating, four by the checks.
    expect(calls.filter((call) => call.action === 'DescribeReplicationGroups')).toHaveLength(6);
    expect(statesEntered(execution).at(-1)).toBe('ProvisioningTimedOut');
  });
});
