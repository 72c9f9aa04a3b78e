/**
 * ElastiCache's rules for resource ids, in one place for the request schema, the teardown request
 * and the custom-resource bridge. The patterns' sources go into the published JSON Schema as they are.
 */

/** Replication group ids (and snapshot names): a letter first, no two hyphens in a row, no hyphen last. */
export const REPLICATION_GROUP_ID = /^[A-Za-z](?:-?[A-Za-z0-9])*$/;
export const REPLICATION_GROUP_ID_MAX_LENGTH = 40;
/** User and user group ids: a letter first, then letters, digits and hyphens. */
export const RBAC_ID = /^[A-Za-z][A-Za-z0-9-]*$/;
export const RBAC_ID_MAX_LENGTH = 120;

export function isReplicationGroupId(value: string): boolean {
  return value.length <= REPLICATION_GROUP_ID_MAX_LENGTH && REPLICATION_GROUP_ID.test(value);
}

export function isRbacId(value: string): boolean {
  return value.length <= RBAC_ID_MAX_LENGTH && RBAC_ID.test(value);
}

/** The id of the default user the workflow creates (disabled) for a user group that declares none. */
export function defaultUserId(userGroupId: string): string {
  return `${userGroupId.toLowerCase()}-default`;
}
