import { DescribeCacheEngineVersionsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { POLLING_DEFAULTS } from '../../shared/provision/polling';
import { engineVersionCache, prepareRequest } from '../../shared/request/prepare';
import { answerFromCatalogue } from './engineVersions';
import { readJson, requestFixture, stubLogger, validationErrorOf } from './support';

const elastiCache = mockClient(ElastiCacheClient);
const deps = () => ({ elastiCache: new ElastiCacheClient({ region: 'eu-west-1' }), logger: stubLogger() });
const lookups = () =>
  elastiCache.commandCalls(DescribeCacheEngineVersionsCommand).map((call) => call.args[0].input);

describe('prepareRequest', () => {
  beforeEach(() => answerFromCatalogue(elastiCache));
  afterEach(() => elastiCache.reset());

  it('resolves the engine default version with DefaultOnly when the request names none', async () => {
    // Prepare
    const request = requestFixture('minimal');

    // Act
    const prepared = await prepareRequest(deps(), request);

    // Assess
    expect(lookups()).toEqual([{ Engine: 'redis', DefaultOnly: true }]);
    expect(prepared).toMatchObject({ EngineVersion: '7.1', CacheParameterGroupFamily: 'redis7' });
    expect(prepared.Notes).toContain("EngineVersion resolved to 7.1, the engine's default");
    expect(prepared).not.toHaveProperty('CacheParameterGroupName');
  });

  it('asks ElastiCache once per engine and version while a container keeps its cache', async () => {
    // Prepare
    const engineVersions = engineVersionCache();
    const withCache = { ...deps(), engineVersions };

    // Act
    const first = await prepareRequest(withCache, requestFixture('minimal'));
    const second = await prepareRequest(withCache, requestFixture('minimal'));
    await prepareRequest(withCache, requestFixture('cluster-enabled-valkey'));

    // Assess
    expect(lookups()).toEqual([
      { Engine: 'redis', DefaultOnly: true },
      { Engine: 'valkey', EngineVersion: '8.0' },
    ]);
    expect(second.EngineVersion).toBe(first.EngineVersion);
  });

  it('forgets a cached engine version once it expires', () => {
    // Prepare
    const cache = engineVersionCache(1000);
    cache.set('redis:(default)', { EngineVersion: '7.1', CacheParameterGroupFamily: 'redis7' }, 0);

    // Act
    const fresh = cache.get('redis:(default)', 999);
    const expired = cache.get('redis:(default)', 1000);

    // Assess
    expect(fresh?.EngineVersion).toBe('7.1');
    expect(expired).toBeUndefined();
  });

  it('looks the requested version up, without DefaultOnly', async () => {
    // Prepare
    const request = requestFixture('cluster-enabled-valkey');

    // Act
    const prepared = await prepareRequest(deps(), request);

    // Assess
    expect(lookups()).toEqual([{ Engine: 'valkey', EngineVersion: '8.0' }]);
    expect(elastiCache).toHaveReceivedCommandTimes(DescribeCacheEngineVersionsCommand, 1);
    expect(prepared).toMatchObject({ EngineVersion: '8.0', CacheParameterGroupFamily: 'valkey8' });
  });

  it.each([
    ['valkey', '8.0', 'default.valkey8.cluster.on'],
    ['valkey', '9.0', 'default.valkey9.cluster.on'],
    ['redis', '6.2', 'default.redis6.x.cluster.on'],
    ['redis', '7.1', 'default.redis7.cluster.on'],
  ])('derives the cluster-enabled parameter group of %s %s: %s', async (engine, version, group) => {
    // Prepare
    const request = {
      ...requestFixture('minimal'),
      Engine: engine,
      EngineVersion: version,
      ClusterMode: 'enabled',
    };

    // Act
    const prepared = await prepareRequest(deps(), request);

    // Assess
    expect(prepared.CacheParameterGroupName).toBe(group);
    expect(prepared.Notes).toContain(
      `CacheParameterGroupName set to ${group}: cluster mode enabled needs a cluster-enabled group`,
    );
  });

  it('keeps the parameter group the request names', async () => {
    const request = {
      ...requestFixture('cluster-enabled-valkey'),
      CacheParameterGroupName: 'sessions-cluster-params',
    };

    const prepared = await prepareRequest(deps(), request);

    expect(prepared.CacheParameterGroupName).toBe('sessions-cluster-params');
  });

  it('rejects a default parameter group of another engine family', async () => {
    // Prepare
    const request = {
      ...requestFixture('minimal'),
      EngineVersion: '7.1',
      CacheParameterGroupName: 'default.redis6.x',
    };

    // Act
    const error = await validationErrorOf(prepareRequest(deps(), request));

    // Assess
    expect(error.problems).toEqual([
      {
        field: 'CacheParameterGroupName',
        message: expect.stringMatching(/uses family redis7 \(default\.redis7\)/),
      },
    ]);
  });

  it('rejects a version ElastiCache does not offer, naming EngineVersion', async () => {
    // Prepare
    const request = { ...requestFixture('minimal'), EngineVersion: '6.1' };

    // Act
    const error = await validationErrorOf(prepareRequest(deps(), request));

    // Assess
    expect(lookups()).toEqual([{ Engine: 'redis', EngineVersion: '6.1' }]);
    expect(error.problems).toEqual([
      { field: 'EngineVersion', message: expect.stringMatching(/does not offer Redis OSS 6\.1/) },
    ]);
  });

  it('rejects an invalid request with all its problems and makes no AWS call', async () => {
    // Prepare
    const request = requestFixture('many-problems');
    const logger = stubLogger();

    // Act
    const error = await validationErrorOf(
      prepareRequest({ elastiCache: new ElastiCacheClient({}), logger }, request),
    );

    // Assess
    expect(elastiCache).not.toHaveReceivedAnyCommand();
    expect(error.problems.length).toBeGreaterThanOrEqual(9);
    expect(JSON.parse(error.message)).toEqual({ problems: error.problems });
    expect(logger.warn).toHaveBeenCalledWith('Request rejected', { problems: error.problems });
  });

  it('applies the version rules to the resolved default version', async () => {
    // Prepare
    answerFromCatalogue(elastiCache, { redis: '6.2' });
    const request = requestFixture('rbac-redis');
    delete request.EngineVersion;
    request.Rbac.Users[0].AccessString = 'on %R~orders:* +@read';

    // Act
    const error = await validationErrorOf(prepareRequest(deps(), request));

    // Assess
    expect(error.problems).toEqual([
      {
        field: 'Rbac.Users[1].AuthenticationType',
        message: expect.stringMatching(
          /IAM authentication needs Redis OSS 7\.0 .*the engine version is Redis OSS 6\.2/,
        ),
      },
      {
        field: 'Rbac.Users[0].AccessString',
        message: expect.stringMatching(/"%R~orders:\*": .* need Redis OSS 7\.0/),
      },
    ]);
  });

  it('lets an AWS error through with its SDK name', async () => {
    // Prepare
    elastiCache
      .on(DescribeCacheEngineVersionsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    // Act / Assess
    await expect(prepareRequest(deps(), requestFixture('minimal'))).rejects.toMatchObject({
      name: 'Throttling',
    });
  });

  it('returns the NormalisedRequest the state machine carries', async () => {
    // Prepare
    const request = requestFixture('rbac-redis');

    // Act
    const prepared = await prepareRequest(deps(), request);

    // Assess
    expect(prepared).toEqual({
      ReplicationGroupId: 'orders-cache',
      ReplicationGroupDescription: 'Orders cache',
      Engine: 'redis',
      EngineVersion: '7.1',
      CacheParameterGroupFamily: 'redis7',
      CacheNodeType: 'cache.t4g.small',
      ClusterMode: 'disabled',
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: false,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      SnapshotRetentionLimit: 30,
      CacheSubnetGroupName: 'orders-private',
      SecurityGroupIds: ['sg-0a1b2c3d'],
      Tags: [{ Key: 'team', Value: 'orders' }],
      UserGroupIds: ['orders'],
      Rbac: {
        UserGroupId: 'orders',
        Users: readJson('tests/fixtures/requests/rbac-redis-users-normalised.json'),
      },
      Polling: POLLING_DEFAULTS,
      Notes: [
        'TransitEncryptionEnabled set to true: RBAC needs in-transit encryption',
        'Rbac.DefaultUser absent: the workflow manages orders-default (UserName default, "off -@all") so unauthenticated connections get nothing',
      ],
    });
  });

  it('unwraps an EventBridge event and carries its id as CorrelationId', async () => {
    // Prepare
    const event = readJson('events/eventbridge-provisioning-requested.json');

    // Act
    const prepared = await prepareRequest(deps(), event);

    // Assess
    expect(prepared).toMatchObject({ ReplicationGroupId: 'orders-cache', CorrelationId: event.id });
  });
});

describe('SnapshotArns against the bucket the deployment may read', () => {
  beforeEach(() => answerFromCatalogue(elastiCache));
  afterEach(() => elastiCache.reset());

  const restoring = (...files: string[]) => ({ ...requestFixture('minimal'), SnapshotArns: files });

  it('accepts RDB files in the bucket the deployment names', async () => {
    // Act
    const prepared = await prepareRequest(
      { ...deps(), restoreBucket: 'cache-backups' },
      restoring('arn:aws:s3:::cache-backups/orders/dump.rdb'),
    );

    // Assess
    expect(prepared.SnapshotArns).toEqual(['arn:aws:s3:::cache-backups/orders/dump.rdb']);
  });

  it('rejects a file in another bucket, naming it and the parameter that would allow it', async () => {
    // Act
    const error = await validationErrorOf(
      prepareRequest(
        { ...deps(), restoreBucket: 'cache-backups' },
        restoring('arn:aws:s3:::cache-backups/a.rdb', 'arn:aws:s3:::other-team/b.rdb'),
      ),
    );

    // Assess
    expect(error.problems).toEqual([
      {
        field: 'SnapshotArns[1]',
        message: expect.stringContaining('--param="restoreSnapshotBucket=other-team"'),
      },
    ]);
  });

  it('rejects restoring from S3 when the deployment names no bucket', async () => {
    // Act
    const error = await validationErrorOf(
      prepareRequest({ ...deps(), restoreBucket: 'none' }, restoring('arn:aws:s3:::cache-backups/a.rdb')),
    );

    // Assess
    expect(error.problems).toEqual([
      { field: 'SnapshotArns[0]', message: expect.stringMatching(/^restoring from S3 needs a bucket/) },
    ]);
  });

  it('leaves SnapshotArns to AWS where no deployment sets the bucket (a local run)', async () => {
    // Act
    const prepared = await prepareRequest(deps(), restoring('arn:aws:s3:::any-bucket/a.rdb'));

    // Assess
    expect(prepared.SnapshotArns).toEqual(['arn:aws:s3:::any-bucket/a.rdb']);
  });
});
