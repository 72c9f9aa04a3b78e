/**
 * Section 7: the AWS calls each kind of change in place makes, against the fewest it could make.
 * Each kind provisions a group on the local stand-in (simulated nodes), then runs the real provisioning
 * state machine (real ASL, real handlers, real SDK) with the changed request and counts every call the
 * stand-in answers during that second execution.
 *
 * The minimum of a change: the writes ElastiCache and Secrets Manager need for it, plus one read of each
 * resource the decision needs (the group and its tags; for an RBAC request its user group and its users),
 * plus one status read per ElastiCache write (an ideal poller that knows when each wait ends).
 */
import type { StandInCall } from '../local/standin';
import { provisionedOnce } from '../tests/change/support';
import { type Harness, startHarness } from '../tests/reliability/support/harness';
import {
  clusterModeDisabledRequest,
  clusterModeEnabledRequest,
  type RbacRequest,
  type Request,
  rbacRequest,
} from '../tests/reliability/support/requests';
import { childMain, runChildOr } from './child';

export interface ChangeKind {
  name: string;
  /** The writes the change needs, by action (ElastiCache and Secrets Manager). */
  minimumWrites: string[];
  rbac: boolean;
  /** Provisions the group to change, returns the request that changes it. */
  prepare(harness: Harness, id: string): Promise<Request | RbacRequest>;
}

export interface ChangeCallsRow {
  name: string;
  status: string;
  calls: number;
  writes: string[];
  reads: number;
  /** Reads by action, e.g. { DescribeReplicationGroups: 6 }. */
  readsByAction: Record<string, number>;
  minimumWrites: string[];
  minimum: number;
  /** Writes made that the change does not need (the change mark, for one). */
  extraWrites: string[];
  /** Writes the change needs that were not made (must be none). */
  missingWrites: string[];
}

export interface ChangeCallsResult {
  measured: boolean;
  reason?: string;
  rows: ChangeCallsRow[];
  notes: string[];
}

const WRITE = /^(?!Describe|List|Get)/;

/** Provisions `base`, then returns it changed by `change`. */
async function provisioned<R extends Request>(harness: Harness, base: R, change: (request: R) => void) {
  const first = await harness.execute(base);
  if (first.status !== 'SUCCEEDED') throw new Error(`provisioning failed: ${first.error?.Cause}`);
  const changed = structuredClone(base);
  change(changed);
  return changed;
}

/** An RBAC group (2 nodes, users app, given and iam), provisioned, then changed by `change`. */
async function provisionedRbac(harness: Harness, id: string, change: (request: RbacRequest) => void) {
  await provisionedOnce(harness, id);
  const changed = rbacRequest(id);
  change(changed);
  return changed;
}

/** A change to a group without RBAC that needs one write: `base` with `from` provisioned, then set to `to`. */
function groupChange(
  name: string,
  write: string,
  base: (id: string) => Request,
  to: Record<string, unknown>,
  from: Record<string, unknown> = {},
): ChangeKind {
  return {
    name,
    minimumWrites: [write],
    rbac: false,
    prepare: (harness, id) =>
      provisioned(harness, { ...base(id), ...from }, (request) => Object.assign(request, to)),
  };
}

/** A change to the users of an RBAC group. */
function usersChange(
  name: string,
  minimumWrites: string[],
  change: (request: RbacRequest, id: string) => void,
): ChangeKind {
  return {
    name,
    minimumWrites,
    rbac: true,
    prepare: (harness, id) => provisionedRbac(harness, id, (request) => change(request, id)),
  };
}

const disabled = clusterModeDisabledRequest;
const enabled = clusterModeEnabledRequest;

export const CHANGE_KINDS: ChangeKind[] = [
  groupChange('replicas up, cluster mode disabled (2 -> 3 nodes)', 'IncreaseReplicaCount', disabled, {
    NumCacheClusters: 3,
  }),
  groupChange(
    'replicas down, cluster mode disabled (3 -> 2 nodes)',
    'DecreaseReplicaCount',
    disabled,
    { NumCacheClusters: 2 },
    { NumCacheClusters: 3 },
  ),
  groupChange('replicas per shard up, cluster mode enabled (1 -> 2)', 'IncreaseReplicaCount', enabled, {
    ReplicasPerNodeGroup: 2,
  }),
  groupChange('shards out (2 -> 3)', 'ModifyReplicationGroupShardConfiguration', enabled, {
    NumNodeGroups: 3,
  }),
  groupChange(
    'shards in (3 -> 2)',
    'ModifyReplicationGroupShardConfiguration',
    enabled,
    { NumNodeGroups: 2 },
    { NumNodeGroups: 3 },
  ),
  groupChange('node type up', 'ModifyReplicationGroup', disabled, { CacheNodeType: 'cache.r7g.large' }),
  groupChange(
    'engine upgrade (Redis OSS 7.0 -> 7.1)',
    'ModifyReplicationGroup',
    disabled,
    { EngineVersion: '7.1' },
    { Engine: 'redis', EngineVersion: '7.0' },
  ),
  groupChange('description and snapshot retention', 'ModifyReplicationGroup', disabled, {
    ReplicationGroupDescription: 'Changed in place',
    SnapshotRetentionLimit: 7,
  }),
  groupChange(
    'a tag changed',
    'AddTagsToResource',
    disabled,
    { Tags: [{ Key: 'team', Value: 'b' }] },
    { Tags: [{ Key: 'team', Value: 'a' }] },
  ),
  usersChange(
    'a user added (generated password)',
    ['CreateSecret', 'CreateUser', 'ModifyUserGroup'],
    (r, id) => {
      r.Rbac.Users.push({ UserId: `${id}-report`, UserName: 'report', AccessString: 'on ~r:* -@all +@read' });
    },
  ),
  usersChange('a user removed (with its generated secret)', ['DeleteSecret', 'DeleteUser'], (r, id) => {
    r.Rbac.Users = r.Rbac.Users.filter((user) => user.UserId !== `${id}-app`);
  }),
  usersChange('an access string changed', ['ModifyUser'], (r, id) => {
    r.Rbac.Users = r.Rbac.Users.map((user) =>
      user.UserId === `${id}-app` ? { ...user, AccessString: 'on ~app:* -@all +@read' } : user,
    );
  }),
];

