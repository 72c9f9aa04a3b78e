import { ListTagsForResourceCommand, type Tag } from '@aws-sdk/client-elasticache';
import { beforeEach } from 'vitest';
import type { Log } from '../../shared/logger';
import { MANAGED_BY_TAG_KEY, MANAGED_BY_TAG_VALUE, REPLICATION_GROUP_TAG_KEY } from '../../shared/tags';
import { mockAws } from '../support/aws';

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

/**
 * The stubs and the deps of a teardown step's tests. Before each test the stubs start afresh with
 * every resource tagged as the provisioner's.
 */
/** The time the teardown functions read in these tests (epoch ms). */
export const NOW = Date.parse('2026-12-04T10:00:00.000Z');

export function teardownStubs() {
  const { ec, sm, elastiCache, secretsManager } = mockAws();
  beforeEach(() => {
    ec.reset();
    sm.reset();
    ec.on(ListTagsForResourceCommand).resolves({ TagList: managedTags() });
  });
  return { ec, sm, deps: { elastiCache, secretsManager, logger: silent, now: () => NOW } };
}
