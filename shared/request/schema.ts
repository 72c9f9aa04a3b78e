import * as v from 'valibot';
import { RBAC_ID, REPLICATION_GROUP_ID, REPLICATION_GROUP_ID_MAX_LENGTH } from '../ids';
import { MAX_SECONDS_CHECKING_PER_INVOCATION, POLLING_BOUNDS, POLLING_DEFAULTS } from '../provision/polling';
import { MAX_TAGS, OWN_TAG_KEYS } from '../tags';
import { ALLOWED_RULES_SUMMARY } from './accessString';
import { SETTINGS_ENTRIES } from './settings';
import { ENGINE_VERSION_PATTERN, KNOWN_ENGINE_VERSIONS } from './versions';

/**
 * The provisioning request: one valibot schema gives the input type, the per-field runtime checks
 * and the published JSON Schema (scripts/generate-schema.ts). Only what JSON Schema can express lives
 * here; rules that relate fields to each other are in rules.ts. Every object is strict so a typo is
 * reported instead of silently becoming a default.
 */

export const DEFAULT_DESCRIPTION = 'Managed by elasticache-provisioner';
export const DEFAULT_CACHE_NODE_TYPE = 'cache.t3.small';
export const DEFAULT_SNAPSHOT_RETENTION_LIMIT = 30;
export const DEFAULT_NUM_CACHE_CLUSTERS = 2;
export const DEFAULT_NUM_NODE_GROUPS = 1;
export const DEFAULT_REPLICAS_PER_NODE_GROUP = 1;
export const MAX_USERS_PER_GROUP = 100;
export const MAX_NODES_PER_CLUSTER = 500;

/** Lists which of the ReplicationGroupId rules an input breaks, without quoting it. */
function replicationGroupIdMessage(input: string): string {
  if (input.length === 0) return 'must not be empty';
  const broken = [
    !/^[A-Za-z]/.test(input) && 'must start with a letter',
    /[^A-Za-z0-9-]/.test(input) && 'may hold only letters, digits and hyphens',
    input.includes('--') && 'must not contain two consecutive hyphens',
    input.endsWith('-') && 'must not end with a hyphen',
  ].filter(Boolean);
  return broken.join('; ');
}

const resourceId = (what: string) =>
  v.pipe(
    v.string(),
    v.regex(RBAC_ID, 'must start with a letter, then hold only letters, digits and hyphens'),
    v.description(`${what}: starts with a letter, then letters, digits and hyphens. Stored lower-case.`),
  );

const integerBetween = (min: number, max: number) =>
  v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

const pollingField = (name: keyof typeof POLLING_BOUNDS, description: string) =>
  v.optional(
    v.pipe(
      integerBetween(POLLING_BOUNDS[name].min, POLLING_BOUNDS[name].max),
      v.description(`${description} Default ${POLLING_DEFAULTS[name]}.`),
    ),
    POLLING_DEFAULTS[name],
  );

const AccessStringSchema = v.pipe(
  v.string(),
  v.regex(/\S/, 'must hold at least one rule'),
  v.description(
    `Space-separated ACL rules: ${ALLOWED_RULES_SUMMARY}. Refused: password directives (>, <, #, !, nopass, resetpass), reset and selectors. Channel rules need 6.2+; %R~/%W~/%RW~ and command|subcommand need 7.0+. Without "on" the user is off.`,
  ),
);

const PasswordSecretIdSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(2048),
  v.regex(/^[A-Za-z0-9/_+=.@:-]+$/, 'must be a Secrets Manager secret name or ARN'),
  v.description(
    'Existing Secrets Manager secret (name or ARN) holding the password. Leave it out to have one generated.',
  ),
);

const UserSchema = v.strictObject({
  UserId: resourceId('ElastiCache user id, unique in the account'),
  UserName: v.pipe(
    v.string(),
    v.regex(/^[\x21-\x7E]+$/, 'must be printable characters without spaces'),
    v.description(
      'The name clients AUTH with; unique within the group. "default" is reserved for Rbac.DefaultUser.',
    ),
  ),
  AccessString: AccessStringSchema,
  AuthenticationType: v.optional(
    v.pipe(
      v.picklist(['password', 'iam', 'no-password-required']),
      v.description(
        '"iam": UserName must equal UserId; needs Redis OSS 7.0+ or Valkey 7.2+. "no-password-required": redis only, no secret.',
      ),
    ),
    'password',
  ),
  PasswordSecretId: v.optional(PasswordSecretIdSchema),
});

