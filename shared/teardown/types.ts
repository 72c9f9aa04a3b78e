/**
 * The document the teardown state machine carries. Like the provisioning one, each Task receives
 * the whole document and its result is stored under its own key, so a step that is called again
 * (the wait loops) sees what the previous call found.
 */

export interface TeardownPolling {
  /**
   * Give up with TeardownTimedOut after this long, for the group and then for its user groups: the
   * larger of the scheduled time (the Wait states) and the time since the first check of each.
   */
  TimeoutMinutes: number;
  /** Wait state between two checks of a deletion in progress. */
  WaitSeconds: number;
}

/** The normalised teardown request. */
export interface TeardownRequest {
  ReplicationGroupId: string; // lower-cased
  /** Name of a final snapshot to take before deleting; absent: none is taken. */
  FinalSnapshotIdentifier?: string;
  /** Leave the replication group alone and remove only the RBAC resources created for it. */
  KeepReplicationGroup: boolean;
  /**
   * What a replication group that is not tagged as created by the provisioner means:
   * `fail` stops with ConflictError, `keep` leaves it and goes on with what is ours.
   */
  IfNotManaged: 'fail' | 'keep';
  /**
   * The user group and users the provisioning request named, considered even when the replication
   * group no longer references them (a provisioning that failed before attaching them).
   */
  Rbac?: { UserGroupId: string; UserIds: string[] };
  Polling: TeardownPolling;
  CorrelationId?: string;
  /** What normalisation changed, in words. */
  Notes: string[];
}

export type ResourceType = 'ReplicationGroup' | 'UserGroup' | 'User' | 'Secret';

/** A resource the teardown looked at and left in place, with the reason. */
export interface KeptResource {
  Type: ResourceType;
  Id: string;
  Reason: string;
}

/** The checks of one wait (the group's deletion, then its user groups'), for its time limit. */
export interface TimedChecks {
  /** Number of checks so far (this one included). */
  Attempt: number;
  /** Scheduled seconds since the first check (sum of the Wait states). */
  ElapsedSeconds: number;
  /** When the first check ran (epoch ms): checks and retries take time the schedule does not count. */
  StartedAt?: number;
}

export interface ReplicationGroupTeardown extends TimedChecks {
  ReplicationGroupId: string;
  /** The group existed when a check ran. */
  Found: boolean;
  /** The group carries the provisioner's tags for this id. */
  Managed: boolean;
  /** This execution called DeleteReplicationGroup. */
  DeleteRequested: boolean;
  /** Last status seen; `deleted` once gone, `not-found` when it never was there. */
  Status: string;
  Gone: boolean;
  /** Nothing more to do on the group: gone, or kept on purpose. */
  Done: boolean;
  /** User groups the group had attached, gathered across checks (the group forgets them once gone). */
  UserGroupIds: string[];
  Kept?: KeptResource;
}

export interface UserGroupRecord {
  UserGroupId: string;
  /** Members seen while it existed: their users are the candidates of the next step. */
  UserIds: string[];
  DeleteRequested: boolean;
  Gone: boolean;
}

export interface UserGroupsTeardown extends TimedChecks {
  /** User groups created for this replication group; each is deleted and waited for. */
  Groups: UserGroupRecord[];
  Kept: KeptResource[];
  Done: boolean;
}

/** The execution output: what was deleted and what was left in place, and why. */
export interface TeardownResult {
  ReplicationGroupId: string;
  Deleted: {
    /** True when the group existed, was the provisioner's, and is gone now. */
    ReplicationGroup: boolean;
    UserGroups: string[];
    Users: string[];
    /** ARNs of the generated password secrets deleted. */
    Secrets: string[];
  };
  Kept: KeptResource[];
  FinalSnapshotIdentifier?: string;
  CorrelationId?: string;
}

export interface TeardownState {
  request: TeardownRequest;
  replicationGroup?: ReplicationGroupTeardown;
  userGroups?: UserGroupsTeardown;
  result?: TeardownResult;
  error?: { Error: string; Cause: string };
}
