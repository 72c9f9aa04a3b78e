/**
 * ElastiCache and Secrets Manager as the workflow sees them, behind aws-sdk-client-mock: the real
 * handlers send real SDK commands and get answers shaped like the service's, from a small in-memory
 * account whose resources move from `creating` to `active`/`available` as they are described. It checks
 * no parameter: it serves only the tests that need AWS errors in an exact order (exactErrors.test.ts);
 * everything else runs on the stand-in.
 */
import {
  type CacheEngineVersion,
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  CreateUserCommand,
  CreateUserGroupCommand,
  DescribeCacheEngineVersionsCommand,
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  type NodeGroup,
  type ReplicationGroup,
  ReplicationGroupNotFoundFault,
  type User,
  type UserGroup,
  UserGroupNotFoundFault,
  UserNotFoundFault,
} from '@aws-sdk/client-elasticache';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { readJson } from '../../support/fixtures';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const METADATA = { httpStatusCode: 400, requestId: 'fake-request' };

const fixture = <T>(name: string): T => readJson<T>(`tests/fixtures/aws/${name}`);

const ENGINE_VERSIONS = fixture<{ CacheEngineVersions: CacheEngineVersion[] }>(
  'describe-cache-engine-versions.json',
).CacheEngineVersions;
const DEFAULT_VERSIONS: Record<string, string> = { redis: '7.1', valkey: '8.2' };

export type CommandName =
  | 'DescribeUsers'
  | 'CreateUser'
  | 'DescribeUserGroups'
  | 'CreateUserGroup'
  | 'DescribeReplicationGroups'
  | 'CreateReplicationGroup';

export interface FakeAwsOptions {
  /** Describes a new user or user group answers before it reports `active`. */
  describesUntilActive?: number;
  /** Describes of a new replication group before it is `available`. */
  describesUntilAvailable?: number;
}

interface Tracked<T> {
  resource: T;
  describesLeft: number;
  /** What the resource becomes once describesLeft reaches 0. */
  settlesTo: string;
}

export function throttling(): ElastiCacheServiceException {
  return new ElastiCacheServiceException({
    name: 'Throttling',
    $fault: 'client',
    $metadata: METADATA,
    message: 'Rate exceeded',
  });
}

export class FakeAws {
  readonly elastiCache = mockClient(ElastiCacheClient);
  readonly secretsManager = mockClient(SecretsManagerClient);

  private options: Required<FakeAwsOptions> = { describesUntilActive: 1, describesUntilAvailable: 2 };
  private readonly users = new Map<string, Tracked<User>>();
  private readonly userGroups = new Map<string, Tracked<UserGroup>>();
  private readonly replicationGroups = new Map<string, Tracked<ReplicationGroup>>();
  private readonly secrets = new Map<string, { ARN: string; Name: string; SecretString: string }>();
  private readonly failures = new Map<CommandName, Error[]>();
  private readonly persistentFailures = new Map<CommandName, () => Error>();

  /** Forgets every resource, injected failure and recorded call; installs the behaviours again. */
  reset(options: FakeAwsOptions = {}): void {
    this.options = { describesUntilActive: 1, describesUntilAvailable: 2, ...options };
    for (const collection of [
      this.users,
      this.userGroups,
      this.replicationGroups,
      this.secrets,
      this.failures,
      this.persistentFailures,
    ]) {
      collection.clear();
    }
    this.elastiCache.reset();
    this.secretsManager.reset();
    this.installElastiCache();
    this.installSecretsManager();
  }

  /** The next calls of `command` fail with these errors, one per call, before it behaves normally again. */
  failNext(command: CommandName, ...errors: Error[]): void {
    this.failures.set(command, [...(this.failures.get(command) ?? []), ...errors]);
  }

  /** Every call of `command` fails with a new error from `makeError`. */
  keepFailing(command: CommandName, makeError: () => Error): void {
    this.persistentFailures.set(command, makeError);
  }

  private failure(command: CommandName): Error | undefined {
    return this.failures.get(command)?.shift() ?? this.persistentFailures.get(command)?.();
  }

