import type { Problem } from '../errors';
import { defaultUserId } from '../ids';
import { MAX_SECONDS_CHECKING_PER_INVOCATION, pollingLimitProblem } from '../provision/polling';
import type { Engine } from '../provision/state';
import { MAX_TAGS, OWN_TAG_KEYS } from '../tags';
import { analyseAccessString } from './accessString';
import { isRecord, repeatedKeys } from './fields';
import { rotationProblems } from './rotation';
import {
  DEFAULT_NUM_CACHE_CLUSTERS,
  DEFAULT_NUM_NODE_GROUPS,
  DEFAULT_REPLICAS_PER_NODE_GROUP,
  MAX_NODES_PER_CLUSTER,
  MAX_USERS_PER_GROUP,
  type ParsedRequest,
} from './schema';
import { settingProblems, settingVersionProblems } from './settingRules';
import { ENGINE_LABEL, engineSupports, engineVersionProblem, formatVersion, type Version } from './versions';

/**
 * Rules that relate fields to each other. They run even when other fields failed the schema, so a
 * request gets every problem at once: a rule reads a field only when `ok(field)` says the schema
 * accepted it (the request then holds the parsed value there).
 */
export interface RequestView {
  request: ParsedRequest;
  ok(field: string): boolean;
}

/** A view that trusts every field except those at, under or above the given invalid paths. */
export function viewOf(request: ParsedRequest, invalidFields: readonly string[] = []): RequestView {
  const related = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  return {
    request,
    ok: (field) => !invalidFields.some((bad) => related(bad, field) || related(field, bad)),
  };
}

export function usesRbac({ request, ok }: RequestView): boolean {
  return request.Rbac !== undefined || (ok('UserGroupIds') && request.UserGroupIds.length > 0);
}

export const MANAGED_DEFAULT_ACCESS_STRING = 'off -@all';

/** The rules across fields, in the order their problems are listed. */
const CROSS_FIELD_RULES: readonly ((view: RequestView) => Problem[])[] = [
  clusterModeProblems,
  parameterGroupModeProblems,
  engineVersionShapeProblems,
  transitEncryptionProblems,
  userGroupCountProblems,
  rbacProblems,
  rotationProblems,
  tagProblems,
  pollingProblems,
  settingProblems,
];

export function crossFieldProblems(view: RequestView): Problem[] {
  return CROSS_FIELD_RULES.flatMap((rule) => rule(view));
}

const CLUSTER_ON_SUFFIX = '.cluster.on';

