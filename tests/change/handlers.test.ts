/**
 * The two change functions as Lambda runs them (middy, the module's SDK client), the SDK mocked:
 * each returns the state document with its result at $.change.
 */
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  type ReplicationGroup,
  ReplicationGroupNotFoundFault,
} from '@aws-sdk/client-elasticache';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProvisionState } from '../../shared/provision/state';
import { loadCurrent, readFixture, requestOf } from './support';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.AWS_REGION = 'eu-west-1';
});

const planChange = (await import('../../functions/planChange')).handler;
const applyChange = (await import('../../functions/applyChange')).handler;

const context = {
  functionName: 'elasticache-provisioner-planChange',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const elastiCache = mockClient(ElastiCacheClient);

/** A cluster-mode-disabled group without RBAC, as the provisioner tags it. */
function existing(overrides: Partial<ReplicationGroup> = {}) {
  const [group] = readFixture<{ ReplicationGroups: ReplicationGroup[] }>(
    'describe-replication-groups.json',
  ).ReplicationGroups;
  elastiCache.on(DescribeReplicationGroupsCommand).resolves({
    ReplicationGroups: [{ ...group, TransitEncryptionEnabled: false, UserGroupIds: [], ...overrides }],
  });
  elastiCache.on(DescribeCacheClustersCommand).resolves(readFixture('describe-cache-clusters.json'));
  elastiCache.on(ListTagsForResourceCommand).resolves({ TagList: loadCurrent('current-rbac-redis').Tags });
  elastiCache.on(DescribeUserGroupsCommand).resolves({ UserGroups: [] });
}

beforeEach(() => {
  elastiCache.reset();
});

describe('planChange handler', () => {
  it('returns the document with Exists false for a group still to create', async () => {
    elastiCache
      .on(DescribeReplicationGroupsCommand)
      .rejects(new ReplicationGroupNotFoundFault({ message: 'not found', $metadata: {} }));
    const state: ProvisionState = { request: requestOf('no-rbac') };

    const result = (await planChange(state, context)) as ProvisionState;

    expect(result.request).toEqual(state.request);
    expect(result.change).toMatchObject({ Exists: false, Done: true });
  });

  it('stops with ConflictError before anything is created when the group exists in the other cluster mode', async () => {
    existing({ ClusterEnabled: true, ClusterMode: 'enabled' });

    const outcome = planChange({ request: requestOf('no-rbac') }, context);

    await expect(outcome).rejects.toMatchObject({ name: 'ConflictError', message: /ClusterMode/ });
    expect(elastiCache).toHaveReceivedCommandTimes(ModifyReplicationGroupCommand, 0);
  });
});

describe('applyChange handler', () => {
  it('makes the first call left and returns the document with the progress at $.change', async () => {
    existing();
    elastiCache.on(ModifyReplicationGroupCommand).resolves({});
    const request = requestOf('no-rbac', (r) => {
      r.SnapshotRetentionLimit = 7;
    });

    const result = (await applyChange({ request }, context)) as ProvisionState;

    expect(elastiCache).toHaveReceivedCommandWith(ModifyReplicationGroupCommand, {
      ReplicationGroupId: 'orders-cache',
      SnapshotRetentionLimit: 7,
      ApplyImmediately: true,
    });
    expect(result.change?.Applied.map((step) => step.Action)).toEqual(['ModifyReplicationGroup']);
    expect(result.request).toEqual(request);
  });
});
