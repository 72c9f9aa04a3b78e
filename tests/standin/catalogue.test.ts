import {
  AddTagsToResourceCommand,
  CreateUserCommand,
  DescribeCacheEngineVersionsCommand,
  InvalidARNFault,
  ListTagsForResourceCommand,
  RemoveTagsFromResourceCommand,
  ReplicationGroupNotFoundFault,
  TagNotFoundFault,
  TagQuotaPerResourceExceeded,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { passwordlessUser, standInForTests } from './helpers';

const env = standInForTests('all');

describe('DescribeCacheEngineVersions', () => {
  it.each([
    ['redis', '7.1', 'redis7'],
    ['valkey', '8.2', 'valkey8'],
  ])('names the default %s version and its parameter group family', async (engine, version, family) => {
    // Act
    const { CacheEngineVersions } = await env.elastiCache.send(
      new DescribeCacheEngineVersionsCommand({ Engine: engine, DefaultOnly: true }),
    );

    // Assess
    expect(CacheEngineVersions).toEqual([
      expect.objectContaining({ Engine: engine, EngineVersion: version, CacheParameterGroupFamily: family }),
    ]);
  });

  it('lists the versions ElastiCache offers for each engine', async () => {
    // Act
    const redis = await env.elastiCache.send(new DescribeCacheEngineVersionsCommand({ Engine: 'redis' }));
    const valkey = await env.elastiCache.send(new DescribeCacheEngineVersionsCommand({ Engine: 'valkey' }));

    // Assess
    expect(redis.CacheEngineVersions?.map((v) => [v.EngineVersion, v.CacheParameterGroupFamily])).toEqual([
      ['6.0', 'redis6.x'],
      ['6.2', 'redis6.x'],
      ['7.0', 'redis7'],
      ['7.1', 'redis7'],
    ]);
    expect(valkey.CacheEngineVersions?.map((v) => [v.EngineVersion, v.CacheParameterGroupFamily])).toEqual([
      ['7.2', 'valkey7'],
      ['8.0', 'valkey8'],
      ['8.1', 'valkey8'],
      ['8.2', 'valkey8'],
      ['9.0', 'valkey9'],
    ]);
  });

  it('finds a given version and nothing for one that does not exist', async () => {
    // Act
    const found = await env.elastiCache.send(
      new DescribeCacheEngineVersionsCommand({ Engine: 'redis', EngineVersion: '6.2' }),
    );
    const missing = await env.elastiCache.send(
      new DescribeCacheEngineVersionsCommand({ Engine: 'redis', EngineVersion: '7.2' }),
    );

    // Assess
    expect(found.CacheEngineVersions?.map((v) => v.CacheParameterGroupFamily)).toEqual(['redis6.x']);
    expect(missing.CacheEngineVersions).toEqual([]);
  });
});

describe('tags', () => {
  it('adds, lists and removes the tags of a user', async () => {
    // Prepare
    const { ARN } = await env.elastiCache.send(
      new CreateUserCommand(
        passwordlessUser('tagged', 'on ~* +@read', { Tags: [{ Key: 'team', Value: 'orders' }] }),
      ),
    );

    // Act
    const added = await env.elastiCache.send(
      new AddTagsToResourceCommand({
        ResourceName: ARN,
        Tags: [
          { Key: 'team', Value: 'payments' },
          { Key: 'env', Value: 'test' },
        ],
      }),
    );
    const removed = await env.elastiCache.send(
      new RemoveTagsFromResourceCommand({ ResourceName: ARN, TagKeys: ['env'] }),
    );
    const listed = await env.elastiCache.send(new ListTagsForResourceCommand({ ResourceName: ARN }));

    // Assess
    expect(added.TagList).toEqual([
      { Key: 'team', Value: 'payments' },
      { Key: 'env', Value: 'test' },
    ]);
    expect(removed.TagList).toEqual([{ Key: 'team', Value: 'payments' }]);
    expect(listed.TagList).toEqual([{ Key: 'team', Value: 'payments' }]);
  });

  it('refuses more than 50 tags on a resource', async () => {
    // Prepare
    const { ARN } = await env.elastiCache.send(
      new CreateUserCommand(passwordlessUser('crowded', 'on ~* +@read')),
    );
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));

    // Act
    const adding = env.elastiCache.send(new AddTagsToResourceCommand({ ResourceName: ARN, Tags: tags }));

    // Assess
    await expect(adding).rejects.toBeInstanceOf(TagQuotaPerResourceExceeded);
  });

  it('answers the not-found error of the resource an ARN names', async () => {
    // Act
    const listing = env.elastiCache.send(
      new ListTagsForResourceCommand({
        ResourceName: 'arn:aws:elasticache:us-east-1:000000000000:replicationgroup:nothing',
      }),
    );

    // Assess
    await expect(listing).rejects.toBeInstanceOf(ReplicationGroupNotFoundFault);
  });

  it('refuses a malformed ARN with InvalidARNFault and an unknown tag key with TagNotFoundFault', async () => {
    // Act
    const listing = env.elastiCache.send(new ListTagsForResourceCommand({ ResourceName: 'orders-cache' }));
    const removing = env.elastiCache.send(
      new RemoveTagsFromResourceCommand({
        ResourceName: 'arn:aws:elasticache:us-east-1:000000000000:user:default',
        TagKeys: ['missing'],
      }),
    );

    // Assess
    await expect(listing).rejects.toBeInstanceOf(InvalidARNFault);
    await expect(removing).rejects.toBeInstanceOf(TagNotFoundFault);
  });
});
