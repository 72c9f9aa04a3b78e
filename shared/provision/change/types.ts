/**
 * Changing an existing replication group in place: what ElastiCache reports, what differs from the
 * request, and the calls that make it match.
 */
import type { Tag } from '../state';

/** A user as ElastiCache reports it, with what the change needs to know about it. */
export interface CurrentUser {
  UserId: string;
  UserName: string;
  AccessString: string;
  AuthenticationType: string;
  Status: string;
  /** Every user group the user belongs to (DescribeUsers' UserGroupIds). */
  UserGroupIds: string[];
  /** Tagged as created by the provisioner for this replication group. */
  Managed: boolean;
}

export interface CurrentUserGroup {
  UserGroupId: string;
  Status: string;
  Engine: string;
  UserIds: string[];
}

/**
 * A user group the change takes off the replication group (or took off, as its tag remembers), with
 * what deciding on its deletion needs.
 */
export interface DetachedUserGroup {
  UserGroupId: string;
  /** False once it is gone (deleted by this change, or by anyone). */
  Exists: boolean;
  Status?: string;
  /** Tagged as created by the provisioner for this replication group. */
  Managed: boolean;
  /** Every replication group it is attached to (DescribeUserGroups' ReplicationGroups). */
  ReplicationGroupIds: string[];
  UserIds: string[];
  /** Its member named `default`, deleted only once the group is gone (ElastiCache refuses it before). */
  DefaultUserId?: string;
}

/** One shard of a cluster-mode-enabled group. */
export interface CurrentNodeGroup {
  NodeGroupId: string;
  /** Hash slots the shard holds (from `Slots`, e.g. "0-5460,10923-10930"). */
  SlotCount: number;
  Replicas: number;
}

/**
 * What ElastiCache reports about a replication group and its RBAC, read with
 * DescribeReplicationGroups, DescribeCacheClusters (one member: engine version, parameter and subnet
 * groups, security groups), ListTagsForResource, DescribeUserGroups and DescribeUsers.
 */
export interface CurrentConfiguration {
  ReplicationGroupId: string;
  Status: string;
  ARN?: string;
  /** Carries the provisioner's tags for this group: only then is it changed in place. */
  Managed: boolean;
  Description?: string;
  Engine?: string;
  EngineVersion?: string;
  CacheNodeType?: string;
  ClusterMode?: 'enabled' | 'disabled';
  /** Cluster mode disabled: the primary and its replicas. */
  NumCacheClusters?: number;
  /** Cluster mode enabled. */
  NodeGroups?: CurrentNodeGroup[];
  AutomaticFailover?: string;
  MultiAZ?: string;
  TransitEncryptionEnabled?: boolean;
  AtRestEncryptionEnabled?: boolean;
  SnapshotRetentionLimit?: number;
  CacheParameterGroupName?: string;
  CacheSubnetGroupName?: string;
  SecurityGroupIds?: string[];
  UserGroupIds: string[];
  Tags: Tag[];
  /** The request's own user group (Rbac.UserGroupId), when it exists. */
  UserGroup?: CurrentUserGroup;
  /** User groups detached from the replication group by this change, or still to be (absent: none). */
  DetachedUserGroups?: DetachedUserGroup[];
  /**
   * Members of that group, the requested users that exist, users the change is removing, and the
   * members of the detached user groups.
   */
  Users: CurrentUser[];
}

/** One field that differs, as `--plan`, the result and the result events show it. */
export interface FieldChange {
  field: string;
  current: unknown;
  requested: unknown;
}

/** A field ElastiCache cannot change in place, and why. */
export interface RefusedChange extends FieldChange {
  reason: string;
}

/** The actions a change is made of, each an ElastiCache API call. */
export type ChangeAction =
  | 'CreateUser'
  | 'ModifyUser'
  | 'CreateUserGroup'
  | 'ModifyUserGroup'
  | 'ModifyReplicationGroup'
  | 'IncreaseReplicaCount'
  | 'DecreaseReplicaCount'
  | 'ModifyReplicationGroupShardConfiguration'
  | 'AddTagsToResource'
  | 'RemoveTagsFromResource'
  | 'DeleteUser'
  | 'DeleteUserGroup'
  /** Secrets Manager: the generated password secret of a user the change deletes. */
  | 'DeleteSecret';

export interface ChangeStep {
  Action: ChangeAction;
  Parameters: Record<string, unknown>;
  /** Why this call, in words (shown by `--plan`). */
  Reason: string;
}

export interface ChangePlan {
  changes: FieldChange[];
  /** In the order they must be made; empty when the group already matches the request. */
  steps: ChangeStep[];
  /** Non-empty: nothing may be changed, the run ends in ConflictError naming each one. */
  refused: RefusedChange[];
  /** Detached user groups with clean-up still planned, what the replication group's tag remembers (absent: none). */
  detached?: DetachedEntry[];
}

/** A detached user group as the replication group's tag remembers it. */
export interface DetachedEntry {
  UserGroupId: string;
  DefaultUserId?: string;
}

/** What the workflow carries at `$.change` while it converges an existing group. */
export interface ChangeState {
  /** The replication group existed when the run started. */
  Exists: boolean;
  /** The differences found when the run started (empty for a new group or an identical one). */
  Changes: FieldChange[];
  /** The calls planned when the run started, in order. */
  Planned: ChangeStep[];
  /** The calls made so far by this run, in order. */
  Applied: ChangeStep[];
  /**
   * Users taken out of the group by this run, still to be deleted when the provisioner created them,
   * and users it deleted: read again until they are gone.
   */
  RemovedUsers: string[];
  /** Nothing is left to apply. */
  Done: boolean;
  /** The last check found a change under way (the group `modifying`, another execution's change) and waited. */
  Waiting: boolean;
  /** Wait state before the next check. */
  WaitSeconds: number;
  /** How many times the converge step ran. */
  Checks: number;
  /** When the converge step first found a change under way (epoch ms); the wait is bounded. */
  WaitingSince?: number;
  /**
   * The generated password secrets to delete before the next call (their users are deleted next):
   * the state machine hands them to the function that holds the Secrets Manager client.
   */
  SecretsToDelete?: ChangeStep[];
  /** The secrets this run has dealt with (deleted, or kept as not the provisioner's): not planned again. */
  SecretsHandled?: string[];
}
