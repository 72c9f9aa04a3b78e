/**
 * Executions of the same request (or of conflicting requests for the same ReplicationGroupId) started
 * at the same moment, as a retried EventBridge delivery or two people clicking at once would.
 */
import type { RunResult } from '../../../local/workflow';
import type { ProvisioningResult } from '../../../shared/provision/state';
import { type SecretHit, scanExecutions } from '../secretScan';
import { resourcesOf } from './account';
import { convergenceProblems, duplicateProblems, mutationCounts } from './convergence';
import { comparableResult } from './crash';
import type { Harness } from './harness';
import { idsOf, type Request } from './requests';

export interface ConcurrentOutcome {
  runs: RunResult[];
  succeeded: RunResult[];
  conflicts: RunResult[];
  /** Executions that ended neither SUCCEEDED nor with ConflictError: each one is a defect. */
  other: { Error: string; Cause: string }[];
  /** Requests whose shape the existing group has (the winner's), by index in `requests`. */
  winners: number[];
  /** How the account differs from what the winning request asks for. */
  problems: string[];
  hits: SecretHit[];
  passwordsChecked: number;
}

export async function runConcurrently(harness: Harness, requests: Request[]): Promise<ConcurrentOutcome> {
  const mark = harness.standIn.calls.length;
  const { runs, logs } = await harness.executeAll(requests);
  const calls = harness.callsSince(mark);

  const succeeded = runs.filter((run) => run.status === 'SUCCEEDED');
  const conflicts = runs.filter((run) => run.error?.Error === 'ConflictError');
  const other = runs
    .filter((run) => run.status !== 'SUCCEEDED' && run.error?.Error !== 'ConflictError')
    .map((run) => run.error ?? { Error: 'unknown', Cause: '' });

  const problems: string[] = [];
  const ids = new Set(requests.map((request) => idsOf(request).replicationGroupId));
  if (ids.size !== 1) throw new Error('concurrent scenarios are about one ReplicationGroupId');
  const group = resourcesOf(harness.standIn, requests[0] as Request).replicationGroup;
  if (!group) problems.push('no replication group exists');
  else if (group.status !== 'available') problems.push(`the replication group is ${group.status}`);

  // The group that exists has the shape of the requests that succeeded; they all report it alike.
  const winners = requests.flatMap((request, index) =>
    group && group.clusterMode === ((request.ClusterMode as string | undefined) ?? 'disabled') ? [index] : [],
  );
  for (const [index, run] of runs.entries()) {
    const isWinner = winners.includes(index);
    if (run.status === 'SUCCEEDED' && !isWinner)
      problems.push(`execution ${index + 1} succeeded with another shape`);
    if (run.error?.Error === 'ConflictError' && isWinner) {
      problems.push(`execution ${index + 1} asked for the existing shape yet failed with ConflictError`);
    }
  }
  const results = succeeded.map((run) => JSON.stringify(comparableResult(run.output)));
  if (new Set(results).size > 1) problems.push('successful executions report different results');
  const creators = succeeded.filter((run) => (run.output as ProvisioningResult).Created.ReplicationGroup);
  if (creators.length > 1) problems.push(`${creators.length} executions claim to have created the group`);

  const first = succeeded[0];
  const winner = requests[winners[0] ?? 0] as Request;
  if (first) problems.push(...(await convergenceProblems(harness, winner, first.output)));
  problems.push(...duplicateProblems(calls, [winner]));
  const counts = mutationCounts(calls);
  if (counts.createReplicationGroup !== 1) {
    problems.push(`${counts.createReplicationGroup} successful CreateReplicationGroup calls, not 1`);
  }
  // Changing an existing group is never the way out of a conflict.
  if (calls.some((call) => call.action === 'ModifyReplicationGroup')) problems.push('a group was modified');

  const passwords = await harness.passwords();
  const hits = scanExecutions(passwords, [...runs, { logs }], 'concurrent execution');
  return { runs, succeeded, conflicts, other, winners, problems, hits, passwordsChecked: passwords.length };
}
