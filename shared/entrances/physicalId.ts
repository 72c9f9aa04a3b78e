/**
 * The PhysicalResourceId the custom resource reports. It is the replication group id once the
 * workflow has created (or confirmed) the group, so a later Delete knows what to tear down. A
 * Create that fails earlier reports a marker instead: CloudFormation answers a failed Create with
 * a Delete of that id during rollback, and the marker tells the bridge how much there is to remove.
 * Markers contain `:`, which no replication group id can, so they are never mistaken for one.
 */

const PREFIX = 'elasticache-provisioner';

/** Nothing was created: the request was refused before any AWS call. Delete answers SUCCESS at once. */
export function notCreatedId(requestId: string): string {
  return `${PREFIX}:not-created:${requestId}`;
}

/**
 * The replication group was not created by this resource, but users, a user group or secrets may
 * have been. Delete removes those (as the teardown decides: tagged and unused only) and keeps the group.
 */
export function rbacOnlyId(requestId: string): string {
  return `${PREFIX}:rbac-only:${requestId}`;
}

export type PhysicalIdKind = 'replication-group' | 'rbac-only' | 'not-created';

export function physicalIdKind(physicalResourceId: string | undefined): PhysicalIdKind {
  if (physicalResourceId?.startsWith(`${PREFIX}:rbac-only:`)) return 'rbac-only';
  if (physicalResourceId === undefined || physicalResourceId.includes(':')) return 'not-created';
  return 'replication-group';
}
