import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareRequest } from '../../shared/request/prepare';
import { validateRequest } from '../../shared/request/validate';
import { answerFromCatalogue } from './engineVersions';
import { jsonFilesIn, readJson, rejectionOf, stubLogger } from './support';

/** What each sample in events/invalid/ shows, by the fields its problems must name. */
const invalidSamples: Record<string, string[]> = {
  'bad-replication-group-id.json': ['ReplicationGroupId'],
  'compatible-without-replica.json': ['NumCacheClusters'],
  'data-tiering-without-r6gd.json': ['DataTieringEnabled'],
  'ipv6-discovery-on-ipv4-network.json': ['IpDiscovery'],
  'kms-without-at-rest-encryption.json': ['KmsKeyId'],
  'log-delivery-mixups.json': [
    'LogDeliveryConfigurations[0].DestinationDetails',
    'LogDeliveryConfigurations[1].LogType',
  ],
  'maintenance-window-too-short.json': ['PreferredMaintenanceWindow'],
  'no-password-user-with-secret.json': ['Rbac.Users[0].PasswordSecretId'],
  'polling-past-history-limit.json': ['Polling'],
  'restore-from-two-sources.json': ['SnapshotName'],
  'snapshot-window-overlaps-maintenance.json': ['SnapshotWindow'],
  'too-many-tags.json': ['Tags'],
  'transit-mode-preferred-with-rbac.json': ['TransitEncryptionMode'],
  'valkey-rbac-without-users.json': ['Rbac.Users'],
  'channel-rule-on-redis-6-0.json': ['Rbac.Users[0].AccessString'],
  'cluster-mode-mixup.json': ['NumCacheClusters'],
  'iam-user-name-differs.json': ['Rbac.Users[0].UserName'],
  'multi-az-without-failover.json': ['MultiAZEnabled'],
  'password-in-request.json': ['Rbac.Users[0].Passwords'],
  'rbac-with-tls-off.json': ['TransitEncryptionEnabled'],
  'redis-version-after-7-1.json': ['EngineVersion'],
  'refused-access-string-rules.json': ['Rbac.Users[0].AccessString', 'Rbac.Users[1].AccessString'],
  'unknown-fields.json': ['NumCacheCluster', 'Rbac.Users[0].Accessstring', 'Rbac.Users[0].AccessString'],
  'valkey-group-with-default-user.json': ['Rbac.DefaultUser'],
};

const elastiCache = mockClient(ElastiCacheClient);

describe('console inputs in events/', () => {
  beforeEach(() => answerFromCatalogue(elastiCache));
  afterEach(() => elastiCache.reset());

  it('has one sample per original script, the EventBridge envelope and the production settings', () => {
    expect(jsonFilesIn('events')).toEqual([
      'cluster-mode-disabled-rbac.json',
      'cluster-mode-disabled.json',
      'cluster-mode-enabled-rbac.json',
      'cluster-mode-enabled.json',
      'eventbridge-provisioning-requested.json',
      'production-settings.json',
      'restore-cluster-mode-compatible.json',
      'users-and-group.json',
    ]);
  });

  it.each(jsonFilesIn('events'))('accepts events/%s and prepares it', async (file) => {
    // Prepare
    const input = readJson(`events/${file}`);

    // Act
    const validated = validateRequest(input);
    const prepared = await prepareRequest(
      { elastiCache: new ElastiCacheClient({}), logger: stubLogger() },
      input,
    );

    // Assess
    expect(validated).toMatchObject({ ok: true });
    expect(prepared.CacheParameterGroupFamily).toMatch(/^(redis|valkey)/);
  });

  it('documents every sample in events/invalid/', () => {
    expect(jsonFilesIn('events/invalid')).toEqual(Object.keys(invalidSamples).sort());
  });

  it.each(Object.entries(invalidSamples))('rejects events/invalid/%s, naming %j', (file, fields) => {
    // Prepare
    const input = readJson(`events/invalid/${file}`);

    // Act
    const problems = rejectionOf(input);

    // Assess
    expect(problems.map((problem) => problem.field)).toEqual(fields);
  });

  it('keeps the samples free of passwords: only placeholders in the one that shows the refusal', () => {
    for (const file of [
      ...jsonFilesIn('events'),
      ...jsonFilesIn('events/invalid').map((f) => `invalid/${f}`),
    ]) {
      const text = JSON.stringify(readJson(`events/${file}`));
      const values = [...text.matchAll(/"(?:Password|Passwords|AuthToken)":\s*\[?"([^"]*)"/gi)].map(
        (m) => m[1],
      );
      expect(
        values.every((value) => value === 'REPLACE_ME'),
        file,
      ).toBe(true);
    }
  });
});

describe('the RBAC samples', () => {
  it.each(['cluster-mode-disabled-rbac.json', 'cluster-mode-enabled-rbac.json', 'users-and-group.json'])(
    '%s uses Redis OSS 7.1 with in-transit encryption',
    (file) => {
      const result = validateRequest(readJson(`events/${file}`));

      expect(result).toMatchObject({
        ok: true,
        request: { Engine: 'redis', EngineVersion: '7.1', TransitEncryptionEnabled: true },
      });
    },
  );

  it('includes a Valkey cluster-mode-enabled sample', () => {
    const result = validateRequest(readJson('events/cluster-mode-enabled.json'));

    expect(result).toMatchObject({ ok: true, request: { Engine: 'valkey', ClusterMode: 'enabled' } });
  });
});
