import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { readFixture } from './support/local';
import { connectionOutcome, primaryAndReaderOf, withNode } from './support/redis';
import { itKeepsPasswordsOutOfTheExecution, itLeavesNothingBehind, provisionForSuite } from './support/suite';

const FIXTURE = 'production-settings.json';
const REQUEST = readFixture(FIXTURE);
const suite = provisionForSuite(FIXTURE, 'cluster mode compatible, production settings', { secured: true });
const { provisioned, as, ca, replicationGroupId: REPLICATION_GROUP_ID } = suite;

describe('cluster mode compatible with the production settings and a password-less user, on real nodes', () => {
  it('reports a compatible group with its primary and reader, and secrets only for password users', () => {
    // Assess
    const { result } = provisioned();
    expect(result).toMatchObject({
      ReplicationGroupId: REPLICATION_GROUP_ID,
      Status: 'available',
      ClusterMode: 'compatible',
      TransitEncryptionEnabled: true,
    });
    expect(primaryAndReaderOf(result).reader.Port).not.toBe(primaryAndReaderOf(result).primary.Port);
    expect(result.Users.map((user) => [user.UserName, user.PasswordSecretArn !== undefined])).toEqual([
      ['app', true],
      ['public', false],
      ['default', false],
    ]);
  });

  it('created the group with every setting of the request, as ElastiCache reports them', async () => {
    // Prepare
    const elastiCache = new ElastiCacheClient({
      endpoint: provisioned().env.endpoints.elasticache,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    // Act
    const { ReplicationGroups } = await elastiCache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: REPLICATION_GROUP_ID }),
    );
    elastiCache.destroy();

    // Assess
    expect(ReplicationGroups?.[0]).toMatchObject({
      ClusterMode: 'compatible',
      CacheNodeType: 'cache.r6gd.xlarge',
      DataTiering: 'enabled',
      KmsKeyId: REQUEST.KmsKeyId,
      SnapshotWindow: REQUEST.SnapshotWindow,
      TransitEncryptionMode: 'required',
      AutoMinorVersionUpgrade: false,
      NetworkType: 'dual_stack',
      IpDiscovery: 'ipv6',
      LogDeliveryConfigurations: [
        { LogType: 'slow-log', DestinationType: 'cloudwatch-logs', LogFormat: 'json' },
      ],
    });
  });

  it('lets anyone in as the password-less user, to read its keys only', async () => {
    // Prepare
    const { primary } = primaryAndReaderOf(provisioned().result);
    await withNode(primary, as('app'), (node) => node.set('app:k', 'v'));
    const anyPassword = { username: 'public', password: 'z'.repeat(40) };

    // Act / Assess
    await withNode(primary, { ca: ca(), credentials: anyPassword }, async (node) => {
      expect(await node.get('public:k')).toBeNull();
      await expect(node.get('app:k')).rejects.toThrow(/^NOPERM/);
      await expect(node.set('public:k', 'x')).rejects.toThrow(/^NOPERM/);
    });
  });

  it('gives an unauthenticated connection nothing: the managed default user is off', async () => {
    // Prepare
    const { primary } = primaryAndReaderOf(provisioned().result);

    // Act / Assess
    expect(await connectionOutcome(primary, { ca: ca() })).toMatch(/^NOAUTH/);
  });

  itKeepsPasswordsOutOfTheExecution(suite, ['app']);

  itLeavesNothingBehind(suite, 2);
});
