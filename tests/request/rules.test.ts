import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../shared/request/validate';
import { type EditableRequest, rejectionOf, requestFixture } from './support';

interface Rejection {
  rule: string;
  fixture: 'minimal' | 'rbac-redis' | 'cluster-enabled-valkey';
  change: (request: EditableRequest) => void;
  field: string;
  message: RegExp;
}

const users = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    UserId: `orders-u${index}`,
    UserName: `u${index}`,
    AccessString: 'on ~orders:* +@read',
  }));

/** Contract section 1, rule by rule: a request breaking it, and the field the problem must name. */
const rejections: Rejection[] = [
  // ReplicationGroupId
  {
    rule: 'ReplicationGroupId is required',
    fixture: 'minimal',
    change: (r) => delete r.ReplicationGroupId,
    field: 'ReplicationGroupId',
    message: /required/,
  },
  {
    rule: 'ReplicationGroupId is at most 40 characters',
    fixture: 'minimal',
    change: (r) => {
      r.ReplicationGroupId = `o${'a'.repeat(40)}`;
    },
    field: 'ReplicationGroupId',
    message: /at most 40/,
  },
  {
    rule: 'ReplicationGroupId starts with a letter',
    fixture: 'minimal',
    change: (r) => {
      r.ReplicationGroupId = '1orders';
    },
    field: 'ReplicationGroupId',
    message: /start with a letter/,
  },
  {
    rule: 'ReplicationGroupId has no two consecutive hyphens',
    fixture: 'minimal',
    change: (r) => {
      r.ReplicationGroupId = 'orders--cache';
    },
    field: 'ReplicationGroupId',
    message: /two consecutive hyphens/,
  },
  {
    rule: 'ReplicationGroupId does not end with a hyphen',
    fixture: 'minimal',
    change: (r) => {
      r.ReplicationGroupId = 'orders-';
    },
    field: 'ReplicationGroupId',
    message: /end with a hyphen/,
  },
  {
    rule: 'ReplicationGroupId holds only letters, digits and hyphens',
    fixture: 'minimal',
    change: (r) => {
      r.ReplicationGroupId = 'orders_cache';
    },
    field: 'ReplicationGroupId',
    message: /letters, digits and hyphens/,
  },
  {
    rule: 'ReplicationGroupId is not empty',
    fixture: 'minimal',
    change: (r) => {
      r.ReplicationGroupId = '';
    },
    field: 'ReplicationGroupId',
    message: /empty/,
  },
  {
    rule: 'ReplicationGroupDescription is not empty',
    fixture: 'minimal',
    change: (r) => {
      r.ReplicationGroupDescription = '';
    },
    field: 'ReplicationGroupDescription',
    message: /at least 1/,
  },

  // UserId, UserGroupId
  {
    rule: 'UserId starts with a letter',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].UserId = '1app';
    },
    field: 'Rbac.Users[0].UserId',
    message: /start with a letter/,
  },
  {
    rule: 'UserId holds letters, digits and hyphens',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[1].UserId = 'orders.iam';
    },
    field: 'Rbac.Users[1].UserId',
    message: /letters, digits and hyphens/,
  },
  {
    rule: 'UserGroupId starts with a letter',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.UserGroupId = '-orders';
    },
    field: 'Rbac.UserGroupId',
    message: /start with a letter/,
  },
  {
    rule: 'Rbac needs a UserGroupId',
    fixture: 'rbac-redis',
    change: (r) => delete r.Rbac.UserGroupId,
    field: 'Rbac.UserGroupId',
    message: /required/,
  },
  {
    rule: 'existing UserGroupIds follow the id rules',
    fixture: 'minimal',
    change: (r) => {
      r.UserGroupIds = ['orders group'];
    },
    field: 'UserGroupIds[0]',
    message: /letters, digits and hyphens/,
  },
  {
    rule: 'the DefaultUser UserId follows the id rules',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.DefaultUser = { UserId: 'default user', AccessString: 'off -@all' };
    },
    field: 'Rbac.DefaultUser.UserId',
    message: /letters, digits and hyphens/,
  },
  {
    rule: 'UserIds are unique in the group, compared lower-case',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[1].UserId = 'Orders-App';
      r.Rbac.Users[1].UserName = 'orders-app';
    },
    field: 'Rbac.Users[1].UserId',
    message: /already used by Rbac\.Users\[0\]\.UserId/,
  },
  {
    rule: 'a user may not take the managed default user id',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].UserId = 'orders-default';
    },
    field: 'Rbac.Users[0].UserId',
    message: /default user the workflow manages/,
  },
  {
    rule: 'the DefaultUser UserId differs from the users ids',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.DefaultUser = { UserId: 'orders-app', AccessString: 'off -@all' };
    },
    field: 'Rbac.DefaultUser.UserId',
    message: /already used/,
  },

  // UserName
  {
    rule: 'user names are unique within the group',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users.push({ UserId: 'orders-app2', UserName: 'app', AccessString: 'on ~* +@read' });
    },
    field: 'Rbac.Users[2].UserName',
    message: /unique within the group/,
  },
  {
    rule: 'user names have no spaces',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].UserName = 'the app';
    },
    field: 'Rbac.Users[0].UserName',
    message: /without spaces/,
  },
  {
    rule: 'the user name default is reserved for Rbac.DefaultUser (redis)',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].UserName = 'default';
    },
    field: 'Rbac.Users[0].UserName',
    message: /Rbac\.DefaultUser/,
  },
  {
    rule: 'the user name default is reserved in a valkey group',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.Rbac.Users[0].UserName = 'default';
    },
    field: 'Rbac.Users[0].UserName',
    message: /needs no default user/,
  },
  {
    rule: 'the DefaultUser is named default',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.DefaultUser = { UserId: 'orders-anon', UserName: 'anonymous', AccessString: 'off -@all' };
    },
    field: 'Rbac.DefaultUser.UserName',
    message: /"default"/,
  },

  // Engine and version
  {
    rule: 'Engine is redis or valkey',
    fixture: 'minimal',
    change: (r) => {
      r.Engine = 'memcached';
    },
    field: 'Engine',
    message: /"redis" \| "valkey"/,
  },
  {
    rule: 'EngineVersion is a version number',
    fixture: 'minimal',
    change: (r) => {
      r.EngineVersion = '7.x';
    },
    field: 'EngineVersion',
    message: /version such as/,
  },
  {
    rule: 'there is no Redis OSS 7.2 on ElastiCache',
    fixture: 'minimal',
    change: (r) => {
      r.EngineVersion = '7.2';
    },
    field: 'EngineVersion',
    message: /ends at 7\.1/,
  },
  {
    rule: 'Valkey starts at 7.2',
    fixture: 'minimal',
    change: (r) => {
      r.Engine = 'valkey';
      r.EngineVersion = '7.0';
    },
    field: 'EngineVersion',
    message: /starts at 7\.2/,
  },
  {
    rule: 'RBAC needs Redis OSS 6.0 or later',
    fixture: 'rbac-redis',
    change: (r) => {
      r.EngineVersion = '5.0.6';
      r.Rbac.Users.pop();
    },
    field: 'EngineVersion',
    message: /RBAC .* needs Redis OSS 6\.0/,
  },
  {
    rule: 'CacheNodeType is a node type',
    fixture: 'minimal',
    change: (r) => {
      r.CacheNodeType = 't3.small';
    },
    field: 'CacheNodeType',
    message: /cache\.t3\.small/,
  },

  // Cluster mode disabled
  {
    rule: 'ClusterMode is disabled or enabled',
    fixture: 'minimal',
    change: (r) => {
      r.ClusterMode = 'on';
    },
    field: 'ClusterMode',
    message: /"disabled" \| "enabled"/,
  },
  {
    rule: 'NumCacheClusters is at most 6',
    fixture: 'minimal',
    change: (r) => {
      r.NumCacheClusters = 7;
    },
    field: 'NumCacheClusters',
    message: /at most 6/,
  },
  {
    rule: 'NumCacheClusters is at least 1',
    fixture: 'minimal',
    change: (r) => {
      r.NumCacheClusters = 0;
    },
    field: 'NumCacheClusters',
    message: /at least 1/,
  },
  {
    rule: 'NumCacheClusters is a whole number',
    fixture: 'minimal',
    change: (r) => {
      r.NumCacheClusters = 2.5;
    },
    field: 'NumCacheClusters',
    message: /whole number/,
  },
  {
    rule: 'automatic failover needs at least 2 nodes',
    fixture: 'minimal',
    change: (r) => {
      r.NumCacheClusters = 1;
      r.AutomaticFailoverEnabled = true;
    },
    field: 'AutomaticFailoverEnabled',
    message: /at least 2 nodes/,
  },
  {
    rule: 'Multi-AZ needs automatic failover',
    fixture: 'minimal',
    change: (r) => {
      r.AutomaticFailoverEnabled = false;
      r.MultiAZEnabled = true;
    },
    field: 'MultiAZEnabled',
    message: /automatic failover/,
  },
  {
    rule: 'Multi-AZ needs a replica (single node has no failover)',
    fixture: 'minimal',
    change: (r) => {
      r.NumCacheClusters = 1;
      r.MultiAZEnabled = true;
    },
    field: 'MultiAZEnabled',
    message: /automatic failover/,
  },
  {
    rule: 'NumNodeGroups is rejected when cluster mode is disabled',
    fixture: 'minimal',
    change: (r) => {
      r.NumNodeGroups = 2;
    },
    field: 'NumNodeGroups',
    message: /only to ClusterMode "enabled"/,
  },
  {
    rule: 'ReplicasPerNodeGroup is rejected when cluster mode is disabled',
    fixture: 'minimal',
    change: (r) => {
      r.ReplicasPerNodeGroup = 1;
    },
    field: 'ReplicasPerNodeGroup',
    message: /only to ClusterMode "enabled"/,
  },
  {
    rule: 'a cluster-enabled parameter group cannot serve cluster mode disabled',
    fixture: 'minimal',
    change: (r) => {
      r.CacheParameterGroupName = 'default.redis7.cluster.on';
    },
    field: 'CacheParameterGroupName',
    message: /cluster-enabled/,
  },

  // Cluster mode enabled
  {
    rule: 'NumNodeGroups is at least 1',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.NumNodeGroups = 0;
    },
    field: 'NumNodeGroups',
    message: /at least 1/,
  },
  {
    rule: 'ReplicasPerNodeGroup is at most 5',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.ReplicasPerNodeGroup = 6;
    },
    field: 'ReplicasPerNodeGroup',
    message: /at most 5/,
  },
  {
    rule: 'ReplicasPerNodeGroup is at least 0',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.ReplicasPerNodeGroup = -1;
    },
    field: 'ReplicasPerNodeGroup',
    message: /at least 0/,
  },
  {
    rule: 'shards x nodes per shard is at most 500',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.NumNodeGroups = 100;
      r.ReplicasPerNodeGroup = 5;
    },
    field: 'NumNodeGroups',
    message: /600 nodes.*at most 500/,
  },
  {
    rule: 'more than 90 shards need Redis OSS 5.0.6',
    fixture: 'minimal',
    change: (r) => {
      r.ClusterMode = 'enabled';
      r.EngineVersion = '5.0.5';
      r.NumNodeGroups = 91;
      r.ReplicasPerNodeGroup = 0;
    },
    field: 'NumNodeGroups',
    message: /more than 90 shards need Redis OSS 5\.0\.6/,
  },
  {
    rule: 'cluster mode enabled always uses automatic failover',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.AutomaticFailoverEnabled = false;
    },
    field: 'AutomaticFailoverEnabled',
    message: /always uses automatic failover/,
  },
  {
    rule: 'NumCacheClusters is rejected when cluster mode is enabled',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.NumCacheClusters = 3;
    },
    field: 'NumCacheClusters',
    message: /only to ClusterMode "disabled"/,
  },
  {
    rule: 'cluster mode enabled needs a cluster-enabled parameter group',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.CacheParameterGroupName = 'default.valkey8';
    },
    field: 'CacheParameterGroupName',
    message: /cluster\.on/,
  },

  // RBAC
  {
    rule: 'RBAC users need in-transit encryption',
    fixture: 'rbac-redis',
    change: (r) => {
      r.TransitEncryptionEnabled = false;
    },
    field: 'TransitEncryptionEnabled',
    message: /must be true when RBAC is used/,
  },
  {
    rule: 'attaching existing user groups needs in-transit encryption',
    fixture: 'minimal',
    change: (r) => {
      r.UserGroupIds = ['orders'];
      r.TransitEncryptionEnabled = false;
    },
    field: 'TransitEncryptionEnabled',
    message: /must be true when RBAC is used/,
  },
  {
    rule: 'a replication group takes at most one user group',
    fixture: 'rbac-redis',
    change: (r) => {
      r.UserGroupIds = ['legacy-group'];
    },
    field: 'UserGroupIds',
    message: /at most one user group/,
  },
  {
    rule: 'a valkey user group has no default user',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.Rbac.DefaultUser = { UserId: 'sessions-default', AccessString: 'off -@all' };
    },
    field: 'Rbac.DefaultUser',
    message: /needs no default user/,
  },
  {
    rule: 'a group holds at most 100 users (schema)',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users = users(101);
    },
    field: 'Rbac.Users',
    message: /at most 100 items/,
  },
  {
    rule: 'a redis group holds at most 100 users, the default user included',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users = users(100);
    },
    field: 'Rbac.Users',
    message: /100 listed plus the default user make 101/,
  },
  {
    rule: 'unknown authentication types are refused',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].AuthenticationType = 'no-password';
    },
    field: 'Rbac.Users[0].AuthenticationType',
    message: /"password" \| "iam" \| "no-password-required"/,
  },
  {
    rule: 'PasswordSecretId is a secret name or ARN',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].PasswordSecretId = 'my secret';
    },
    field: 'Rbac.Users[0].PasswordSecretId',
    message: /Secrets Manager secret name or ARN/,
  },

  // IAM users
  {
    rule: 'an IAM user has UserName equal to UserId',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[1].UserName = 'reporting';
    },
    field: 'Rbac.Users[1].UserName',
    message: /equal to their \(lower-case\) UserId: orders-iam/,
  },
  {
    rule: 'IAM authentication needs Redis OSS 7.0',
    fixture: 'rbac-redis',
    change: (r) => {
      r.EngineVersion = '6.2';
    },
    field: 'Rbac.Users[1].AuthenticationType',
    message: /needs Redis OSS 7\.0/,
  },
  {
    rule: 'an IAM user has no password',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[1].PasswordSecretId = 'orders-iam-secret';
    },
    field: 'Rbac.Users[1].PasswordSecretId',
    message: /no password/,
  },

  // Access strings
  {
    rule: 'an access string is not blank',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].AccessString = '   ';
    },
    field: 'Rbac.Users[0].AccessString',
    message: /at least one rule/,
  },
  {
    rule: 'password directives are refused in access strings',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].AccessString = 'on nopass ~* +@all';
    },
    field: 'Rbac.Users[0].AccessString',
    message: /rule 2 is a password directive/,
  },
  {
    rule: 'reset is refused in access strings',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].AccessString = 'reset on ~* +@all';
    },
    field: 'Rbac.Users[0].AccessString',
    message: /rule 1 \(reset\) is refused/,
  },
  {
    rule: 'selectors are refused in access strings',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].AccessString = 'on ~* +@read (~admin:* +@all)';
    },
    field: 'Rbac.Users[0].AccessString',
    message: /selectors/,
  },
  {
    rule: 'unknown rules are refused in access strings',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].AccessString = 'on ~* everything';
    },
    field: 'Rbac.Users[0].AccessString',
    message: /rule 3 is not an access-string rule/,
  },
  {
    rule: 'channel rules need Redis OSS 6.2',
    fixture: 'rbac-redis',
    change: (r) => {
      r.EngineVersion = '6.0';
      r.Rbac.Users.pop();
      r.Rbac.Users[0].AccessString = 'on ~* &orders:* +@all';
    },
    field: 'Rbac.Users[0].AccessString',
    message: /channel rules need Redis OSS 6\.2/,
  },
  {
    rule: 'key permissions (%R~) need Redis OSS 7.0',
    fixture: 'rbac-redis',
    change: (r) => {
      r.EngineVersion = '6.2';
      r.Rbac.Users.pop();
      r.Rbac.Users[0].AccessString = 'on %R~orders:* +@read';
    },
    field: 'Rbac.Users[0].AccessString',
    message: /"%R~orders:\*".*need Redis OSS 7\.0/,
  },
  {
    rule: 'subcommand rules need Redis OSS 7.0',
    fixture: 'rbac-redis',
    change: (r) => {
      r.EngineVersion = '6.2';
      r.Rbac.Users.pop();
      r.Rbac.Users[0].AccessString = 'on ~* +config|get';
    },
    field: 'Rbac.Users[0].AccessString',
    message: /subcommand rules .* need Redis OSS 7\.0/,
  },
  {
    rule: 'the DefaultUser access string follows the same grammar',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.DefaultUser = { UserId: 'orders-default', AccessString: 'on resetpass ~* +@all' };
    },
    field: 'Rbac.DefaultUser.AccessString',
    message: /password directive/,
  },

  // Passwords never travel
  {
    rule: 'a top-level Password is refused',
    fixture: 'minimal',
    change: (r) => {
      r.Password = 'REPLACE_ME';
    },
    field: 'Password',
    message: /PasswordSecretId/,
  },
  {
    rule: 'an AuthToken is refused',
    fixture: 'minimal',
    change: (r) => {
      r.AuthToken = 'REPLACE_ME';
    },
    field: 'AuthToken',
    message: /Secrets Manager/,
  },
  {
    rule: 'user Passwords are refused',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].Passwords = ['REPLACE_ME'];
    },
    field: 'Rbac.Users[0].Passwords',
    message: /let the workflow generate one/,
  },
  {
    rule: 'a password key is refused at any depth, any case',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Tags[0].password = 'REPLACE_ME';
    },
    field: 'Tags[0].password',
    message: /Secrets Manager/,
  },

  // Unknown fields, everywhere
  {
    rule: 'unknown top-level fields are rejected',
    fixture: 'minimal',
    change: (r) => {
      r.NumCacheCluster = 3;
    },
    field: 'NumCacheCluster',
    message: /did you mean NumCacheClusters/,
  },
  {
    rule: 'unknown fields in Rbac are rejected',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.UserGroup = 'orders';
    },
    field: 'Rbac.UserGroup',
    message: /unknown field/,
  },
  {
    rule: 'unknown fields in Rbac.Users are rejected',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[1].AuthType = 'iam';
    },
    field: 'Rbac.Users[1].AuthType',
    message: /unknown field/,
  },
  {
    rule: 'unknown fields in Rbac.DefaultUser are rejected',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.DefaultUser = { UserId: 'orders-default', AccessString: 'off -@all', Enabled: false };
    },
    field: 'Rbac.DefaultUser.Enabled',
    message: /unknown field/,
  },
  {
    rule: 'unknown fields in Tags are rejected',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Tags[0].Name = 'team';
    },
    field: 'Tags[0].Name',
    message: /unknown field/,
  },
  {
    rule: 'unknown fields in Polling are rejected',
    fixture: 'minimal',
    change: (r) => {
      r.Polling = { Timeout: 30 };
    },
    field: 'Polling.Timeout',
    message: /did you mean TimeoutMinutes/,
  },

  // Other fields
  {
    rule: 'SnapshotRetentionLimit is at most 35',
    fixture: 'minimal',
    change: (r) => {
      r.SnapshotRetentionLimit = 36;
    },
    field: 'SnapshotRetentionLimit',
    message: /at most 35/,
  },
  {
    rule: 'SnapshotRetentionLimit is at least 0',
    fixture: 'minimal',
    change: (r) => {
      r.SnapshotRetentionLimit = -1;
    },
    field: 'SnapshotRetentionLimit',
    message: /at least 0/,
  },
  {
    rule: 'booleans are booleans, not strings',
    fixture: 'minimal',
    change: (r) => {
      r.AtRestEncryptionEnabled = 'true';
    },
    field: 'AtRestEncryptionEnabled',
    message: /true or false/,
  },
  {
    rule: 'security group ids look like sg-...',
    fixture: 'minimal',
    change: (r) => {
      r.SecurityGroupIds = ['sg-0a1b2c3d', 'default'];
    },
    field: 'SecurityGroupIds[1]',
    message: /security group id/,
  },
  {
    rule: 'tag keys are unique',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Tags.push({ Key: 'team', Value: 'payments' });
    },
    field: 'Tags[1].Key',
    message: /unique/,
  },
  {
    rule: 'tag keys do not start with aws:',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Tags[0].Key = 'aws:team';
    },
    field: 'Tags[0].Key',
    message: /aws:/,
  },
  {
    rule: 'a tag has a Value',
    fixture: 'rbac-redis',
    change: (r) => delete r.Tags[0].Value,
    field: 'Tags[0].Value',
    message: /required/,
  },
  {
    rule: 'Polling values stay within their bounds',
    fixture: 'minimal',
    change: (r) => {
      r.Polling = { TimeoutMinutes: 0 };
    },
    field: 'Polling.TimeoutMinutes',
    message: /at least 1/,
  },
  {
    rule: 'one invocation checks for at most 600 seconds',
    fixture: 'minimal',
    change: (r) => {
      r.Polling = { ChecksPerInvocation: 31, CheckIntervalSeconds: 21 };
    },
    field: 'Polling.ChecksPerInvocation',
    message: /is 630 s; .* at most 600 s/,
  },
  // Optional replication group settings, with ElastiCache's rules
  {
    rule: 'KmsKeyId is a key id, key ARN or alias',
    fixture: 'minimal',
    change: (r) => {
      r.KmsKeyId = 'my key';
    },
    field: 'KmsKeyId',
    message: /KMS key id, key ARN, alias name/,
  },
  {
    rule: 'KmsKeyId needs at-rest encryption',
    fixture: 'minimal',
    change: (r) => {
      r.KmsKeyId = 'alias/orders';
      r.AtRestEncryptionEnabled = false;
    },
    field: 'KmsKeyId',
    message: /set AtRestEncryptionEnabled true/,
  },
  {
    rule: 'PreferredMaintenanceWindow is ddd:hh24:mi-ddd:hh24:mi',
    fixture: 'minimal',
    change: (r) => {
      r.PreferredMaintenanceWindow = 'sunday:03:00-sunday:04:00';
    },
    field: 'PreferredMaintenanceWindow',
    message: /ddd:hh24:mi-ddd:hh24:mi/,
  },
  {
    rule: 'PreferredMaintenanceWindow lasts at least 60 minutes, across the week end too',
    fixture: 'minimal',
    change: (r) => {
      r.PreferredMaintenanceWindow = 'sat:23:30-sun:00:15';
    },
    field: 'PreferredMaintenanceWindow',
    message: /lasts 45 minutes; ElastiCache needs at least 60/,
  },
  {
    rule: 'SnapshotWindow is hh24:mi-hh24:mi',
    fixture: 'minimal',
    change: (r) => {
      r.SnapshotWindow = '5:00-6:00';
    },
    field: 'SnapshotWindow',
    message: /hh24:mi-hh24:mi/,
  },
  {
    rule: 'SnapshotWindow lasts at least 60 minutes, across midnight too',
    fixture: 'minimal',
    change: (r) => {
      r.SnapshotWindow = '23:30-00:20';
    },
    field: 'SnapshotWindow',
    message: /lasts 50 minutes/,
  },
  {
    rule: 'SnapshotWindow does not overlap the maintenance window',
    fixture: 'minimal',
    change: (r) => {
      r.PreferredMaintenanceWindow = 'wed:04:30-wed:05:30';
      r.SnapshotWindow = '04:00-05:00';
    },
    field: 'SnapshotWindow',
    message: /overlaps PreferredMaintenanceWindow/,
  },
  {
    rule: 'LogDeliveryConfigurations log types are slow-log or engine-log',
    fixture: 'minimal',
    change: (r) => {
      r.LogDeliveryConfigurations = [
        {
          LogType: 'audit-log',
          DestinationType: 'cloudwatch-logs',
          DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'cache' } },
          LogFormat: 'json',
        },
      ];
    },
    field: 'LogDeliveryConfigurations[0].LogType',
    message: /"slow-log" \| "engine-log"/,
  },
  {
    rule: 'LogDeliveryConfigurations formats are text or json',
    fixture: 'minimal',
    change: (r) => {
      r.LogDeliveryConfigurations = [
        {
          LogType: 'slow-log',
          DestinationType: 'kinesis-firehose',
          DestinationDetails: { KinesisFirehoseDetails: { DeliveryStream: 'logs' } },
          LogFormat: 'xml',
        },
      ];
    },
    field: 'LogDeliveryConfigurations[0].LogFormat',
    message: /"text" \| "json"/,
  },
  {
    rule: 'a CloudWatch Logs destination names its log group',
    fixture: 'minimal',
    change: (r) => {
      r.LogDeliveryConfigurations = [
        {
          LogType: 'slow-log',
          DestinationType: 'cloudwatch-logs',
          DestinationDetails: { KinesisFirehoseDetails: { DeliveryStream: 'logs' } },
          LogFormat: 'json',
        },
      ];
    },
    field: 'LogDeliveryConfigurations[0].DestinationDetails',
    message: /needs DestinationDetails.CloudWatchLogsDetails only/,
  },
  {
    rule: 'the engine log needs Redis OSS 6.2',
    fixture: 'minimal',
    change: (r) => {
      r.EngineVersion = '6.0';
      r.LogDeliveryConfigurations = [
        {
          LogType: 'engine-log',
          DestinationType: 'cloudwatch-logs',
          DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'cache' } },
          LogFormat: 'text',
        },
      ];
    },
    field: 'LogDeliveryConfigurations[0].LogType',
    message: /the engine log needs Redis OSS 6.2/,
  },
  {
    rule: 'NotificationTopicArn is an SNS topic ARN',
    fixture: 'minimal',
    change: (r) => {
      r.NotificationTopicArn = 'arn:aws:sqs:eu-west-1:123456789012:events';
    },
    field: 'NotificationTopicArn',
    message: /SNS topic ARN/,
  },
  {
    rule: 'Port is 1 to 65535',
    fixture: 'minimal',
    change: (r) => {
      r.Port = 65536;
    },
    field: 'Port',
    message: /at most 65535/,
  },
  {
    rule: 'TransitEncryptionMode is preferred or required',
    fixture: 'rbac-redis',
    change: (r) => {
      r.TransitEncryptionMode = 'optional';
    },
    field: 'TransitEncryptionMode',
    message: /"preferred" \| "required"/,
  },
  {
    rule: 'TransitEncryptionMode needs in-transit encryption',
    fixture: 'minimal',
    change: (r) => {
      r.TransitEncryptionMode = 'required';
    },
    field: 'TransitEncryptionMode',
    message: /set TransitEncryptionEnabled true/,
  },
  {
    rule: 'TransitEncryptionMode preferred is refused with RBAC',
    fixture: 'rbac-redis',
    change: (r) => {
      r.TransitEncryptionMode = 'preferred';
    },
    field: 'TransitEncryptionMode',
    message: /use "required"/,
  },
  {
    rule: 'TransitEncryptionMode needs Redis OSS 7.0',
    fixture: 'minimal',
    change: (r) => {
      r.EngineVersion = '6.2';
      r.TransitEncryptionEnabled = true;
      r.TransitEncryptionMode = 'preferred';
    },
    field: 'TransitEncryptionMode',
    message: /needs Redis OSS 7.0 or later/,
  },
  {
    rule: 'AutoMinorVersionUpgrade is true or false',
    fixture: 'minimal',
    change: (r) => {
      r.AutoMinorVersionUpgrade = 'yes';
    },
    field: 'AutoMinorVersionUpgrade',
    message: /true or false/,
  },
  {
    rule: 'DataTieringEnabled needs an r6gd node type',
    fixture: 'minimal',
    change: (r) => {
      r.DataTieringEnabled = true;
    },
    field: 'DataTieringEnabled',
    message: /needs an r6gd node type/,
  },
  {
    rule: 'r6gd node types cannot turn data tiering off',
    fixture: 'minimal',
    change: (r) => {
      r.CacheNodeType = 'cache.r6gd.xlarge';
      r.DataTieringEnabled = false;
    },
    field: 'DataTieringEnabled',
    message: /always tier data/,
  },
  {
    rule: 'data tiering needs Redis OSS 6.2',
    fixture: 'minimal',
    change: (r) => {
      r.EngineVersion = '6.0';
      r.CacheNodeType = 'cache.r6gd.xlarge';
    },
    field: 'DataTieringEnabled',
    message: /data tiering \(r6gd node types\) needs Redis OSS 6.2/,
  },
  {
    rule: 'SnapshotArns are S3 object ARNs',
    fixture: 'minimal',
    change: (r) => {
      r.SnapshotArns = ['arn:aws:s3:::bucket-only'];
    },
    field: 'SnapshotArns[0]',
    message: /S3 object ARN/,
  },
  {
    rule: 'SnapshotArns object keys hold no commas',
    fixture: 'minimal',
    change: (r) => {
      r.SnapshotArns = ['arn:aws:s3:::backups/a,b.rdb'];
    },
    field: 'SnapshotArns[0]',
    message: /S3 object ARN/,
  },
  {
    rule: 'a restore names SnapshotArns or SnapshotName, not both',
    fixture: 'minimal',
    change: (r) => {
      r.SnapshotArns = ['arn:aws:s3:::backups/orders.rdb'];
      r.SnapshotName = 'nightly';
    },
    field: 'SnapshotName',
    message: /give only one of them/,
  },
  {
    rule: 'NetworkType is ipv4, ipv6 or dual_stack',
    fixture: 'minimal',
    change: (r) => {
      r.NetworkType = 'ipv6only';
    },
    field: 'NetworkType',
    message: /"ipv4" \| "ipv6" \| "dual_stack"/,
  },
  {
    rule: 'IpDiscovery ipv6 needs an IPv6 network',
    fixture: 'minimal',
    change: (r) => {
      r.IpDiscovery = 'ipv6';
    },
    field: 'IpDiscovery',
    message: /set NetworkType ipv6 or dual_stack/,
  },
  {
    rule: 'an ipv6-only network discovers ipv6 addresses',
    fixture: 'minimal',
    change: (r) => {
      r.NetworkType = 'ipv6';
      r.IpDiscovery = 'ipv4';
    },
    field: 'IpDiscovery',
    message: /ipv6-only network/,
  },
  {
    rule: 'IPv6 needs Redis OSS 6.2',
    fixture: 'minimal',
    change: (r) => {
      r.EngineVersion = '6.0';
      r.NetworkType = 'dual_stack';
    },
    field: 'NetworkType',
    message: /IPv6 needs Redis OSS 6.2/,
  },
  // ClusterMode compatible
  {
    rule: 'ClusterMode compatible is shaped by NumCacheClusters',
    fixture: 'minimal',
    change: (r) => {
      r.ClusterMode = 'compatible';
      r.NumNodeGroups = 1;
    },
    field: 'NumNodeGroups',
    message: /with ClusterMode "compatible" set NumCacheClusters/,
  },
  {
    rule: 'ClusterMode compatible needs a replica',
    fixture: 'minimal',
    change: (r) => {
      r.ClusterMode = 'compatible';
      r.NumCacheClusters = 1;
    },
    field: 'NumCacheClusters',
    message: /at least one replica/,
  },
  {
    rule: 'ClusterMode compatible needs automatic failover',
    fixture: 'minimal',
    change: (r) => {
      r.ClusterMode = 'compatible';
      r.AutomaticFailoverEnabled = false;
    },
    field: 'AutomaticFailoverEnabled',
    message: /needs automatic failover/,
  },
  {
    rule: 'ClusterMode compatible needs a cluster-enabled parameter group',
    fixture: 'minimal',
    change: (r) => {
      r.ClusterMode = 'compatible';
      r.CacheParameterGroupName = 'default.redis7';
    },
    field: 'CacheParameterGroupName',
    message: /cluster-enabled parameter group/,
  },
  {
    rule: 'ClusterMode compatible needs Redis OSS 7.0',
    fixture: 'minimal',
    change: (r) => {
      r.ClusterMode = 'compatible';
      r.EngineVersion = '6.2';
    },
    field: 'ClusterMode',
    message: /ClusterMode "compatible" needs Redis OSS 7.0/,
  },
  // Users without a password
  {
    rule: 'a user that needs no password has no secret',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.Users[0].AuthenticationType = 'no-password-required';
    },
    field: 'Rbac.Users[0].PasswordSecretId',
    message: /remove PasswordSecretId/,
  },
  {
    rule: 'a default user that needs no password has no secret',
    fixture: 'rbac-redis',
    change: (r) => {
      r.Rbac.DefaultUser = {
        UserId: 'orders-open',
        AccessString: 'on ~* +@read',
        AuthenticationType: 'no-password-required',
        PasswordSecretId: 'orders/default',
      };
    },
    field: 'Rbac.DefaultUser.PasswordSecretId',
    message: /remove PasswordSecretId/,
  },
  {
    rule: 'valkey user groups take no password-less users',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.Rbac.Users[0].AuthenticationType = 'no-password-required';
    },
    field: 'Rbac.Users[0].AuthenticationType',
    message: /valkey user groups take only password or IAM users/,
  },
  // Limits ElastiCache and Step Functions set
  {
    rule: "request tags leave room for the provisioner's own two",
    fixture: 'minimal',
    change: (r) => {
      r.Tags = Array.from({ length: 49 }, (_, index) => ({ Key: `tag-${index}`, Value: 'x' }));
    },
    field: 'Tags',
    message: /give at most 48/,
  },
  {
    rule: 'a valkey RBAC section lists at least one user',
    fixture: 'cluster-enabled-valkey',
    change: (r) => {
      r.Rbac.Users = [];
    },
    field: 'Rbac.Users',
    message: /list at least one user/,
  },
  {
    rule: 'polling settings stay below 25,000 history events',
    fixture: 'minimal',
    change: (r) => {
      r.Polling = { TimeoutMinutes: 600, WaitSeconds: 10, ChecksPerInvocation: 1 };
    },
    field: 'Polling',
    message: /an execution holds at most 25000/,
  },
  {
    rule: 'CorrelationId is at most 128 characters',
    fixture: 'minimal',
    change: (r) => {
      r.CorrelationId = 'c'.repeat(129);
    },
    field: 'CorrelationId',
    message: /at most 128/,
  },
  {
    rule: 'CorrelationId is printable',
    fixture: 'minimal',
    change: (r) => {
      r.CorrelationId = 'line\nbreak';
    },
    field: 'CorrelationId',
    message: /printable/,
  },
];

