import { readFileSync } from 'node:fs';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalProvisioning, provisionLocally, readFixture, reportTimings } from './support/local';
import {
  type Credentials,
  connectionOutcome,
  credentialsOf,
  primaryAndReaderOf,
  readCredentials,
  withNode,
} from './support/redis';

const FIXTURE = 'production-settings.json';
const REQUEST = readFixture(FIXTURE);
const REPLICATION_GROUP_ID = REQUEST.ReplicationGroupId;

let provisioning: LocalProvisioning | undefined;
let users: Record<string, Credentials> = {};
let ca = '';

function provisioned(): LocalProvisioning {
  if (!provisioning) throw new Error('Provisioning failed in beforeAll');
  return provisioning;
}

describe('cluster mode compatible with the production settings and a password-less user, on real nodes', () => {
  beforeAll(async () => {
    provisioning = await provisionLocally(FIXTURE);
    const caPath = provisioning.env.standIn.caCertificatePath(REPLICATION_GROUP_ID);
    if (!caPath) throw new Error('The TLS group has no CA certificate');
    ca = readFileSync(caPath, 'utf8');
    users = await readCredentials(provisioning.result, provisioning.env.endpoints.secretsmanager);
  });

  afterAll(async () => {
    reportTimings('cluster mode compatible, production settings', provisioning);
    await provisioning?.env.close();
  });

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
    await withNode(primary, { ca, credentials: credentialsOf(users, 'app') }, (node) =>
      node.set('app:k', 'v'),
    );
    const anyPassword = { username: 'public', password: 'z'.repeat(40) };

    // Act / Assess
    await withNode(primary, { ca, credentials: anyPassword }, async (node) => {
      expect(await node.get('public:k')).toBeNull();
      await expect(node.get('app:k')).rejects.toThrow(/^NOPERM/);
      await expect(node.set('public:k', 'x')).rejects.toThrow(/^NOPERM/);
    });
  });

  it('gives an unauthenticated connection nothing: the managed default user is off', async () => {
    // Prepare
    const { primary } = primaryAndReaderOf(provisioned().result);

    // Act / Assess
    expect(await connectionOutcome(primary, { ca })).toMatch(/^NOAUTH/);
  });
});