function clusterModeProblems({ request: r, ok }: RequestView): Problem[] {
  if (!ok('ClusterMode')) return [];
  const problems: Problem[] = [];
  if (r.ClusterMode !== 'enabled') {
    const mode = r.ClusterMode;
    for (const field of ['NumNodeGroups', 'ReplicasPerNodeGroup'] as const) {
      if (r[field] !== undefined) {
        problems.push({
          field,
          message: `applies only to ClusterMode "enabled"; with ClusterMode "${mode}" set NumCacheClusters (1 primary + up to 5 replicas)`,
        });
      }
    }
    if (mode === 'compatible' && ok('NumCacheClusters') && ok('AutomaticFailoverEnabled')) {
      const nodes = r.NumCacheClusters ?? DEFAULT_NUM_CACHE_CLUSTERS;
      if (nodes < 2 || r.AutomaticFailoverEnabled === false) {
        problems.push({
          field: nodes < 2 ? 'NumCacheClusters' : 'AutomaticFailoverEnabled',
          message:
            'ClusterMode "compatible" needs automatic failover with at least one replica: NumCacheClusters 2 or more, AutomaticFailoverEnabled true or left out',
        });
      }
    }
    if (mode === 'compatible') return problems;
    if (ok('NumCacheClusters') && ok('AutomaticFailoverEnabled')) {
      const nodes = r.NumCacheClusters ?? DEFAULT_NUM_CACHE_CLUSTERS;
      if (r.AutomaticFailoverEnabled === true && nodes < 2) {
        problems.push({
          field: 'AutomaticFailoverEnabled',
          message: `needs at least 2 nodes (a replica to fail over to); NumCacheClusters is ${nodes}`,
        });
      }
      const failover = r.AutomaticFailoverEnabled ?? nodes >= 2;
      if (ok('MultiAZEnabled') && r.MultiAZEnabled && !failover) {
        problems.push({
          field: 'MultiAZEnabled',
          message: 'needs automatic failover: AutomaticFailoverEnabled true and NumCacheClusters 2 or more',
        });
      }
    }
    return problems;
  }

  if (r.NumCacheClusters !== undefined) {
    problems.push({
      field: 'NumCacheClusters',
      message:
        'applies only to ClusterMode "disabled"; with ClusterMode "enabled" set NumNodeGroups (shards) and ReplicasPerNodeGroup',
    });
  }
  if (ok('NumNodeGroups') && ok('ReplicasPerNodeGroup')) {
    const shards = r.NumNodeGroups ?? DEFAULT_NUM_NODE_GROUPS;
    const replicas = r.ReplicasPerNodeGroup ?? DEFAULT_REPLICAS_PER_NODE_GROUP;
    const nodes = shards * (replicas + 1);
    if (nodes > MAX_NODES_PER_CLUSTER) {
      problems.push({
        field: 'NumNodeGroups',
        message: `NumNodeGroups x (ReplicasPerNodeGroup + 1) makes ${nodes} nodes; a cluster holds at most ${MAX_NODES_PER_CLUSTER}`,
      });
    }
  }
  if (ok('AutomaticFailoverEnabled') && r.AutomaticFailoverEnabled === false) {
    problems.push({
      field: 'AutomaticFailoverEnabled',
      message:
        'cluster mode enabled always uses automatic failover (also with 0 replicas): set it true or leave it out',
    });
  }
  return problems;
}

/** A default parameter group must match the cluster mode: `.cluster.on` for enabled and compatible only. */
function parameterGroupModeProblems({ request: r, ok }: RequestView): Problem[] {
  const name = r.CacheParameterGroupName;
  if (!ok('ClusterMode') || !ok('CacheParameterGroupName') || !name?.startsWith('default.')) return [];
  const clusterOn = name.endsWith(CLUSTER_ON_SUFFIX);
  const needsClusterOn = r.ClusterMode === 'enabled' || r.ClusterMode === 'compatible';
  if (clusterOn === needsClusterOn) return [];
  const message = needsClusterOn
    ? `ClusterMode "${r.ClusterMode}" needs a cluster-enabled parameter group (default.<family>.cluster.on); leave it out to have it derived`
    : 'is a cluster-enabled parameter group, which cannot serve ClusterMode "disabled"';
  return [{ field: 'CacheParameterGroupName', message }];
}

function engineVersionShapeProblems({ request: r, ok }: RequestView): Problem[] {
  if (!ok('Engine') || !ok('EngineVersion') || r.EngineVersion === undefined) return [];
  const message = engineVersionProblem(r.Engine, r.EngineVersion);
  return message ? [{ field: 'EngineVersion', message }] : [];
}

function transitEncryptionProblems(view: RequestView): Problem[] {
  const { request: r, ok } = view;
  if (!usesRbac(view) || !ok('TransitEncryptionEnabled') || r.TransitEncryptionEnabled !== false) return [];
  return [
    {
      field: 'TransitEncryptionEnabled',
      message:
        'must be true when RBAC is used (Rbac or UserGroupIds): user groups need in-transit encryption; leave it out to have it set',
    },
  ];
}

function userGroupCountProblems({ request: r, ok }: RequestView): Problem[] {
  const ids = new Set<string>();
  if (ok('UserGroupIds')) for (const id of r.UserGroupIds) ids.add(id.toLowerCase());
  if (isRecord(r.Rbac) && ok('Rbac.UserGroupId')) ids.add(r.Rbac.UserGroupId.toLowerCase());
  if (ids.size <= 1) return [];
  return [
    {
      field: 'UserGroupIds',
      message: `ElastiCache attaches at most one user group to a replication group; this request names ${ids.size} (${[...ids].join(', ')}${isRecord(r.Rbac) ? ', Rbac.UserGroupId included' : ''})`,
    },
  ];
}

