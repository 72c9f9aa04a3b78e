/**
 * The bench's count of the calls a change makes (bench/changeCalls.ts), checked on real runs so its
 * figures cannot silently go wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AT_ONCE, CHANGE_KINDS, type ChangeKind, measureChange, rowOf } from '../../bench/changeCalls';
import type { StandInCall } from '../../local/standin';
import { type Harness, startHarness } from '../reliability/support/harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ delays: AT_ONCE });
});

afterAll(async () => {
  await harness?.close();
});

function kind(name: string): ChangeKind {
  const found = CHANGE_KINDS.find((candidate) => candidate.name.startsWith(name));
  if (!found) throw new Error(`no change kind ${name}`);
  return found;
}

const call = (action: string): StandInCall => ({ service: 'elasticache', action, at: 0, status: 200 });

describe('the calls of a change, as the bench counts them', () => {
  it('tells the writes a change needs from the change mark and counts the reads by action', () => {
    // Prepare
    const calls = ['AddTagsToResource', 'DescribeReplicationGroups', 'IncreaseReplicaCount']
      .concat(['DescribeReplicationGroups', 'RemoveTagsFromResource'])
      .map(call);

    // Act
    const row = rowOf(kind('replicas up'), 'SUCCEEDED', calls);

    // Assess
    expect(row).toMatchObject({
      calls: 5,
      reads: 2,
      readsByAction: { DescribeReplicationGroups: 2 },
      minimum: 4,
      extraWrites: ['AddTagsToResource', 'RemoveTagsFromResource'],
      missingWrites: [],
    });
  });

  it('finds exactly one IncreaseReplicaCount in a replica added, besides the change mark', async () => {
    // Act
    const row = await measureChange(harness, kind('replicas up'), 'count-replica');

    // Assess
    expect(row.status).toBe('SUCCEEDED');
    expect(row.writes.sort()).toEqual([
      'AddTagsToResource',
      'IncreaseReplicaCount',
      'RemoveTagsFromResource',
    ]);
    expect(row.missingWrites).toEqual([]);
  });

  it('finds the secret and the user deleted when a user is removed', async () => {
    // Act
    const row = await measureChange(harness, kind('a user removed'), 'count-user');

    // Assess
    expect(row.status).toBe('SUCCEEDED');
    expect(row.missingWrites).toEqual([]);
    expect(row.extraWrites.sort()).toEqual(['AddTagsToResource', 'RemoveTagsFromResource']);
  });
});
