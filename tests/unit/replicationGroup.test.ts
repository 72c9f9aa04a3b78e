import {
  CreateReplicationGroupCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  type DescribeReplicationGroupsCommandOutput,
  ElastiCacheClient,
  ElastiCacheServiceException,
  InvalidUserGroupStateFault,
  ModifyReplicationGroupCommand,
  ReplicationGroupAlreadyExistsFault,
  ReplicationGroupNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, ReplicationGroupCreateFailed } from '../../shared/errors';
import {
  buildCreateReplicationGroupParams,
  checkExistingReplicationGroup,
  createReplicationGroup,
} from '../../shared/provision/replicationGroup';
import type { ProvisionState } from '../../shared/provision/state';
import { readJson } from '../support/fixtures';

const SHAPES = [
  'cluster-mode-disabled',
  'cluster-mode-disabled-tls-rbac',
  'cluster-mode-enabled',
  'cluster-mode-enabled-tls-rbac',
] as const;
type Shape = (typeof SHAPES)[number];

const fixture = <T>(name: string): T => readJson<T>(`tests/fixtures/replication-groups/${name}.json`);
const stateFor = (shape: Shape) => fixture<ProvisionState>(`state-${shape}`);
const describeAvailable = (shape: Shape) =>
  fixture<DescribeReplicationGroupsCommandOutput>(`describe-${shape}-available`);
function withStatus(output: DescribeReplicationGroupsCommandOutput, status: string) {
  const group = output.ReplicationGroups?.[0];
  return { ReplicationGroups: [{ ...group, Status: status }] };
}

const managedTags = (id: string) => [
  { Key: 'managed-by', Value: 'elasticache-provisioner' },
  { Key: 'elasticache-provisioner:replication-group', Value: id },
];

/**
 * Where our call deliberately departs from what the seed script's example sends, per shape.
 * Every other field must be exactly what the seed sends.
 */
const DELIBERATE_DIFFERENCES: Record<Shape, Record<string, unknown>> = {
  'cluster-mode-disabled': {
    // The contract defaults at-rest encryption to true; the seed sends nothing, so redis would get the API's false.
    AtRestEncryptionEnabled: true,
    // The API defaults, sent explicitly so the parameters state the whole shape.
    MultiAZEnabled: false,
    TransitEncryptionEnabled: false,
    // Ownership tags the seed does not put.
    Tags: managedTags('redis202104053'),
  },
  'cluster-mode-disabled-tls-rbac': {
    AtRestEncryptionEnabled: true,
    MultiAZEnabled: false,
    Tags: managedTags('redis202104'),
  },
  'cluster-mode-enabled': {
    AtRestEncryptionEnabled: true,
    MultiAZEnabled: false,
    TransitEncryptionEnabled: false,
    // The seed omits it here (API default 0: no backups); the contract's default is the other seeds' 30.
    SnapshotRetentionLimit: 30,
    // ElastiCache has no default.redis6.0.cluster.on: the 6.0 and 6.2 defaults belong to the redis6.x family.
    CacheParameterGroupName: 'default.redis6.x.cluster.on',
    // The API's explicit cluster mode parameter; the seed relies on the parameter group alone.
    ClusterMode: 'enabled',
    Tags: managedTags('redis20210'),
  },
  'cluster-mode-enabled-tls-rbac': {
    AtRestEncryptionEnabled: true,
    MultiAZEnabled: false,
    CacheParameterGroupName: 'default.redis6.x.cluster.on',
    ClusterMode: 'enabled',
    Tags: managedTags('redis2021'),
  },
};

const elastiCacheMock = mockClient(ElastiCacheClient);
const logger = { info: vi.fn(), warn: vi.fn(), debug: vi.fn() };
const deps = { elastiCache: new ElastiCacheClient({ region: 'us-east-1' }), logger };

const notFound = () =>
  new ReplicationGroupNotFoundFault({
    message: 'ReplicationGroup not found',
    $metadata: { httpStatusCode: 404 },
  });

beforeEach(() => {
  elastiCacheMock.reset();
  vi.clearAllMocks();
});