interface AccessStringField {
  field: string;
  accessString: string;
}

/** The access strings of the request that passed the schema, with their field paths. */
function accessStringFields({ request: r, ok }: RequestView): AccessStringField[] {
  const fields: AccessStringField[] = [];
  if (!isRecord(r.Rbac)) return fields;
  const users: unknown = r.Rbac.Users;
  if (Array.isArray(users)) {
    users.forEach((user: unknown, index) => {
      const field = `Rbac.Users[${index}].AccessString`;
      if (isRecord(user) && ok(field) && typeof user.AccessString === 'string') {
        fields.push({ field, accessString: user.AccessString });
      }
    });
  }
  const defaultUser: unknown = r.Rbac.DefaultUser;
  if (
    isRecord(defaultUser) &&
    ok('Rbac.DefaultUser.AccessString') &&
    typeof defaultUser.AccessString === 'string'
  ) {
    fields.push({ field: 'Rbac.DefaultUser.AccessString', accessString: defaultUser.AccessString });
  }
  return fields;
}

function rbacProblems(view: RequestView): Problem[] {
  const { request: r, ok } = view;
  const rbac = r.Rbac;
  if (!isRecord(rbac)) return [];
  const problems: Problem[] = [];
  const engine: Engine | undefined = ok('Engine') ? r.Engine : undefined;
  const hasDefaultUser = rbac.DefaultUser !== undefined;

  if (engine === 'valkey' && hasDefaultUser) {
    problems.push({
      field: 'Rbac.DefaultUser',
      message:
        'a valkey user group needs no default user (ElastiCache switches it off itself) and holds only password or IAM users: remove Rbac.DefaultUser',
    });
  }

  const users: unknown[] = Array.isArray(rbac.Users) ? rbac.Users : [];
  if (engine === 'valkey' && ok('Rbac.Users') && users.length === 0) {
    problems.push({
      field: 'Rbac.Users',
      message:
        'a valkey user group holds only the users listed here (no default user), and CreateUserGroup refuses an empty group: list at least one user',
    });
  }
  if (isRecord(rbac.DefaultUser))
    problems.push(...noPasswordProblems(ok, 'Rbac.DefaultUser', rbac.DefaultUser, engine));
  users.forEach((user, index) => {
    if (!isRecord(user)) return;
    const base = `Rbac.Users[${index}]`;
    problems.push(...noPasswordProblems(ok, base, user, engine));
    if (ok(`${base}.UserName`) && user.UserName === 'default') {
      problems.push({
        field: `${base}.UserName`,
        message:
          engine === 'valkey'
            ? '"default" is reserved: a valkey user group needs no default user (ElastiCache switches it off itself)'
            : '"default" is reserved for the group\'s default user: declare it as Rbac.DefaultUser, or leave it out to have one managed (switched off)',
      });
    }
    if (ok(`${base}.AuthenticationType`) && user.AuthenticationType === 'iam') {
      if (ok(`${base}.UserId`) && ok(`${base}.UserName`) && typeof user.UserId === 'string') {
        const id = user.UserId.toLowerCase();
        if (user.UserName !== id) {
          problems.push({
            field: `${base}.UserName`,
            message: `IAM-authenticated users need UserName equal to their (lower-case) UserId: ${id}`,
          });
        }
      }
      if (ok(`${base}.PasswordSecretId`) && user.PasswordSecretId !== undefined) {
        problems.push({
          field: `${base}.PasswordSecretId`,
          message: 'IAM-authenticated users have no password: remove PasswordSecretId',
        });
      }
    }
  });

  for (const { field, accessString } of accessStringFields(view)) {
    for (const message of analyseAccessString(accessString).problems) problems.push({ field, message });
  }

  problems.push(...userIdProblems(view, users, engine, hasDefaultUser));
  problems.push(...userNameProblems(view, users));

  const defaultUsers = engine === 'valkey' ? 0 : 1;
  if (users.length <= MAX_USERS_PER_GROUP && users.length + defaultUsers > MAX_USERS_PER_GROUP) {
    problems.push({
      field: 'Rbac.Users',
      message: `a user group holds at most ${MAX_USERS_PER_GROUP} users: ${users.length} listed plus the default user make ${users.length + defaultUsers}`,
    });
  }
  return problems;
}

