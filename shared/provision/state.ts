/**
 * The document the provisioning state machine carries from state to state.
 * Each Task receives the whole document (`Payload.$: "$"`) and its result is stored
 * under its own key (`ResultPath`), so every step sees what came before it.
 */
import type { ChangeState, FieldChange } from './change/types';

export type Engine = 'redis' | 'valkey';
export type ClusterMode = 'disabled' | 'enabled' | 'compatible';

export interface Tag {
  Key: string;
  Value: string;
}

export interface NormalisedUser {
  UserId: string; // lower-cased
  UserName: string;
  AccessString: string;
  AuthenticationType: 'password' | 'iam' | 'no-password-required';
  /** Existing Secrets Manager secret holding the password; absent: one is generated. */
  PasswordSecretId?: string;
  /** True for the `default` user the workflow manages when the request gives none. */
  ManagedDefault?: boolean;
}

export interface RotationSchedule {
  AutomaticallyAfterDays?: number;
  ScheduleExpression?: string;
  Duration?: string;
}

export interface LogDeliveryConfiguration {
  LogType: 'slow-log' | 'engine-log';
  DestinationType: 'cloudwatch-logs' | 'kinesis-firehose';
  DestinationDetails: {
    CloudWatchLogsDetails?: { LogGroup: string };
    KinesisFirehoseDetails?: { DeliveryStream: string };
  };
  LogFormat: 'text' | 'json';
}

export interface PollingSettings {
  /** Give up with ProvisioningTimedOut after this long (measured on the schedule's own clock). */
  TimeoutMinutes: number;
  /** Wait before the first availability check. */
  InitialWaitSeconds: number;
  /** Wait state between two checking invocations. */
  WaitSeconds: number;
  /** Describe calls made by one checking invocation, spaced by CheckIntervalSeconds. */
  ChecksPerInvocation: number;
  CheckIntervalSeconds: number;
}

export interface NormalisedRequest {
  ReplicationGroupId: string; // lower-cased
  ReplicationGroupDescription: string;
  Engine: Engine;
  EngineVersion: string; // resolved (DescribeCacheEngineVersions) when the request had none
  CacheParameterGroupFamily: string; // e.g. redis7, valkey8
  CacheNodeType: string;
  ClusterMode: ClusterMode;
  NumCacheClusters?: number; // cluster mode disabled or compatible
  NumNodeGroups?: number; // cluster mode enabled only
  ReplicasPerNodeGroup?: number; // cluster mode enabled only
  AutomaticFailoverEnabled: boolean;
  MultiAZEnabled: boolean;
  TransitEncryptionEnabled: boolean;
  AtRestEncryptionEnabled: boolean;
  SnapshotRetentionLimit: number;
  CacheParameterGroupName?: string; // derived default.<family>.cluster.on when enabled
  CacheSubnetGroupName?: string;
  SecurityGroupIds: string[];
  Tags: Tag[];
  /** Optional CreateReplicationGroup settings, passed on under their API names when given. */
  KmsKeyId?: string;
  LogDeliveryConfigurations?: LogDeliveryConfiguration[];
  PreferredMaintenanceWindow?: string;
  SnapshotWindow?: string;
  NotificationTopicArn?: string;
  Port?: number;
  TransitEncryptionMode?: 'preferred' | 'required';
  AutoMinorVersionUpgrade?: boolean;
  DataTieringEnabled?: boolean;
  SnapshotArns?: string[];
  SnapshotName?: string;
  NetworkType?: 'ipv4' | 'ipv6' | 'dual_stack';
  IpDiscovery?: 'ipv4' | 'ipv6';
  /** Every user group to attach: the existing ones of the request plus Rbac.UserGroupId. */
  UserGroupIds: string[];
  Rbac?: {
    UserGroupId: string; // lower-cased
    Users: NormalisedUser[]; // the (managed) default user included
    /** Secrets Manager RotationRules for the generated password secrets; absent: no rotation. */
    Rotation?: RotationSchedule;
  };
  Polling: PollingSettings;
  /** Correlation id from the caller (EventBridge event id, custom resource request id...). */
  CorrelationId?: string;
  /** What normalisation changed, in words (e.g. "ReplicationGroupId lower-cased to orders-cache"). */
  Notes: string[];
}

export type UserStatus = 'creating' | 'active' | 'modifying' | 'deleting' | string;

export interface UserOutcome {
  UserId: string;
  UserName: string;
  Status: UserStatus;
  /** Secret holding the password (given or generated); absent for IAM users. */
  PasswordSecretArn?: string;
}

/** The checks so far of a wait for users or a user group to become active. */
export interface StatusChecks {
  /** How many times this execution has checked. */
  Checks: number;
  /** When this execution first checked (epoch ms): the wait is bounded by STATUS_WAIT_LIMIT_MS. */
  FirstCheckedAt: number;
}

export interface EnsureUsersResult extends StatusChecks {
  Users: UserOutcome[];
  AllActive: boolean;
  /** Ids of users this execution created, kept across the re-checks of the loop. */
  Created: string[];
  /** Ids of users whose access string was changed to the requested one. */
  Modified: string[];
}

export interface EnsureUserGroupResult extends StatusChecks {
  UserGroupId: string;
  Status: string;
  Active: boolean;
  /** True once this execution has created the group (kept across re-checks). */
  Created: boolean;
  /** Users this execution added to an existing group. */
  AddedUsers: string[];
}

export interface CreateReplicationGroupResult {
  ReplicationGroupId: string;
  Status: string;
  /** True when this execution's CreateReplicationGroup call made it. */
  Created: boolean;
}

export interface Endpoint {
  Address: string;
  Port: number;
}

/** Contract section 3: the execution output. */
export interface ProvisioningResult {
  ReplicationGroupId: string;
  Status: 'available';
  ARN: string;
  ClusterMode: ClusterMode;
  Endpoints: { Configuration: Endpoint } | { Primary: Endpoint; Reader?: Endpoint };
  TransitEncryptionEnabled: boolean;
  UserGroupIds: string[];
  Users: { UserId: string; UserName: string; PasswordSecretArn?: string }[];
  Created: { Users: string[]; UserGroup: boolean; ReplicationGroup: boolean };
  Notes?: string[];
  /** What this run changed in an existing group (field, current, requested); absent when nothing. */
  Changes?: FieldChange[];
  CorrelationId?: string;
}

export interface PollResult {
  Status: string;
  /** Number of checking invocations so far (this one included). */
  Attempt: number;
  /** Scheduled seconds since the create, as the schedule counts them (Wait states + in-invocation spacing). */
  ElapsedSeconds: number;
  /** The next Wait state's duration. */
  NextWaitSeconds: number;
  Available: boolean;
  /** Present once available. */
  Result?: ProvisioningResult;
}

/** Kept by the validation Task from the context object: `$$.Execution.Name` and `$$.Execution.StartTime`. */
export interface ExecutionInfo {
  Name?: string;
  /** ISO 8601: the availability time limit counts from it. */
  StartTime?: string;
}

export interface ProvisionState {
  request: NormalisedRequest;
  execution?: ExecutionInfo;
  users?: EnsureUsersResult;
  userGroup?: EnsureUserGroupResult;
  replicationGroup?: CreateReplicationGroupResult;
  poll?: PollResult;
  /** The change of an existing group (absent before the change is planned). */
  change?: ChangeState;
  error?: { Error: string; Cause: string };
}