/** Reads that decide a change: the group and its tags, and for an RBAC request its user group and users. */
function decisionReads(kind: ChangeKind): number {
  return kind.rbac ? 4 : 2;
}

/** ElastiCache writes are answered at once and done later: each needs one status read. */
function statusReads(minimumWrites: readonly string[]): number {
  return minimumWrites.filter((action) => !/Secret$/.test(action)).length;
}

/** The writes of `made` not in `needed`, and those of `needed` not in `made` (as multisets). */
function difference(made: readonly string[], needed: readonly string[]): string[] {
  const left = [...needed];
  return made.filter((action) => {
    const at = left.indexOf(action);
    if (at === -1) return true;
    left.splice(at, 1);
    return false;
  });
}

export function rowOf(kind: ChangeKind, status: string, calls: readonly StandInCall[]): ChangeCallsRow {
  const writes = calls.filter((call) => WRITE.test(call.action)).map((call) => call.action);
  const readsByAction: Record<string, number> = {};
  for (const call of calls.filter((c) => !WRITE.test(c.action))) {
    readsByAction[call.action] = (readsByAction[call.action] ?? 0) + 1;
  }
  return {
    name: kind.name,
    status,
    calls: calls.length,
    writes,
    reads: calls.length - writes.length,
    readsByAction,
    minimumWrites: kind.minimumWrites,
    minimum: kind.minimumWrites.length + decisionReads(kind) + statusReads(kind.minimumWrites),
    extraWrites: difference(writes, kind.minimumWrites),
    missingWrites: difference(kind.minimumWrites, writes),
  };
}

/** Runs one kind of change and counts the calls of the changing execution. */
export async function measureChange(harness: Harness, kind: ChangeKind, id: string): Promise<ChangeCallsRow> {
  const request = await kind.prepare(harness, id);
  const mark = harness.standIn.calls.length;
  const run = await harness.execute(request);
  return rowOf(kind, run.status, harness.callsSince(mark));
}

/** Every status change at once: the status reads fall to what the workflow's structure makes. */
export const AT_ONCE = {
  userCreateMs: 0,
  userModifyMs: 0,
  userDeleteMs: 0,
  userGroupCreateMs: 0,
  userGroupModifyMs: 0,
  userGroupDeleteMs: 0,
  replicationGroupCreateMs: 0,
  replicationGroupDeleteMs: 0,
  replicationGroupModifyMs: 0,
};

export async function changeCallsInProcess(): Promise<ChangeCallsResult> {
  const harness = await startHarness({ delays: AT_ONCE });
  try {
    const rows: ChangeCallsRow[] = [];
    for (const [index, kind] of CHANGE_KINDS.entries()) {
      rows.push(await measureChange(harness, kind, `change-calls-${index}`));
    }
    return {
      measured: true,
      rows,
      notes: [
        'change calls: each kind provisions a group on the local stand-in (simulated nodes, every status change at once), ' +
          'then runs the real provisioning state machine with the changed request; every call the stand-in answers during ' +
          'that execution is counted, validation, the change mark and the final availability check included. ' +
          'Minimum = the writes the change needs + one read of each resource deciding it (group, tags; user group and ' +
          'users for RBAC) + one status read per ElastiCache write. In AWS a change takes minutes and the availability ' +
          "check polls meanwhile (see the polling section), so the reads here are the floor the workflow's structure sets.",
      ],
    };
  } finally {
    await harness.close();
  }
}

const unmeasured = (reason: string): ChangeCallsResult => ({ measured: false, reason, rows: [], notes: [] });

export async function runChangeCalls(): Promise<ChangeCallsResult> {
  return runChildOr(import.meta.url, 300_000, unmeasured);
}

await childMain(import.meta.url, changeCallsInProcess);