/** A user that needs no password has no secret, and valkey user groups do not take such users. */
function noPasswordProblems(
  ok: RequestView['ok'],
  base: string,
  user: Record<string, unknown>,
  engine: Engine | undefined,
): Problem[] {
  if (!ok(`${base}.AuthenticationType`) || user.AuthenticationType !== 'no-password-required') return [];
  const problems: Problem[] = [];
  if (ok(`${base}.PasswordSecretId`) && user.PasswordSecretId !== undefined) {
    problems.push({
      field: `${base}.PasswordSecretId`,
      message:
        'a user with AuthenticationType "no-password-required" has no password: remove PasswordSecretId',
    });
  }
  if (engine === 'valkey') {
    problems.push({
      field: `${base}.AuthenticationType`,
      message: 'valkey user groups take only password or IAM users: use "password" or "iam"',
    });
  }
  return problems;
}

function userIdProblems(
  { request: r, ok }: RequestView,
  users: unknown[],
  engine: Engine | undefined,
  hasDefaultUser: boolean,
): Problem[] {
  const problems: Problem[] = [];
  const rbac = r.Rbac;
  const managedId =
    engine !== 'valkey' && !hasDefaultUser && rbac && ok('Rbac.UserGroupId')
      ? defaultUserId(rbac.UserGroupId)
      : undefined;
  const entries: { field: string; id: unknown }[] = users.map((user, index) => ({
    field: `Rbac.Users[${index}].UserId`,
    id: isRecord(user) ? user.UserId : undefined,
  }));
  if (rbac && isRecord(rbac.DefaultUser))
    entries.push({ field: 'Rbac.DefaultUser.UserId', id: rbac.DefaultUser.UserId });

  const given = entries.flatMap(({ field, id }) =>
    ok(field) && typeof id === 'string' ? [{ field, key: id.toLowerCase() }] : [],
  );
  const repeated = new Map(
    repeatedKeys(given.filter(({ key }) => key !== managedId)).map(({ field, first }) => [field, first]),
  );
  for (const { field, key } of given) {
    const first = repeated.get(field);
    if (key === managedId) {
      problems.push({
        field,
        message: `${key} is the id of the default user the workflow manages for this group; choose another id, or declare that user as Rbac.DefaultUser`,
      });
    } else if (first) {
      problems.push({
        field,
        message: `UserId ${key} is already used by ${first} (ids are compared lower-case)`,
      });
    }
  }
  return problems;
}

function userNameProblems({ ok }: RequestView, users: unknown[]): Problem[] {
  const named = users.flatMap((user, index) => {
    const field = `Rbac.Users[${index}].UserName`;
    return isRecord(user) && ok(field) && typeof user.UserName === 'string' && user.UserName !== 'default'
      ? [{ field, key: user.UserName }]
      : [];
  });
  return repeatedKeys(named).map(({ field, first }) => ({
    field,
    message: `user names must be unique within the group; ${first} already uses it`,
  }));
}

