/**
 * Tags put on every resource the workflow creates, so an operator (or a clean-up) can tell
 * what this project manages and for which replication group.
 */
import type { NormalisedRequest, Tag } from './provision/state';

export const MANAGED_BY_TAG_KEY = 'managed-by';
export const MANAGED_BY_TAG_VALUE = 'elasticache-provisioner';
export const REPLICATION_GROUP_TAG_KEY = 'elasticache-provisioner:replication-group';
/** On a generated password secret put on rotation: the user whose password it holds (what the rotation function changes). */
export const USER_ID_TAG_KEY = 'elasticache-provisioner:user-id';

/** Marks a replication group while one request changes it (see provision/change/lock.ts). */
export const CHANGE_TAG_KEY = 'elasticache-provisioner:change';

/**
 * On a replication group, from the start of a change that detaches user groups until their clean-up
 * is over: which ones (and each one's default user), so a run after a crash still finds them.
 */
export const DETACHED_TAG_KEY = 'elasticache-provisioner:detached-user-groups';

/** The keys the provisioner puts on everything it creates; they count against ElastiCache's limit. */
export const OWN_TAG_KEYS = [MANAGED_BY_TAG_KEY, REPLICATION_GROUP_TAG_KEY] as const;
/** Tags ElastiCache (and Secrets Manager) allow per resource. */
export const MAX_TAGS = 50;

const RESERVED_KEYS = new Set<string>([...OWN_TAG_KEYS, USER_ID_TAG_KEY]);

/**
 * The project's own tags followed by the request's tags. A request tag with one of the
 * project's keys is dropped: duplicate keys are refused by the APIs, and the ownership
 * marker must stay truthful.
 */
export function managedTags(request: Pick<NormalisedRequest, 'ReplicationGroupId' | 'Tags'>): Tag[] {
  return [
    { Key: MANAGED_BY_TAG_KEY, Value: MANAGED_BY_TAG_VALUE },
    { Key: REPLICATION_GROUP_TAG_KEY, Value: request.ReplicationGroupId },
    ...request.Tags.filter((tag) => !RESERVED_KEYS.has(tag.Key)).map((tag) => ({
      Key: tag.Key,
      Value: tag.Value,
    })),
  ];
}
