/**
 * `--plan`: the normalised request and every call the workflow would make for it, making none. Given
 * an ElastiCache to read, a group that already exists is compared with the request instead: the
 * differences (field, current, requested) and the exact calls that change it, in order.
 */
import type { ElastiCacheLike } from '../../shared/aws/types';
import { planChange } from '../../shared/provision/change/plan';
import { readCurrent } from '../../shared/provision/change/read';
import type { FieldChange, RefusedChange } from '../../shared/provision/change/types';
import { buildCreateReplicationGroupParams } from '../../shared/provision/replicationGroup';
import { generatedSecretName } from '../../shared/provision/secrets';
import type { Engine, NormalisedRequest } from '../../shared/provision/state';
import { createUserParams } from '../../shared/provision/users';
import { prepareRequest } from '../../shared/request/prepare';
import { KNOWN_ENGINE_VERSIONS } from '../../shared/request/versions';
import { managedTags } from '../../shared/tags';

export interface PlannedCall {
  Service: 'ElastiCache' | 'SecretsManager';
  Action: string;
  Parameters: Record<string, unknown>;
  When: string;
}

export interface Plan {
  Request: NormalisedRequest;
  /** Present when the replication group exists: what differs, and what cannot change in place. */
  Existing?: {
    ReplicationGroupId: string;
    Status: string;
    Changes: FieldChange[];
    /** Non-empty: the run would end in ConflictError, changing nothing. */
    Refused: RefusedChange[];
  };
  Calls: PlannedCall[];
}

const silent = { info() {}, warn() {}, debug() {} };

/** Throws ValidationError exactly as the workflow's first step would. */
export async function planProvisioning(
  input: unknown,
  options: { elastiCache?: ElastiCacheLike } = {},
): Promise<Plan> {
  const request = await prepareRequest({ elastiCache: knownEngineVersions, logger: silent }, input);
  const current = options.elastiCache && (await readCurrent(options.elastiCache, request));
  if (!current) return { Request: request, Calls: plannedCalls(request) };
  const plan = planChange(current, request);
  return {
    Request: request,
    Existing: {
      ReplicationGroupId: current.ReplicationGroupId,
      Status: current.Status,
      Changes: plan.changes,
      Refused: plan.refused,
    },
    Calls: plan.steps.map((step) => ({
      Service: step.Action === 'DeleteSecret' ? 'SecretsManager' : 'ElastiCache',
      Action: step.Action,
      Parameters: step.Parameters,
      When: step.Reason,
    })),
  };
}

/** The plan in words, as `terraform plan` shows one: each difference, then each call in order. */
export function describePlan(plan: Plan): string[] {
  const existing = plan.Existing;
  // A new group's plan is the JSON document alone, as it always was.
  if (!existing) return [];
  const lines = [`Replication group ${existing.ReplicationGroupId} exists (${existing.Status})`];
  if (existing.Changes.length === 0) return [...lines, 'No changes: it matches the request.'];
  const value = (item: unknown) => (item === null || item === undefined ? '(none)' : JSON.stringify(item));
  for (const change of existing.Changes) {
    const mark = change.current === null ? '+' : change.requested === null ? '-' : '~';
    lines.push(`  ${mark} ${change.field}: ${value(change.current)} -> ${value(change.requested)}`);
  }
  if (existing.Refused.length > 0) {
    lines.push('Cannot change in place (the run ends in ConflictError and changes nothing):');
    for (const item of existing.Refused) lines.push(`  ! ${item.field}: ${item.reason}`);
    return lines;
  }
  lines.push(`${plan.Calls.length} calls, in this order:`);
  plan.Calls.forEach((call, index) => {
    lines.push(`  ${index + 1}. ${call.Action} ${JSON.stringify(call.Parameters)}  (${call.When})`);
  });
  return lines;
}

/**
 * Answers DescribeCacheEngineVersions from the versions known today, so a plan needs no AWS; the
 * workflow itself asks ElastiCache, and the plan says so.
 */