const DefaultUserSchema = v.pipe(
  v.strictObject({
    UserId: resourceId('ElastiCache user id of the default user'),
    UserName: v.optional(v.pipe(v.literal('default'), v.description('Always "default"; may be left out.'))),
    AccessString: AccessStringSchema,
    AuthenticationType: v.optional(
      v.pipe(
        v.picklist(['password', 'no-password-required']),
        v.description('Default: "no-password-required" when off without PasswordSecretId, else "password".'),
      ),
    ),
    PasswordSecretId: v.optional(PasswordSecretIdSchema),
  }),
  v.description(
    'The user unauthenticated connections get (UserName "default"), redis engine only. Absent: the workflow manages <UserGroupId>-default, switched off ("off -@all") and without a password. Valkey groups need none.',
  ),
);

/** Secrets Manager's limits on a rotation schedule; rules.ts relates the fields. */
export const ROTATION_LIMITS = { days: { min: 1, max: 1000 }, rateHours: { min: 4 } } as const;

const RotationSchema = v.pipe(
  v.strictObject({
    AutomaticallyAfterDays: v.optional(
      v.pipe(
        integerBetween(ROTATION_LIMITS.days.min, ROTATION_LIMITS.days.max),
        v.description('Rotate every this many days (1-1000).'),
      ),
    ),
    ScheduleExpression: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(256),
        v.regex(
          /^(rate\(\d+ (hours?|days?)\)|cron\(\S+( \S+){5}\))$/,
          'must be rate(<n> days), rate(<n> hours) or a six-field cron(...) expression',
        ),
        v.description('rate(10 days), rate(12 hours) (at least 4) or cron(0 8 1 * ? *).'),
      ),
    ),
    Duration: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^([1-9]|1[0-9]|2[0-4])h$/, 'must be a number of hours from 1h to 24h'),
        v.description("Window the rotation runs in, 1h-24h. Default: Secrets Manager's (the whole day)."),
      ),
    ),
  }),
  v.description(
    'Rotate the generated passwords with the rotation function: give AutomaticallyAfterDays or ScheduleExpression. Each rotation keeps the previous password valid until the next one.',
  ),
);

const RbacSchema = v.pipe(
  v.strictObject({
    UserGroupId: resourceId('User group to ensure and attach'),
    Users: v.optional(
      v.pipe(
        v.array(UserSchema),
        v.maxLength(MAX_USERS_PER_GROUP),
        v.description(
          'At most 100 users per group, the default user included. A valkey group needs at least one.',
        ),
      ),
      [],
    ),
    DefaultUser: v.optional(DefaultUserSchema),
    Rotation: v.optional(RotationSchema),
  }),
  v.description(
    'Users and a user group to ensure, then attach. Needs in-transit encryption and Redis OSS 6.0+.',
  ),
);

const TagSchema = v.strictObject({
  Key: v.pipe(
    v.string(),
    v.minLength(1),
    v.maxLength(128),
    v.regex(/^(?!aws:)/, 'must not start with "aws:" (reserved by AWS)'),
  ),
  Value: v.pipe(v.string(), v.maxLength(256)),
});

const PollingSchema = v.pipe(
  v.strictObject({
    TimeoutMinutes: pollingField('TimeoutMinutes', 'Give up (ProvisioningTimedOut) after this long.'),
    InitialWaitSeconds: pollingField('InitialWaitSeconds', 'Wait before the first availability check.'),
    WaitSeconds: pollingField('WaitSeconds', 'Wait between two checking invocations.'),
    ChecksPerInvocation: pollingField(
      'ChecksPerInvocation',
      'Checks one invocation makes, CheckIntervalSeconds apart.',
    ),
    CheckIntervalSeconds: pollingField(
      'CheckIntervalSeconds',
      'Spacing of the checks within one invocation.',
    ),
  }),
  v.description(
    `How availability is awaited. (ChecksPerInvocation - 1) x CheckIntervalSeconds may not exceed ${MAX_SECONDS_CHECKING_PER_INVOCATION} seconds.`,
  ),
);