/** The group is missing when first described, then another execution's creating group, and CreateReplicationGroup finds it exists. */
function anotherExecutionCreatesTheGroup() {
  elastiCacheMock
    .on(DescribeReplicationGroupsCommand)
    .rejectsOnce(notFound())
    .resolves(fixture('describe-cluster-mode-enabled-tls-rbac-creating'));
  elastiCacheMock.on(CreateReplicationGroupCommand).rejects(
    new ReplicationGroupAlreadyExistsFault({
      message: 'Replication group already exists',
      $metadata: {},
    }),
  );
}

describe('buildCreateReplicationGroupParams', () => {
  it('passes the optional settings on under their API names', () => {
    // Prepare
    const settings = {
      KmsKeyId: 'alias/orders-cache',
      LogDeliveryConfigurations: [
        {
          LogType: 'slow-log' as const,
          DestinationType: 'kinesis-firehose' as const,
          DestinationDetails: { KinesisFirehoseDetails: { DeliveryStream: 'cache-logs' } },
          LogFormat: 'json' as const,
        },
      ],
      PreferredMaintenanceWindow: 'sun:23:00-mon:01:30',
      SnapshotWindow: '03:00-04:00',
      NotificationTopicArn: 'arn:aws:sns:eu-west-1:123456789012:cache-events',
      Port: 6380,
      TransitEncryptionMode: 'required' as const,
      AutoMinorVersionUpgrade: false,
      DataTieringEnabled: true,
      SnapshotArns: ['arn:aws:s3:::orders-backups/orders.rdb'],
      NetworkType: 'dual_stack' as const,
      IpDiscovery: 'ipv6' as const,
    };
    const { request } = stateFor('cluster-mode-disabled-tls-rbac');

    // Act
    const params = buildCreateReplicationGroupParams({ ...request, ...settings });

    // Assess
    expect(params).toMatchObject(settings);
  });

  it('creates ClusterMode compatible as one shard of NumCacheClusters with the cluster-enabled parameter group', () => {
    // Prepare
    const { request } = stateFor('cluster-mode-disabled');

    // Act
    const params = buildCreateReplicationGroupParams({ ...request, ClusterMode: 'compatible' });

    // Assess
    expect(params).toMatchObject({
      ClusterMode: 'compatible',
      NumCacheClusters: request.NumCacheClusters,
      CacheParameterGroupName: `default.${request.CacheParameterGroupFamily}.cluster.on`,
    });
    expect(params).not.toHaveProperty('NumNodeGroups');
  });

  it.each(SHAPES)('sends what the %s seed script sends, apart from the documented differences', (shape) => {
    // Prepare
    const seed = fixture<Record<Shape, Record<string, unknown>>>('seed-create-params')[shape];
    const { request } = stateFor(shape);

    // Act
    const params = buildCreateReplicationGroupParams(request);

    // Assess
    for (const [field, seedValue] of Object.entries(seed)) {
      const expected =
        field in DELIBERATE_DIFFERENCES[shape] ? DELIBERATE_DIFFERENCES[shape][field] : seedValue;
      expect(params[field as keyof typeof params], field).toEqual(expected);
    }
    // Nothing beyond the seed's fields and the documented differences, and no undefined values.
    expect(params).toStrictEqual({ ...seed, ...DELIBERATE_DIFFERENCES[shape] });
  });

  it('derives the cluster-on parameter group of the engine family when the request names none', () => {
    // Prepare
    const { request } = stateFor('cluster-mode-enabled');
    request.CacheParameterGroupName = undefined;
    request.Engine = 'valkey';
    request.EngineVersion = '8.0';
    request.CacheParameterGroupFamily = 'valkey8';

    // Act
    const params = buildCreateReplicationGroupParams(request);

    // Assess
    expect(params.CacheParameterGroupName).toBe('default.valkey8.cluster.on');
    expect(params.Engine).toBe('valkey');
  });

  it('leaves the parameter group to the engine default for cluster mode disabled', () => {
    // Prepare
    const { request } = stateFor('cluster-mode-disabled');

    // Act
    const params = buildCreateReplicationGroupParams(request);

    // Assess
    expect(params).not.toHaveProperty('CacheParameterGroupName');
    expect(params).not.toHaveProperty('NumNodeGroups');
    expect(params).not.toHaveProperty('ClusterMode');
  });

  it('puts the request tags after the managed tags', () => {
    // Prepare
    const { request } = stateFor('cluster-mode-disabled');
    request.Tags = [{ Key: 'team', Value: 'orders' }];

    // Act
    const params = buildCreateReplicationGroupParams(request);

    // Assess
    expect(params.Tags).toEqual([...managedTags('redis202104053'), { Key: 'team', Value: 'orders' }]);
  });
});

