import { defaultUserId } from '../ids';
import { withoutUndefined } from '../json';
import type { NormalisedRequest, NormalisedUser } from '../provision/state';
import { analyseAccessString } from './accessString';
import { MANAGED_DEFAULT_ACCESS_STRING, MANY_SHARDS, usesRbac, viewOf } from './rules';
import {
  DEFAULT_NUM_CACHE_CLUSTERS,
  DEFAULT_NUM_NODE_GROUPS,
  DEFAULT_REPLICAS_PER_NODE_GROUP,
  type ParsedRequest,
} from './schema';
import { DATA_TIERING_NODE_TYPE } from './settingRules';

/** A valid request before the engine version is resolved: everything but the version and its family. */
export type ValidatedRequest = Omit<NormalisedRequest, 'EngineVersion' | 'CacheParameterGroupFamily'> & {
  EngineVersion?: string;
};

/** Applies the conditional defaults and lower-cases ids, saying in Notes what changed. Pure. */
export function normaliseRequest(parsed: ParsedRequest): ValidatedRequest {
  const notes: string[] = [];
  const lowerCased = (field: string, id: string): string => {
    const lower = id.toLowerCase();
    if (lower !== id) notes.push(`${field} lower-cased to ${lower} (ElastiCache stores ids in lower case)`);
    return lower;
  };

  const rbacUsed = usesRbac(viewOf(parsed));
  const enabled = parsed.ClusterMode === 'enabled';
  const numCacheClusters = parsed.NumCacheClusters ?? DEFAULT_NUM_CACHE_CLUSTERS;

  let transitEncryption = parsed.TransitEncryptionEnabled ?? false;
  if (parsed.TransitEncryptionEnabled === undefined && rbacUsed) {
    transitEncryption = true;
    notes.push('TransitEncryptionEnabled set to true: RBAC needs in-transit encryption');
  }

  if (enabled && (parsed.NumNodeGroups ?? 0) > MANY_SHARDS) {
    notes.push(
      `NumNodeGroups above ${MANY_SHARDS} needs a raised ElastiCache quota (nodes per cluster) in the account`,
    );
  }

  const userGroupIds = parsed.UserGroupIds.map((id, index) => lowerCased(`UserGroupIds[${index}]`, id));
  let rbac: NormalisedRequest['Rbac'];
  if (parsed.Rbac) {
    const groupId = lowerCased('Rbac.UserGroupId', parsed.Rbac.UserGroupId);
    userGroupIds.push(groupId);
    const users: NormalisedUser[] = parsed.Rbac.Users.map((user, index) => {
      const field = `Rbac.Users[${index}]`;
      const userId = lowerCased(`${field}.UserId`, user.UserId);
      const switchedOn = analyseAccessString(user.AccessString).switchedOn;
      if (!switchedOn) {
        notes.push(`${field} (${userId}) has no "on" rule: the user is created switched off`);
      } else if (user.AuthenticationType === 'no-password-required') {
        notes.push(`${field} (${userId}) needs no password: any client can authenticate as ${user.UserName}`);
      }
      return {
        UserId: userId,
        UserName: user.UserName,
        AccessString: user.AccessString,
        AuthenticationType: user.AuthenticationType,
        ...(user.PasswordSecretId !== undefined && { PasswordSecretId: user.PasswordSecretId }),
      };
    });
    const given = parsed.Rbac.DefaultUser;
    if (given) {
      // A default user that is off lets nobody in, so it needs no password and no secret.
      const off = !analyseAccessString(given.AccessString).switchedOn;
      users.push({
        UserId: lowerCased('Rbac.DefaultUser.UserId', given.UserId),
        UserName: 'default',
        AccessString: given.AccessString,
        AuthenticationType:
          given.AuthenticationType ??
          (off && given.PasswordSecretId === undefined ? 'no-password-required' : 'password'),
        ...(given.PasswordSecretId !== undefined && { PasswordSecretId: given.PasswordSecretId }),
      });
    } else if (parsed.Engine === 'redis') {
      const id = defaultUserId(groupId);
      users.push({
        UserId: id,
        UserName: 'default',
        AccessString: MANAGED_DEFAULT_ACCESS_STRING,
        AuthenticationType: 'no-password-required',
        ManagedDefault: true,
      });
      notes.push(
        `Rbac.DefaultUser absent: the workflow manages ${id} (UserName default, "${MANAGED_DEFAULT_ACCESS_STRING}") so unauthenticated connections get nothing`,
      );
    }
    rbac = {
      UserGroupId: groupId,
      Users: users,
      ...(parsed.Rbac.Rotation !== undefined && { Rotation: parsed.Rbac.Rotation }),
    };
  }

  let dataTiering = parsed.DataTieringEnabled;
  if (dataTiering === undefined && DATA_TIERING_NODE_TYPE.test(parsed.CacheNodeType)) {
    dataTiering = true;
    notes.push(
      `DataTieringEnabled set to true: ${parsed.CacheNodeType} is an r6gd node type, which always tiers data`,
    );
  }
  let ipDiscovery = parsed.IpDiscovery;
  if (ipDiscovery === undefined && parsed.NetworkType === 'ipv6') {
    ipDiscovery = 'ipv6';
    notes.push('IpDiscovery set to ipv6: an ipv6-only network has no ipv4 addresses to discover');
  }
  const settings = {
    KmsKeyId: parsed.KmsKeyId,
    LogDeliveryConfigurations: parsed.LogDeliveryConfigurations,
    PreferredMaintenanceWindow: parsed.PreferredMaintenanceWindow,
    SnapshotWindow: parsed.SnapshotWindow,
    NotificationTopicArn: parsed.NotificationTopicArn,
    Port: parsed.Port,
    TransitEncryptionMode: parsed.TransitEncryptionMode,
    AutoMinorVersionUpgrade: parsed.AutoMinorVersionUpgrade,
    DataTieringEnabled: dataTiering,
    SnapshotArns: parsed.SnapshotArns,
    SnapshotName: parsed.SnapshotName,
    NetworkType: parsed.NetworkType,
    IpDiscovery: ipDiscovery,
  };

  return {
    ReplicationGroupId: lowerCased('ReplicationGroupId', parsed.ReplicationGroupId),
    ReplicationGroupDescription: parsed.ReplicationGroupDescription,
    Engine: parsed.Engine,
    ...(parsed.EngineVersion !== undefined && { EngineVersion: parsed.EngineVersion }),
    CacheNodeType: parsed.CacheNodeType,
    ClusterMode: parsed.ClusterMode,
    ...(enabled
      ? {
          NumNodeGroups: parsed.NumNodeGroups ?? DEFAULT_NUM_NODE_GROUPS,
          ReplicasPerNodeGroup: parsed.ReplicasPerNodeGroup ?? DEFAULT_REPLICAS_PER_NODE_GROUP,
        }
      : { NumCacheClusters: numCacheClusters }),
    AutomaticFailoverEnabled: enabled ? true : (parsed.AutomaticFailoverEnabled ?? numCacheClusters >= 2),
    MultiAZEnabled: parsed.MultiAZEnabled,
    TransitEncryptionEnabled: transitEncryption,
    AtRestEncryptionEnabled: parsed.AtRestEncryptionEnabled,
    SnapshotRetentionLimit: parsed.SnapshotRetentionLimit,
    ...(parsed.CacheParameterGroupName !== undefined && {
      CacheParameterGroupName: parsed.CacheParameterGroupName,
    }),
    ...(parsed.CacheSubnetGroupName !== undefined && { CacheSubnetGroupName: parsed.CacheSubnetGroupName }),
    SecurityGroupIds: parsed.SecurityGroupIds,
    Tags: parsed.Tags,
    ...withoutUndefined(settings),
    UserGroupIds: [...new Set(userGroupIds)],
    ...(rbac && { Rbac: rbac }),
    Polling: parsed.Polling,
    ...(parsed.CorrelationId !== undefined && { CorrelationId: parsed.CorrelationId }),
    Notes: notes,
  };
}
