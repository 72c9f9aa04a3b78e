import {
  CacheClusterNotFoundFault,
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  DescribeCacheClustersCommand,
} from '@aws-sdk/client-elasticache';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completePending, fixture, rejectionOf, startTestStandIn, type TestStandIn } from './helpers';

const groups = fixture<Record<string, CreateReplicationGroupCommandInput>>('replication-groups.json');

let env: TestStandIn;

beforeEach(async () => {
  env = await startTestStandIn();
});

afterEach(async () => {
  await env.standIn.close();
});

describe('DescribeCacheClusters', () => {
  it('reports what ElastiCache reports per member cluster: version, parameter, subnet and security groups', async () => {
    // Prepare
    await env.elastiCache.send(
      new CreateReplicationGroupCommand(
        structuredClone(groups.disabled) as CreateReplicationGroupCommandInput,
      ),
    );
    await completePending(env);

    // Act
    const { CacheClusters } = await env.elastiCache.send(
      new DescribeCacheClustersCommand({ CacheClusterId: 'orders-cache-001' }),
    );

    // Assess
    expect(CacheClusters).toEqual([
      expect.objectContaining({
        CacheClusterId: 'orders-cache-001',
        ReplicationGroupId: 'orders-cache',
        Engine: 'redis',
        EngineVersion: '7.1',
        CacheParameterGroup: expect.objectContaining({ CacheParameterGroupName: 'default.redis7' }),
        CacheSubnetGroupName: 'default',
        SecurityGroups: [expect.objectContaining({ SecurityGroupId: 'sg-0123' })],
      }),
    ]);
  });

  it('answers CacheClusterNotFound for an unknown cluster', async () => {
    const error = await rejectionOf(
      env.elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: 'nothing-001' })),
    );

    expect(error).toBeInstanceOf(CacheClusterNotFoundFault);
  });
});
