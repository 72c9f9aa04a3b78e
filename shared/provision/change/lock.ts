/**
 * One change at a time per replication group. Two executions converging one group to two different
 * requests would undo each other's calls forever; so the first one marks the group with a tag naming
 * its request (a digest of it) and the time, and an execution with another request stops with
 * ConflictError while the mark stands. The same request (a re-run after a crash, a redelivered event)
 * carries on. A mark is dated with its execution's start, which the execution's time limit counts
 * from too: one older than the request's Polling.TimeoutMinutes is taken over, its execution has ended
 * or timed out (or was stopped at a custom-resource deadline, which comes later still, so the
 * rollback that follows can change the group back). When two executions mark the group at the same
 * moment, the later mark wins and the other execution stops at its next call, having made at most one.
 *
 * The same call tags the group with the user groups the change detaches (see DETACHED_TAG_KEY): once
 * detached, nothing else would lead a run after a crash to them and their users.
 */
import { createHash } from 'node:crypto';
import { AddTagsToResourceCommand } from '@aws-sdk/client-elasticache';
import type { ElastiCacheLike } from '../../aws/types';
import { ConflictError } from '../../errors';
import { CHANGE_TAG_KEY, DETACHED_TAG_KEY } from '../../tags';
import type { NormalisedRequest, ProvisionState, Tag } from '../state';
import type { DetachedEntry } from './types';

/** ElastiCache's limit on a tag value. */
const TAG_VALUE_MAX = 256;

export interface ChangeMark {
  digest: string;
  since: number;
}

/** The same for the same request whatever its correlation id, notes or polling schedule. */
export function requestDigest(request: NormalisedRequest): string {
  const { CorrelationId: _c, Notes: _n, Polling: _p, ...shape } = request;
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}

export function readMark(tags: readonly Tag[]): ChangeMark | undefined {
  const value = tags.find((tag) => tag.Key === CHANGE_TAG_KEY)?.Value;
  const match = value ? /^([0-9a-f]{16}) (\d+)$/.exec(value) : null;
  if (!match?.[1] || !match[2]) return undefined;
  return { digest: match[1], since: Number(match[2]) };
}

/** Throws ConflictError when another request's change holds the group. */
export function checkMark(
  request: NormalisedRequest,
  tags: readonly Tag[],
  now: number,
  what = 'nothing was changed',
): void {
  const mark = readMark(tags);
  if (!mark || mark.digest === requestDigest(request)) return;
  if (now - mark.since >= request.Polling.TimeoutMinutes * 60_000) return;
  throw new ConflictError(
    `Replication group ${request.ReplicationGroupId} is being changed by another request (since ${new Date(mark.since).toISOString()}); ${what}. Retry once that change has finished.`,
  );
}

/** The date a mark carries: the execution's start when the document knows it, else `now`. */
export function markSince(state: Pick<ProvisionState, 'execution'>, now: number): number {
  const started = Date.parse(state.execution?.StartTime ?? '');
  return Number.isFinite(started) && started <= now ? started : now;
}

export async function setMark(
  elastiCache: ElastiCacheLike,
  arn: string,
  request: NormalisedRequest,
  since: number,
  detached: readonly DetachedEntry[] = [],
): Promise<void> {
  const remembered = detachedValue(detached);
  await elastiCache.send(
    new AddTagsToResourceCommand({
      ResourceName: arn,
      Tags: [
        { Key: CHANGE_TAG_KEY, Value: `${requestDigest(request)} ${since}` },
        ...(remembered ? [{ Key: DETACHED_TAG_KEY, Value: remembered }] : []),
      ],
    }),
  );
}

/** "old-users:old-users-default reports" -> the two groups, the first with its default user. */
export function readDetached(tags: readonly Tag[]): DetachedEntry[] {
  const value = tags.find((tag) => tag.Key === DETACHED_TAG_KEY)?.Value ?? '';
  return value
    .split(' ')
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [userGroupId = '', defaultUserId] = entry.split(':');
      return defaultUserId
        ? { UserGroupId: userGroupId, DefaultUserId: defaultUserId }
        : { UserGroupId: userGroupId };
    });
}

/** The tag value for `detached`; entries beyond the tag's 256 characters are left out (three groups fit). */
function detachedValue(detached: readonly DetachedEntry[]): string {
  let value = '';
  for (const entry of detached) {
    const text = entry.DefaultUserId ? `${entry.UserGroupId}:${entry.DefaultUserId}` : entry.UserGroupId;
    const next = value ? `${value} ${text}` : text;
    if (next.length > TAG_VALUE_MAX) break;
    value = next;
  }
  return value;
}