  private installElastiCache(): void {
    const ec = this.elastiCache;
    ec.on(DescribeCacheEngineVersionsCommand).callsFake((input) => ({
      CacheEngineVersions: ENGINE_VERSIONS.filter(
        (entry) =>
          entry.Engine === input.Engine &&
          entry.EngineVersion === (input.DefaultOnly ? DEFAULT_VERSIONS[input.Engine] : input.EngineVersion),
      ),
    }));

    ec.on(DescribeUsersCommand).callsFake((input) => {
      const failure = this.failure('DescribeUsers');
      if (failure) throw failure;
      const tracked = this.users.get(input.UserId);
      if (!tracked)
        throw new UserNotFoundFault({ message: `User ${input.UserId} not found.`, $metadata: METADATA });
      return { Users: [settle(tracked)] };
    });
    ec.on(CreateUserCommand).callsFake((input) => {
      const failure = this.failure('CreateUser');
      if (failure) throw failure;
      const user: User = {
        UserId: input.UserId,
        UserName: input.UserName,
        Engine: input.Engine,
        AccessString: input.AccessString,
        Status: 'creating',
        Authentication:
          input.AuthenticationMode?.Type === 'iam'
            ? { Type: 'iam' }
            : { Type: 'password', PasswordCount: input.AuthenticationMode?.Passwords?.length ?? 0 },
        ARN: `arn:aws:elasticache:${REGION}:${ACCOUNT}:user:${input.UserId}`,
      };
      this.users.set(input.UserId, {
        resource: user,
        describesLeft: this.options.describesUntilActive,
        settlesTo: 'active',
      });
      return { ...user };
    });
    ec.on(DescribeUserGroupsCommand).callsFake((input) => {
      const failure = this.failure('DescribeUserGroups');
      if (failure) throw failure;
      const tracked = this.userGroups.get(input.UserGroupId);
      if (!tracked) {
        throw new UserGroupNotFoundFault({
          message: `User group ${input.UserGroupId} not found.`,
          $metadata: METADATA,
        });
      }
      return { UserGroups: [settle(tracked)] };
    });
    ec.on(CreateUserGroupCommand).callsFake((input) => {
      const failure = this.failure('CreateUserGroup');
      if (failure) throw failure;
      const group: UserGroup = {
        UserGroupId: input.UserGroupId,
        Engine: input.Engine,
        UserIds: input.UserIds ?? [],
        Status: 'creating',
        ARN: `arn:aws:elasticache:${REGION}:${ACCOUNT}:usergroup:${input.UserGroupId}`,
      };
      this.userGroups.set(input.UserGroupId, {
        resource: group,
        describesLeft: this.options.describesUntilActive,
        settlesTo: 'active',
      });
      return { ...group };
    });
    ec.on(DescribeReplicationGroupsCommand).callsFake((input) => {
      const failure = this.failure('DescribeReplicationGroups');
      if (failure) throw failure;
      const id = input.ReplicationGroupId ?? '';
      const tracked = this.replicationGroups.get(id);
      if (!tracked) {
        throw new ReplicationGroupNotFoundFault({
          message: `Replication group ${id} not found.`,
          $metadata: METADATA,
        });
      }
      const group = settle(tracked);
      return { ReplicationGroups: [group.Status === 'available' ? withEndpoints(group) : group] };
    });
    ec.on(CreateReplicationGroupCommand).callsFake((input) => {
      const failure = this.failure('CreateReplicationGroup');
      if (failure) throw failure;
      const group = describeCreated(input);
      this.replicationGroups.set(group.ReplicationGroupId ?? '', {
        resource: group,
        describesLeft: this.options.describesUntilAvailable,
        settlesTo: 'available',
      });
      return { ReplicationGroup: { ...group } };
    });
  }