describe('createReplicationGroup', () => {
  it.each(SHAPES)('creates a missing %s group with the built parameters', async (shape) => {
    // Prepare
    const state = stateFor(shape);
    elastiCacheMock.on(DescribeReplicationGroupsCommand).rejects(notFound());
    elastiCacheMock.on(CreateReplicationGroupCommand).resolves({
      ReplicationGroup: { ReplicationGroupId: state.request.ReplicationGroupId, Status: 'creating' },
    });

    // Act
    const result = await createReplicationGroup(deps, state);

    // Assess
    expect(result).toEqual({
      ReplicationGroupId: state.request.ReplicationGroupId,
      Status: 'creating',
      Created: true,
    });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(CreateReplicationGroupCommand, 1);
    expect(elastiCacheMock.commandCalls(CreateReplicationGroupCommand)[0]?.args[0].input).toStrictEqual(
      buildCreateReplicationGroupParams(state.request),
    );
  });

  it.each(SHAPES)('adopts an existing %s group of the requested shape without creating it', async (shape) => {
    // Prepare
    const state = stateFor(shape);
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(describeAvailable(shape));

    // Act
    const result = await createReplicationGroup(deps, state);

    // Assess
    expect(result).toEqual({
      ReplicationGroupId: state.request.ReplicationGroupId,
      Status: 'available',
      Created: false,
    });
    expect(elastiCacheMock).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
    expect(elastiCacheMock).not.toHaveReceivedCommand(ModifyReplicationGroupCommand);
  });

  it('refuses an existing group in the other cluster mode and changes nothing', async () => {
    // Prepare: the request wants cluster mode enabled, the group is cluster mode disabled.
    const state = stateFor('cluster-mode-enabled-tls-rbac');
    const existing = describeAvailable('cluster-mode-disabled-tls-rbac');
    const group = existing.ReplicationGroups?.[0];
    if (group) group.ReplicationGroupId = 'redis2021';
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(existing);

    // Act
    const outcome = createReplicationGroup(deps, state);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ConflictError);
    await expect(outcome).rejects.toThrow('ClusterMode: existing "disabled" vs requested "enabled"');
    await expect(outcome).rejects.toThrow('nothing was changed');
    // Shard counts of a cluster mode disabled group say nothing about the requested shards.
    await expect(outcome).rejects.not.toThrow('NumNodeGroups');
    expect(elastiCacheMock).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
    expect(elastiCacheMock).not.toHaveReceivedCommand(ModifyReplicationGroupCommand);
    expect(elastiCacheMock.calls()).toHaveLength(1);
  });

  it('lists every difference between an existing group and the request', async () => {
    // Prepare: a plain request against a TLS + RBAC group on bigger nodes.
    const state = stateFor('cluster-mode-disabled');
    const existing = describeAvailable('cluster-mode-disabled-tls-rbac');
    const group = existing.ReplicationGroups?.[0];
    if (group) {
      group.ReplicationGroupId = 'redis202104053';
      group.MemberClusters = group.MemberClusters?.slice(0, 2);
      group.AtRestEncryptionEnabled = false;
    }
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(existing);

    // Act
    const error = await createReplicationGroup(deps, state).catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).name).toBe('ConflictError');
    const message = (error as Error).message;
    expect(message).toContain('Replication group redis202104053 already exists');
    expect(message).toContain('NumCacheClusters: existing 2 vs requested 3');
    expect(message).toContain('CacheNodeType: existing "cache.m6g.large" vs requested "cache.t3.small"');
    expect(message).toContain('TransitEncryptionEnabled: existing true vs requested false');
    expect(message).toContain('AtRestEncryptionEnabled: existing false vs requested true');
    expect(message).toContain('UserGroupIds: existing ["mygroup"] vs requested []');
    expect(message).not.toContain('ClusterMode');
    expect(message).not.toContain('Engine:');
    expect(elastiCacheMock).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
  });

  it('refuses an existing cluster mode enabled group with other shard, replica and engine settings', async () => {
    // Prepare: the request asks for 3 shards x 2 replicas on valkey; the group is redis 2 x 1.
    const state = stateFor('cluster-mode-enabled');
    state.request.NumNodeGroups = 3;
    state.request.ReplicasPerNodeGroup = 2;
    state.request.Engine = 'valkey';
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(describeAvailable('cluster-mode-enabled'));

    // Act
    const outcome = createReplicationGroup(deps, state);

    // Assess
    await expect(outcome).rejects.toThrow(
      /NumNodeGroups: existing 2 vs requested 3; ReplicasPerNodeGroup: existing 1 vs requested 2; Engine: existing "redis" vs requested "valkey"/,
    );
    expect(elastiCacheMock).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
  });

  it('refuses an existing group on another network or transit mode than the request names', async () => {
    // Prepare
    const state = stateFor('cluster-mode-disabled-tls-rbac');
    state.request = {
      ...state.request,
      NetworkType: 'dual_stack',
      IpDiscovery: 'ipv6',
      TransitEncryptionMode: 'required',
    };
    const existing = describeAvailable('cluster-mode-disabled-tls-rbac');
    const group = existing.ReplicationGroups?.[0];
    if (group)
      Object.assign(group, { NetworkType: 'ipv4', IpDiscovery: 'ipv4', TransitEncryptionMode: 'preferred' });
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(existing);

    // Act
    const error = await createReplicationGroup(deps, state).catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    const message = (error as Error).message;
    expect(message).toContain('NetworkType: existing "ipv4" vs requested "dual_stack"');
    expect(message).toContain('IpDiscovery: existing "ipv4" vs requested "ipv6"');
    expect(message).toContain('TransitEncryptionMode: existing "preferred" vs requested "required"');
    expect(elastiCacheMock).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
  });

  it('reads the cluster mode from ClusterEnabled when ElastiCache reports no ClusterMode', async () => {
    // Prepare
    const state = stateFor('cluster-mode-disabled');
    const existing = describeAvailable('cluster-mode-enabled');
    const group = existing.ReplicationGroups?.[0];
    if (group) {
      group.ClusterMode = undefined;
      // DescribeReplicationGroups answers with the group asked for.
      group.ReplicationGroupId = state.request.ReplicationGroupId;
    }
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(existing);

    // Act
    const outcome = createReplicationGroup(deps, state);

    // Assess
    await expect(outcome).rejects.toThrow('ClusterMode: existing "enabled" vs requested "disabled"');
  });

  it('compares the group a concurrent execution created when CreateReplicationGroup reports it exists', async () => {
    // Prepare
    const state = stateFor('cluster-mode-enabled-tls-rbac');
    anotherExecutionCreatesTheGroup();

    // Act
    const result = await createReplicationGroup(deps, state);

    // Assess
    expect(result).toEqual({ ReplicationGroupId: 'redis2021', Status: 'creating', Created: false });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 2);
    expect(elastiCacheMock).toHaveReceivedCommandTimes(CreateReplicationGroupCommand, 1);
  });

  it('refuses a concurrently created group of another shape', async () => {
    // Prepare
    const state = stateFor('cluster-mode-enabled-tls-rbac');
    state.request.NumNodeGroups = 4;
    state.request.ReplicasPerNodeGroup = 2;
    anotherExecutionCreatesTheGroup();

    // Act
    const outcome = createReplicationGroup(deps, state);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ConflictError);
    await expect(outcome).rejects.toThrow('NumNodeGroups: existing 2 vs requested 4');
    // While creating, shards list no members yet: replicas are counted from the member clusters.
    await expect(outcome).rejects.toThrow('ReplicasPerNodeGroup: existing 1 vs requested 2');
  });

  it('refuses a group that is being deleted and says to retry later', async () => {
    // Prepare
    const state = stateFor('cluster-mode-disabled-tls-rbac');
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(withStatus(describeAvailable('cluster-mode-disabled-tls-rbac'), 'deleting'));

    // Act
    const outcome = createReplicationGroup(deps, state);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ConflictError);
    await expect(outcome).rejects.toThrow(
      /redis202104 exists and is being deleted.*Retry once the deletion has finished/,
    );
    expect(elastiCacheMock).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
  });

  it('fails with ReplicationGroupCreateFailed and what ElastiCache says when the group is create-failed', async () => {
    // Prepare
    const state = stateFor('cluster-mode-enabled-tls-rbac');
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(withStatus(describeAvailable('cluster-mode-enabled-tls-rbac'), 'create-failed'));
    elastiCacheMock.on(DescribeEventsCommand).resolves(fixture('describe-events-create-failed'));

    // Act
    const outcome = createReplicationGroup(deps, state);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ReplicationGroupCreateFailed);
    await expect(outcome).rejects.toThrow(
      'Replication group redis2021 is create-failed. ElastiCache says: Failed to create replication group redis2021: insufficient cache.m6g.large capacity in us-east-1a',
    );
    expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeEventsCommand, {
      SourceType: 'replication-group',
      SourceIdentifier: 'redis2021',
    });
    expect(elastiCacheMock).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
  });

  it('lets throttling of DescribeReplicationGroups propagate with its SDK name', async () => {
    // Prepare
    const throttling = new ElastiCacheServiceException({
      name: 'Throttling',
      $fault: 'client',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    elastiCacheMock.on(DescribeReplicationGroupsCommand).rejects(throttling);

    // Act
    const outcome = createReplicationGroup(deps, stateFor('cluster-mode-disabled'));

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'Throttling' });
    expect(elastiCacheMock).not.toHaveReceivedCommand(CreateReplicationGroupCommand);
  });

  it('lets CreateReplicationGroup errors it does not handle propagate with their SDK name', async () => {
    // Prepare
    elastiCacheMock.on(DescribeReplicationGroupsCommand).rejects(notFound());
    elastiCacheMock
      .on(CreateReplicationGroupCommand)
      .rejects(
        new InvalidUserGroupStateFault({ message: 'User group mygroup is not active', $metadata: {} }),
      );

    // Act
    const outcome = createReplicationGroup(deps, stateFor('cluster-mode-disabled-tls-rbac'));

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'InvalidUserGroupStateFault' });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeReplicationGroupsCommand, 1);
  });
});

