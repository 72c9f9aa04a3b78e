import { DescribeUserGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { noGroupExists } from '../support/aws';
import { answerFromCatalogue } from './engineVersions';
import { readJson } from './support';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.AWS_REGION = 'eu-west-1';
});

const { handler } = await import('../../functions/validateRequest');

const context = {
  functionName: 'elasticache-provisioner-validateRequest',
  functionVersion: '$LATEST',
  invokedFunctionArn:
    'arn:aws:lambda:eu-west-1:123456789012:function:elasticache-provisioner-validateRequest',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const elastiCache = mockClient(ElastiCacheClient);

describe('validateRequest handler', () => {
  beforeEach(() => {
    answerFromCatalogue(elastiCache);
    noGroupExists(elastiCache);
  });
  afterEach(() => elastiCache.reset());

  it('returns the NormalisedRequest for a console input', async () => {
    const result = await handler(readJson('events/cluster-mode-enabled.json'), context);

    expect(result).toMatchObject({
      ReplicationGroupId: 'valkey20210',
      CacheParameterGroupName: 'default.valkey8.cluster.on',
    });
  });

  it('stops with ConflictError before anything is created when its user group exists for another engine', async () => {
    // Prepare
    elastiCache.on(DescribeUserGroupsCommand).resolves({
      UserGroups: [{ UserGroupId: 'mygroup', Status: 'active', Engine: 'valkey', UserIds: ['default'] }],
    });

    // Act
    const outcome = handler(readJson('events/cluster-mode-disabled-rbac.json'), context);

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'ConflictError', message: /mygroup \(valkey\)/ });
  });

  it('throws a ValidationError for an invalid input', async () => {
    await expect(handler(readJson('events/invalid/rbac-with-tls-off.json'), context)).rejects.toMatchObject({
      name: 'ValidationError',
      problems: [{ field: 'TransitEncryptionEnabled', message: expect.any(String) }],
    });
    expect(elastiCache).not.toHaveReceivedAnyCommand();
  });
});