export const ProvisionRequestSchema = v.pipe(
  v.strictObject({
    ReplicationGroupId: v.pipe(
      v.string(),
      v.maxLength(
        REPLICATION_GROUP_ID_MAX_LENGTH,
        `must be at most ${REPLICATION_GROUP_ID_MAX_LENGTH} characters`,
      ),
      v.regex(REPLICATION_GROUP_ID, (issue) => replicationGroupIdMessage(issue.input)),
      v.description(
        '1-40 letters, digits and hyphens; starts with a letter; no two consecutive hyphens; does not end with a hyphen. Stored lower-case.',
      ),
    ),
    ReplicationGroupDescription: v.optional(v.pipe(v.string(), v.minLength(1)), DEFAULT_DESCRIPTION),
    Engine: v.optional(v.picklist(['redis', 'valkey']), 'redis'),
    EngineVersion: v.optional(
      v.pipe(
        v.string(),
        v.regex(ENGINE_VERSION_PATTERN, 'must be a version such as 7.1 or 8.0'),
        v.description(
          `Redis OSS ${KNOWN_ENGINE_VERSIONS.redis.join(', ')}; Valkey ${KNOWN_ENGINE_VERSIONS.valkey.join(', ')}. Default: the engine's current default version.`,
        ),
        v.examples([...KNOWN_ENGINE_VERSIONS.redis, ...KNOWN_ENGINE_VERSIONS.valkey]),
      ),
    ),
    CacheNodeType: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^cache\.[a-z0-9-]+\.[a-z0-9]+$/, 'must be a node type such as cache.t3.small'),
      ),
      DEFAULT_CACHE_NODE_TYPE,
    ),
    ClusterMode: v.optional(
      v.pipe(
        v.picklist(['disabled', 'enabled', 'compatible']),
        v.description(
          '"compatible": one shard of NumCacheClusters (2+) serving both protocols; Redis OSS 7.0+.',
        ),
      ),
      'disabled',
    ),
    NumCacheClusters: v.optional(
      v.pipe(
        integerBetween(1, 6),
        v.description('Cluster mode disabled only: 1 primary + up to 5 replicas. Default 2.'),
      ),
    ),
    NumNodeGroups: v.optional(
      v.pipe(
        integerBetween(1, MAX_NODES_PER_CLUSTER),
        v.description(
          'Cluster mode enabled only: shards. Default 1. NumNodeGroups x (ReplicasPerNodeGroup + 1) <= 500; above 90 shards needs a quota increase.',
        ),
      ),
    ),
    ReplicasPerNodeGroup: v.optional(
      v.pipe(
        integerBetween(0, 5),
        v.description('Cluster mode enabled only: replicas per shard. Default 1.'),
      ),
    ),
    AutomaticFailoverEnabled: v.optional(
      v.pipe(
        v.boolean(),
        v.description(
          'Default: true when NumCacheClusters >= 2; always true with cluster mode enabled. True needs at least 2 nodes.',
        ),
      ),
    ),
    MultiAZEnabled: v.optional(v.pipe(v.boolean(), v.description('Needs automatic failover.')), false),
    TransitEncryptionEnabled: v.optional(
      v.pipe(
        v.boolean(),
        v.description(
          'Must be true with RBAC (Rbac or UserGroupIds); absent: true with RBAC, false without.',
        ),
      ),
    ),
    AtRestEncryptionEnabled: v.optional(
      v.pipe(v.boolean(), v.description('Fixed once the group exists.')),
      true,
    ),
    SnapshotRetentionLimit: v.optional(
      v.pipe(integerBetween(0, 35), v.description('Days of automatic snapshots kept; 0 turns them off.')),
      DEFAULT_SNAPSHOT_RETENTION_LIMIT,
    ),
    CacheParameterGroupName: v.optional(
      v.pipe(
        v.string(),
        v.minLength(1),
        v.maxLength(255),
        v.description('Default: the engine default; with cluster mode enabled default.<family>.cluster.on.'),
      ),
    ),
    CacheSubnetGroupName: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(255))),
    SecurityGroupIds: v.optional(
      v.array(
        v.pipe(v.string(), v.regex(/^sg-[0-9a-f]+$/, 'must be a security group id such as sg-0123abcd')),
      ),
      [],
    ),
    Tags: v.optional(
      v.pipe(
        v.array(TagSchema),
        v.maxLength(MAX_TAGS),
        v.description(
          `ElastiCache allows ${MAX_TAGS} tags per resource, the provisioner's own ${OWN_TAG_KEYS.length} (${OWN_TAG_KEYS.join(', ')}) included.`,
        ),
      ),
      [],
    ),
    UserGroupIds: v.optional(
      v.pipe(
        v.array(resourceId('Existing user group')),
        v.description(
          'Existing user groups to attach as they are. ElastiCache attaches at most one user group (Rbac.UserGroupId included).',
        ),
      ),
      [],
    ),
    ...SETTINGS_ENTRIES,
    Rbac: v.optional(RbacSchema),
    Polling: v.optional(PollingSchema, {}),
    CorrelationId: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(128, 'must be at most 128 characters'),
        v.regex(/^[\x20-\x7E]+$/, 'must be 1-128 printable characters'),
        v.description('Caller reference carried to the result (an EventBridge event id by default).'),
      ),
    ),
  }),
  v.title('ElastiCache provisioning request'),
  v.description(
    'Execution input of the provisioning workflow: a replication group (Redis OSS or Valkey) and, optionally, RBAC users and a user group. Passwords never travel in it.',
  ),
);

/** What a caller writes. */
export type ProvisionRequest = v.InferInput<typeof ProvisionRequestSchema>;
/** The request once its unconditional defaults are applied. */
export type ParsedRequest = v.InferOutput<typeof ProvisionRequestSchema>;

/** The request's top-level fields, as the schema declares them. */
export const REQUEST_FIELDS: readonly string[] = /* @__PURE__ */ Object.keys(ProvisionRequestSchema.entries);