describe('request rules (contract section 1)', () => {
  it.each(rejections)('rejects a request where not: $rule', ({ fixture, change, field, message }) => {
    // Prepare
    const request = requestFixture(fixture);
    change(request);

    // Act
    const problems = rejectionOf(request);

    // Assess
    expect(problems).toContainEqual({ field, message: expect.stringMatching(message) });
  });

  it.each(['minimal', 'rbac-redis', 'cluster-enabled-valkey'] as const)(
    'accepts the unchanged %s fixture the rejections start from',
    (fixture) => {
      expect(validateRequest(requestFixture(fixture))).toMatchObject({ ok: true });
    },
  );

  it('accepts exactly 500 nodes in cluster mode enabled', () => {
    // Prepare
    const request = requestFixture('cluster-enabled-valkey');
    request.NumNodeGroups = 250;
    request.ReplicasPerNodeGroup = 1;

    // Act / Assess
    expect(validateRequest(request)).toMatchObject({ ok: true });
  });

  it('accepts 100 users in a valkey group, which needs no default user', () => {
    // Prepare
    const request = requestFixture('cluster-enabled-valkey');
    request.Rbac.Users = users(100);

    // Act / Assess
    expect(validateRequest(request)).toMatchObject({ ok: true });
  });

  it('rejects a non-object input as a whole', () => {
    expect(rejectionOf(['orders-cache'])).toEqual([
      { field: '(request)', message: expect.stringMatching(/must be an object/) },
    ]);
    expect(rejectionOf(null)).toEqual([
      { field: '(request)', message: expect.stringMatching(/must be an object/) },
    ]);
  });

  it('collects every problem of a request at once, each naming its field', () => {
    // Prepare
    const request = requestFixture('many-problems');

    // Act
    const fields = rejectionOf(request).map((problem) => problem.field);

    // Assess
    expect(new Set(fields)).toEqual(
      new Set([
        'ReplicationGroupId',
        'NumNodeGroups',
        'SnapshotRetentionLimit',
        'TransitEncryptionEnabled',
        'Tags[0].Owner',
        'Rbac.Users[0].AuthToken',
        'Rbac.Users[1].UserName',
        'Rbac.Users[1].AccessString',
        'Polling.ChecksPerInvocation',
      ]),
    );
  });

  it('reports each unknown field of one object, not only the first', () => {
    // Prepare
    const request = { ...requestFixture('minimal'), NumCacheCluster: 3, Engin: 'redis', Colour: 'blue' };

    // Act
    const problems = rejectionOf(request);

    // Assess
    expect(problems.map((problem) => problem.field)).toEqual(['NumCacheCluster', 'Engin', 'Colour']);
    expect(problems[2]?.message).toMatch(
      /allowed here: ReplicationGroupId, ReplicationGroupDescription, Engine/,
    );
  });
});