describe('checkExistingReplicationGroup', () => {
  it('refuses any existing group, even of the requested shape, when it must be new (a custom resource Create)', async () => {
    // Prepare
    const state = stateFor('cluster-mode-disabled-tls-rbac');
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolves(describeAvailable('cluster-mode-disabled-tls-rbac'));

    // Act
    const outcome = checkExistingReplicationGroup(deps, state.request, { mustBeNew: true });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ConflictError);
    await expect(outcome).rejects.toThrow(
      `Replication group ${state.request.ReplicationGroupId} already exists; this resource only creates new replication groups`,
    );
    expect(elastiCacheMock.calls()).toHaveLength(1);
  });

  it('lets a missing group through when it must be new', async () => {
    // Prepare
    const state = stateFor('cluster-mode-disabled');
    elastiCacheMock.on(DescribeReplicationGroupsCommand).rejects(notFound());

    // Act
    const outcome = checkExistingReplicationGroup(deps, state.request, { mustBeNew: true });

    // Assess
    await expect(outcome).resolves.toBeUndefined();
  });

  it('adopts an existing group of the requested shape otherwise', async () => {
    // Prepare
    const state = stateFor('cluster-mode-enabled');
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves(describeAvailable('cluster-mode-enabled'));

    // Act
    const outcome = checkExistingReplicationGroup(deps, state.request);

    // Assess
    await expect(outcome).resolves.toBeUndefined();
  });
});
