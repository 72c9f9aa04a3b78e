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
import { errorName } from '../errors';
import type { ElastiCacheLike } from './types';

export async function findUser(elastiCache: ElastiCacheLike, userId: string): Promise<User | undefined> {
  try {
    const out = await elastiCache.send(new DescribeUsersCommand({ UserId: userId }));
    return out.Users?.find((user) => user.UserId?.toLowerCase() === userId);
  } catch (err) {
    if (errorName(err) === 'UserNotFoundFault') return undefined;
    throw err;
  }
}

export async function findUserGroup(
  elastiCache: ElastiCacheLike,
  userGroupId: string,
): Promise<UserGroup | undefined> {
  try {
    const out = await elastiCache.send(new DescribeUserGroupsCommand({ UserGroupId: userGroupId }));
    return out.UserGroups?.find((group) => group.UserGroupId?.toLowerCase() === userGroupId);
  } catch (err) {
    if (errorName(err) === 'UserGroupNotFoundFault') return undefined;
    throw err;
  }
}

export async function findReplicationGroup(
  elastiCache: ElastiCacheLike,
  replicationGroupId: string,
): Promise<ReplicationGroup | undefined> {
  try {
    const out = await elastiCache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
    );
    return out.ReplicationGroups?.find(
      (group) => group.ReplicationGroupId?.toLowerCase() === replicationGroupId,
    );
  } catch (err) {
    if (errorName(err) === 'ReplicationGroupNotFoundFault') return undefined;
    throw err;
  }
}
