/**
 * Reads of one ElastiCache resource by id, answering undefined when it does not exist: the "is it
 * there yet?" question every idempotent step (and the teardown) asks before writing anything.
 */
import {
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  type ReplicationGroup,
  type User,
  type UserGroup,
} from '@aws-sdk/client-elasticache';
import { unlessNotFound } from '../errors';
import type { ElastiCacheLike } from './types';

/**
 * The one resource whose id is `id` among what `describe` lists (ElastiCache ids are lowercase),
 * or undefined when the describe fails with `notFound`.
 */
async function findById<T>(
  notFound: string,
  id: string,
  describe: () => Promise<T[] | undefined>,
  idOf: (resource: T) => string | undefined,
): Promise<T | undefined> {
  const listed = await unlessNotFound(notFound, describe);
  return listed?.find((resource) => idOf(resource)?.toLowerCase() === id);
}

export function findUser(elastiCache: ElastiCacheLike, userId: string): Promise<User | undefined> {
  const describe = async () => (await elastiCache.send(new DescribeUsersCommand({ UserId: userId }))).Users;
  return findById('UserNotFoundFault', userId, describe, (user) => user.UserId);
}

export function findUserGroup(
  elastiCache: ElastiCacheLike,
  userGroupId: string,
): Promise<UserGroup | undefined> {
  const describe = async () =>
    (await elastiCache.send(new DescribeUserGroupsCommand({ UserGroupId: userGroupId }))).UserGroups;
  return findById('UserGroupNotFoundFault', userGroupId, describe, (group) => group.UserGroupId);
}

export function findReplicationGroup(
  elastiCache: ElastiCacheLike,
  replicationGroupId: string,
): Promise<ReplicationGroup | undefined> {
  const describe = async () =>
    (await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId })))
      .ReplicationGroups;
  return findById(
    'ReplicationGroupNotFoundFault',
    replicationGroupId,
    describe,
    (group) => group.ReplicationGroupId,
  );
}