  private installSecretsManager(): void {
    const sm = this.secretsManager;
    const find = (id: string) =>
      this.secrets.get(id) ?? [...this.secrets.values()].find((secret) => secret.ARN === id);
    const notFound = (id: string) =>
      new ResourceNotFoundException({
        message: `Secrets Manager can't find the specified secret ${id}.`,
        $metadata: METADATA,
      });

    sm.on(GetSecretValueCommand).callsFake((input) => {
      const secret = find(input.SecretId);
      if (!secret) throw notFound(input.SecretId);
      return {
        ARN: secret.ARN,
        Name: secret.Name,
        SecretString: secret.SecretString,
        VersionStages: ['AWSCURRENT'],
      };
    });
    sm.on(DescribeSecretCommand).callsFake((input) => {
      const secret = find(input.SecretId);
      if (!secret) throw notFound(input.SecretId);
      return { ARN: secret.ARN, Name: secret.Name };
    });
    sm.on(CreateSecretCommand).callsFake((input) => {
      if (this.secrets.has(input.Name)) {
        throw new ResourceExistsException({
          message: `The operation failed because the secret ${input.Name} already exists.`,
          $metadata: METADATA,
        });
      }
      const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${input.Name}-AbC123`;
      this.secrets.set(input.Name, { ARN: arn, Name: input.Name, SecretString: input.SecretString ?? '' });
      return { ARN: arn, Name: input.Name, VersionId: 'v1' };
    });
  }
}

/** Counts one describe; the resource reports its settled status once enough describes have happened. */
function settle<T extends { Status?: string }>(tracked: Tracked<T>): T {
  if (tracked.describesLeft > 0) tracked.describesLeft -= 1;
  else tracked.resource = { ...tracked.resource, Status: tracked.settlesTo };
  return structuredClone(tracked.resource);
}

function describeCreated(input: CreateReplicationGroupCommandInput): ReplicationGroup {
  const id = input.ReplicationGroupId ?? '';
  const enabled = input.ClusterMode === 'enabled';
  const shards = enabled ? (input.NumNodeGroups ?? 1) : 1;
  const nodesPerShard = enabled ? (input.ReplicasPerNodeGroup ?? 1) + 1 : (input.NumCacheClusters ?? 1);
  const nodeGroups: NodeGroup[] = Array.from({ length: shards }, (_, shard) => ({
    NodeGroupId: String(shard + 1).padStart(4, '0'),
    Status: 'creating',
  }));
  const memberClusters = nodeGroups.flatMap((_, shard) =>
    Array.from({ length: nodesPerShard }, (_, node) =>
      enabled
        ? `${id}-${String(shard + 1).padStart(4, '0')}-${String(node + 1).padStart(3, '0')}`
        : `${id}-${String(node + 1).padStart(3, '0')}`,
    ),
  );
  return {
    ReplicationGroupId: id,
    Description: input.ReplicationGroupDescription,
    Status: 'creating',
    Engine: input.Engine,
    CacheNodeType: input.CacheNodeType,
    ClusterEnabled: enabled,
    ClusterMode: enabled ? 'enabled' : 'disabled',
    MemberClusters: memberClusters,
    NodeGroups: nodeGroups,
    AutomaticFailover: input.AutomaticFailoverEnabled ? 'enabled' : 'disabled',
    MultiAZ: input.MultiAZEnabled ? 'enabled' : 'disabled',
    TransitEncryptionEnabled: input.TransitEncryptionEnabled ?? false,
    AtRestEncryptionEnabled: input.AtRestEncryptionEnabled ?? false,
    UserGroupIds: input.UserGroupIds ?? [],
    SnapshotRetentionLimit: input.SnapshotRetentionLimit,
    ARN: `arn:aws:elasticache:${REGION}:${ACCOUNT}:replicationgroup:${id}`,
  };
}

/** What DescribeReplicationGroups adds once the nodes are up: endpoints and node group members. */
function withEndpoints(group: ReplicationGroup): ReplicationGroup {
  const id = group.ReplicationGroupId ?? '';
  const host = (name: string) => ({ Address: `${name}.${id}.abc123.use1.cache.amazonaws.com`, Port: 6379 });
  const members = group.MemberClusters ?? [];
  const shards = group.NodeGroups ?? [];
  const perShard = members.length / Math.max(shards.length, 1);
  const nodeGroups = shards.map((shard, index) => ({
    ...shard,
    Status: 'available',
    NodeGroupMembers: members.slice(index * perShard, (index + 1) * perShard).map((clusterId, node) => ({
      CacheClusterId: clusterId,
      CacheNodeId: '0001',
      CurrentRole: group.ClusterEnabled ? undefined : node === 0 ? 'primary' : 'replica',
    })),
    ...(group.ClusterEnabled ? {} : { PrimaryEndpoint: host('master'), ReaderEndpoint: host('replica') }),
  }));
  return {
    ...group,
    NodeGroups: nodeGroups,
    ...(group.ClusterEnabled ? { ConfigurationEndpoint: host('clustercfg') } : {}),
  };
}