const knownEngineVersions: ElastiCacheLike = {
  send: (async (command: { input: { Engine?: string; EngineVersion?: string } }) => {
    const engine = (command.input.Engine ?? 'redis') as Engine;
    const known: readonly string[] = KNOWN_ENGINE_VERSIONS[engine];
    const version = command.input.EngineVersion ?? known[known.length - 1];
    if (!version || !known.includes(version)) return { CacheEngineVersions: [] };
    return {
      CacheEngineVersions: [
        { Engine: engine, EngineVersion: version, CacheParameterGroupFamily: family(engine, version) },
      ],
    };
  }) as ElastiCacheLike['send'],
};

function family(engine: Engine, version: string): string {
  const major = version.split('.')[0] ?? '';
  if (engine === 'redis') return major === '6' ? 'redis6.x' : `redis${major}`;
  return `valkey${major}`;
}

function plannedCalls(request: NormalisedRequest): PlannedCall[] {
  const calls: PlannedCall[] = [
    {
      Service: 'ElastiCache',
      Action: 'DescribeCacheEngineVersions',
      Parameters: { Engine: request.Engine, EngineVersion: request.EngineVersion },
      When: 'always: resolves the version and its parameter group family',
    },
  ];
  const tags = managedTags(request);
  const rbac = request.Rbac;
  if (rbac) {
    for (const user of rbac.Users) {
      calls.push({
        Service: 'ElastiCache',
        Action: 'DescribeUsers',
        Parameters: { UserId: user.UserId },
        When: 'always',
      });
      if (user.AuthenticationType === 'password') {
        calls.push(
          user.PasswordSecretId
            ? {
                Service: 'SecretsManager',
                Action: 'GetSecretValue',
                Parameters: { SecretId: user.PasswordSecretId },
                When: 'when the user is missing',
              }
            : {
                Service: 'SecretsManager',
                Action: 'CreateSecret',
                Parameters: {
                  Name: generatedSecretName(rbac.UserGroupId, user.UserId),
                  SecretString: '(generated)',
                  Tags: tags,
                },
                When: 'when the user is missing (an existing secret of that name is reused)',
              },
        );
      }
      calls.push({
        Service: 'ElastiCache',
        Action: 'CreateUser',
        Parameters: { ...createUserParams(request, user, ['(from the secret)']) },
        When: 'when the user is missing; an existing user with another access string gets ModifyUser instead',
      });
    }
    calls.push(
      {
        Service: 'ElastiCache',
        Action: 'DescribeUserGroups',
        Parameters: { UserGroupId: rbac.UserGroupId },
        When: 'always',
      },
      {
        Service: 'ElastiCache',
        Action: 'CreateUserGroup',
        Parameters: {
          UserGroupId: rbac.UserGroupId,
          Engine: request.Engine,
          UserIds: rbac.Users.map((u) => u.UserId),
          Tags: tags,
        },
        When: 'when the group is missing; an existing group missing users gets ModifyUserGroup (UserIdsToAdd)',
      },
    );
  }
  calls.push(
    {
      Service: 'ElastiCache',
      Action: 'DescribeReplicationGroups',
      Parameters: { ReplicationGroupId: request.ReplicationGroupId },
      When: 'always: an existing group of the same shape is adopted, another shape is a ConflictError',
    },
    {
      Service: 'ElastiCache',
      Action: 'CreateReplicationGroup',
      Parameters: { ...buildCreateReplicationGroupParams(request) },
      When: 'when the replication group is missing',
    },
    {
      Service: 'ElastiCache',
      Action: 'DescribeReplicationGroups',
      Parameters: { ReplicationGroupId: request.ReplicationGroupId },
      When: `after ${request.Polling.InitialWaitSeconds} s, then every ${request.Polling.CheckIntervalSeconds} s until available (at most ${request.Polling.TimeoutMinutes} min)`,
    },
  );
  return calls;
}
