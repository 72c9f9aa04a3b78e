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

export function findUser(elastiCache: ElastiCacheLike, userId: string): Promise<User | undefined> {
  return unlessNotFound('UserNotFoundFault', async () => {
    const out = await elastiCache.send(new DescribeUsersCommand({ UserId: userId }));
    return out.Users?.find((user) => user.UserId?.toLowerCase() === userId);
  });
}

export function findUserGroup(
  elastiCache: ElastiCacheLike,
  userGroupId: string,
): Promise<UserGroup | undefined> {
  return unlessNotFound('UserGroupNotFoundFault', async () => {
    const out = await elastiCache.send(new DescribeUserGroupsCommand({ UserGroupId: userGroupId }));
    return out.UserGroups?.find((group) => group.UserGroupId?.toLowerCase() === userGroupId);
  });
}

export function findReplicationGroup(
  elastiCache: ElastiCacheLike,
  replicationGroupId: string,
): Promise<ReplicationGroup | undefined> {
  return unlessNotFound('ReplicationGroupNotFoundFault', async () => {
    const out = await elastiCache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
    );
    return out.ReplicationGroups?.find(
      (group) => group.ReplicationGroupId?.toLowerCase() === replicationGroupId,
    );
  });
}
