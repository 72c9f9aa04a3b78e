/**
 * Whether a resource was created by the provisioner for a given replication group. The teardown
 * deletes nothing else: both tags must be there, with the right values.
 */
import { ListTagsForResourceCommand } from '@aws-sdk/client-elasticache';
import type { ElastiCacheLike } from '../aws/types';
import { errorName } from '../errors';
import { MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE, REPLICATION_GROUP_TAG_KEY } from '../tags';

export interface TagLike {
  Key?: string;
  Value?: string;
}

export function isManagedFor(tags: readonly TagLike[] | undefined, replicationGroupId: string): boolean {
  const value = (key: string) => tags?.find((tag) => tag.Key === key)?.Value;
  return (
    value(MANAGED_BY_TAG_KEY) === MANAGED_BY_TAG_VALUE &&
    value(REPLICATION_GROUP_TAG_KEY)?.toLowerCase() === replicationGroupId.toLowerCase()
  );
}

/** Why a resource does not count as ours, in words an operator can check in the console. */
export function notManagedReason(replicationGroupId: string): string {
  return `not tagged ${MANAGED_BY_TAG_KEY}=${MANAGED_BY_TAG_VALUE} and ${REPLICATION_GROUP_TAG_KEY}=${replicationGroupId}`;
}

/** What ListTagsForResource answers for a resource that does not exist (any more). */
const NOT_FOUND = new Set(['ReplicationGroupNotFoundFault', 'UserGroupNotFoundFault', 'UserNotFoundFault']);

/**
 * The resource's tags, or `gone` when it disappeared since it was described: a resource that is
 * `deleting` can vanish between the two calls, and that is the end the teardown is waiting for.
 */
export async function elastiCacheTags(
  elastiCache: ElastiCacheLike,
  arn: string | undefined,
): Promise<TagLike[] | 'gone'> {
  // Without an ARN there is nothing to read; no tags means "not ours", the safe answer.
  if (!arn) return [];
  try {
    const out = await elastiCache.send(new ListTagsForResourceCommand({ ResourceName: arn }));
    return out.TagList ?? [];
  } catch (err) {
    if (NOT_FOUND.has(errorName(err) ?? '')) return 'gone';
    throw err;
  }
}