function tagProblems({ request: r, ok }: RequestView): Problem[] {
  if (!Array.isArray(r.Tags)) return [];
  const keyed = r.Tags.flatMap((tag: unknown, index) => {
    const field = `Tags[${index}].Key`;
    return isRecord(tag) && ok(field) && typeof tag.Key === 'string' ? [{ field, key: tag.Key }] : [];
  });
  const problems: Problem[] = repeatedKeys(keyed).map(({ field, first }) => ({
    field,
    message: `tag keys must be unique; ${first} already uses it`,
  }));
  const own: readonly string[] = OWN_TAG_KEYS;
  const total =
    r.Tags.filter((tag: unknown) => !isRecord(tag) || !own.includes(String(tag.Key))).length + own.length;
  if (ok('Tags') && total > MAX_TAGS) {
    problems.push({
      field: 'Tags',
      message: `ElastiCache allows ${MAX_TAGS} tags per resource and the provisioner adds its own ${own.length} (${own.join(', ')}): give at most ${MAX_TAGS - own.length}`,
    });
  }
  return problems;
}

function pollingProblems({ request: r, ok }: RequestView): Problem[] {
  if (!ok('Polling.ChecksPerInvocation') || !ok('Polling.CheckIntervalSeconds') || !isRecord(r.Polling))
    return [];
  const { ChecksPerInvocation: checks, CheckIntervalSeconds: interval } = r.Polling;
  const seconds = (checks - 1) * interval;
  if (seconds > MAX_SECONDS_CHECKING_PER_INVOCATION) {
    return [
      {
        field: 'Polling.ChecksPerInvocation',
        message: `(ChecksPerInvocation - 1) x CheckIntervalSeconds is ${seconds} s; one invocation may check for at most ${MAX_SECONDS_CHECKING_PER_INVOCATION} s`,
      },
    ];
  }
  if (!ok('Polling')) return [];
  const message = pollingLimitProblem(r.Polling);
  return message ? [{ field: 'Polling', message }] : [];
}

const RBAC_SINCE: Version = [6, 0, 0];
const IAM_SINCE: Version = [7, 0, 0];
const MANY_SHARDS_SINCE: Version = [5, 0, 6];
/** Above this many shards ElastiCache needs a quota increase and Redis OSS 5.0.6+. */
export const MANY_SHARDS = 90;

/**
 * Rules that depend on the engine version: run before any call when the request names the version,
 * and again once DescribeCacheEngineVersions has resolved the engine's default.
 */
export function versionGatedProblems(view: RequestView, engine: Engine, version: Version): Problem[] {
  const { request: r, ok } = view;
  const problems: Problem[] = [];
  const actual = `the engine version is ${ENGINE_LABEL[engine]} ${formatVersion(version)}`;
  const needs = (since: Version) => `Redis OSS ${formatVersion(since)} or later (or Valkey 7.2+); ${actual}`;

  if (usesRbac(view) && !engineSupports(engine, version, RBAC_SINCE)) {
    problems.push({
      field: 'EngineVersion',
      message: `RBAC (Rbac or UserGroupIds) needs ${needs(RBAC_SINCE)}`,
    });
  }
  if (isRecord(r.Rbac) && Array.isArray(r.Rbac.Users) && !engineSupports(engine, version, IAM_SINCE)) {
    r.Rbac.Users.forEach((user: unknown, index) => {
      const field = `Rbac.Users[${index}].AuthenticationType`;
      if (isRecord(user) && ok(field) && user.AuthenticationType === 'iam') {
        problems.push({ field, message: `IAM authentication needs ${needs(IAM_SINCE)}` });
      }
    });
  }
  for (const { field, accessString } of accessStringFields(view)) {
    for (const gated of analyseAccessString(accessString).gated) {
      if (!engineSupports(engine, version, gated.since)) {
        problems.push({ field, message: `"${gated.rule}": ${gated.what} need ${needs(gated.since)}` });
      }
    }
  }
  problems.push(...settingVersionProblems(view, engine, version));
  if (
    ok('ClusterMode') &&
    ok('NumNodeGroups') &&
    r.ClusterMode === 'enabled' &&
    (r.NumNodeGroups ?? 0) > MANY_SHARDS &&
    !engineSupports(engine, version, MANY_SHARDS_SINCE)
  ) {
    problems.push({
      field: 'NumNodeGroups',
      message: `more than ${MANY_SHARDS} shards need ${needs(MANY_SHARDS_SINCE)}`,
    });
  }
  return problems;
}
