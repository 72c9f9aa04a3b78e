import type { Tag } from '@aws-sdk/client-elasticache';
import type { Log } from '../../shared/logger';
import { MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE, REPLICATION_GROUP_TAG_KEY } from '../../shared/tags';

export const silent: Log = { info: () => {}, warn: () => {}, debug: () => {} };

/** The tags the provisioner puts on what it creates for `replicationGroupId`. */
export function managedTags(replicationGroupId = 'orders-cache'): Tag[] {
  return [
    { Key: MANAGED_BY_TAG_KEY, Value: MANAGED_BY_TAG_VALUE },
    { Key: REPLICATION_GROUP_TAG_KEY, Value: replicationGroupId },
    { Key: 'team', Value: 'orders' },
  ];
}

export const ARN = {
  replicationGroup: (id: string) => `arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:${id}`,
  userGroup: (id: string) => `arn:aws:elasticache:eu-west-1:123456789012:usergroup:${id}`,
  user: (id: string) => `arn:aws:elasticache:eu-west-1:123456789012:user:${id}`,
  secret: (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`,
};

export { rejection } from '../support/rejection';
