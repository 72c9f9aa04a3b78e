/**
 * What the stand-in remembers, and how statuses move on. Transitions are evaluated lazily on each
 * request (and on `advance`), against an injectable clock, so tests can drive time themselves.
 * Passwords and secret values live in private maps: the records below never hold them.
 */
import type { CreateSettings } from './createSettings';
import type { FaultInjector } from './faults';
import type { NodeBackend, NodeBackendGroup, NodeBackendUser, PlannedNodeGroup } from './nodeBackend';
import type { Engine } from './rules';

export interface StandInClock {
  now(): number;
}

export interface StandInDelays {
  userCreateMs: number;
  userModifyMs: number;
  userDeleteMs: number;
  userGroupCreateMs: number;
  userGroupModifyMs: number;
  userGroupDeleteMs: number;
  replicationGroupCreateMs: number;
  replicationGroupDeleteMs: number;
  /** How long a replication group stays `modifying` at least (the node work may take longer). */
  replicationGroupModifyMs: number;
}

export const DEFAULT_DELAYS: StandInDelays = {
  userCreateMs: 300,
  userModifyMs: 300,
  userDeleteMs: 300,
  userGroupCreateMs: 300,
  userGroupModifyMs: 300,
  userGroupDeleteMs: 300,
  replicationGroupCreateMs: 300,
  replicationGroupDeleteMs: 300,
  replicationGroupModifyMs: 300,
};

/** Account limits; the defaults follow the service's default quotas. */
export interface StandInQuotas {
  users: number;
  userGroups: number;
  usersPerUserGroup: number;
  replicationGroups: number;
  nodeGroupsPerReplicationGroup: number;
  nodesPerReplicationGroup: number;
}

export const DEFAULT_QUOTAS: StandInQuotas = {
  users: 1000,
  userGroups: 100,
  usersPerUserGroup: 100,
  replicationGroups: 300,
  nodeGroupsPerReplicationGroup: 90,
  nodesPerReplicationGroup: 500,
};

export const ACCOUNT_ID = '000000000000';

export interface Tag {
  Key: string;
  Value: string;
}

export type AuthenticationType = 'password' | 'no-password' | 'iam';

export interface UserRecord {
  userId: string;
  userName: string;
  engine: Engine;
  accessString: string;
  authenticationType: AuthenticationType;
  passwordCount: number;
  minimumEngineVersion: string;
  status: 'creating' | 'active' | 'modifying' | 'deleting';
  arn: string;
  tags: Tag[];
}

export interface UserGroupRecord {
  userGroupId: string;
  engine: Engine;
  status: 'creating' | 'active' | 'modifying' | 'deleting';
  /** Members as applied; a modification shows in `pendingChanges` until it completes. */
  userIds: string[];
  pendingChanges?: { userIdsToAdd: string[]; userIdsToRemove: string[] };
  minimumEngineVersion: string;
  arn: string;
  tags: Tag[];
}

export interface ReplicationGroupRecord {
  replicationGroupId: string;
  description: string;
  status: 'creating' | 'available' | 'modifying' | 'deleting' | 'create-failed';
  engine: Engine;
  engineVersion: string;
  cacheParameterGroupName: string;
  cacheNodeType: string;
  clusterMode: 'enabled' | 'disabled';
  numCacheClusters?: number;
  numNodeGroups?: number;
  replicasPerNodeGroup?: number;
  automaticFailover: boolean;
  multiAZ: boolean;
  transitEncryptionEnabled: boolean;
  transitEncryptionMode?: 'preferred' | 'required';
  atRestEncryptionEnabled: boolean;
  /** ClusterMode compatible: runs as cluster mode disabled, reported as compatible. */
  compatible?: boolean;
  settings: CreateSettings;
  authTokenEnabled: boolean;
  userGroupIds: string[];
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  cacheSubnetGroupName: string;
  securityGroupIds: string[];
  port: number;
  arn: string;
  tags: Tag[];
  createdAt: number;
  /** Node groups and cache cluster ids as planned at creation (reported while creating). */
  planned: PlannedNodeGroup[];
  /** The running nodes, once the backend started them. */
  nodes?: NodeBackendGroup;
  /** Why the nodes did not start (`create-failed`). */
  failureReason?: string;
  /** The last failure to apply ACL users to the nodes. */
  lastUsersError?: string;
  /** Changes asked for with ApplyImmediately false: they wait for a maintenance window. */
  pendingModifiedValues?: { cacheNodeType?: string; engineVersion?: string };
  /** Why the last change to the nodes failed. */
  lastChangeError?: string;
}

/** The open built-in default user, as nodes hold it when no user group or AUTH token applies. */
const OPEN_DEFAULT_USER: NodeBackendUser = {
  userName: 'default',
  accessString: 'on ~* &* +@all',
  passwords: [],
  authenticationType: 'no-password',
};

export interface ReplicationGroupChange {
  /** For DescribeEvents, e.g. `replica count 2`. */
  summary: string;
  /** What the nodes must do; a failure leaves the record as it was. */
  work?: (nodes: NodeBackendGroup) => Promise<void>;
  /** Updates the record once the work is done. */
  apply?: () => void;
}

export interface SecretRecord {
  name: string;
  arn: string;
  description?: string;
  kmsKeyId?: string;
  createdAt: number;
  lastChangedAt: number;
  lastAccessedAt?: number;
  /** Set when the deletion is scheduled (with a recovery window). */
  deletedAt?: number;
  deletionDate?: number;
  tags: Tag[];
  rotation?: SecretRotationRecord;
}

/** RotateSecret's settings and how the last rotation went. */
export interface SecretRotationRecord {
  enabled: boolean;
  lambdaArn: string;
  rules: Record<string, unknown>;
  lastRotatedAt?: number;
  nextRotationAt?: number;
  /** The error of the last rotation step that failed (its version stays AWSPENDING). */
  lastFailure?: string;
}

/** One version of a secret; its value is absent while a rotation has only staged it. */
export interface SecretVersion {
  versionId: string;
  value?: SecretValue;
  stages: string[];
  createdAt: number;
}

/** What DescribeEvents reports. */
export interface EventRecord {
  sourceIdentifier: string;
  sourceType: 'replication-group' | 'user' | 'user-group';
  message: string;
  date: number;
}

export interface SecretValue {
  secretString?: string;
  secretBinary?: string;
}

interface Transition {
  readyAt: number;
  /** Must have settled before the transition completes (e.g. the nodes starting). */
  gate?: { settled: boolean };
  /** Started once due; the transition completes when it has settled. */
  work?: () => Promise<void>;
  workState?: 'running' | 'done';
  finish: () => void;
}

export interface StoreOptions {
  clock: StandInClock;
  delays: StandInDelays;
  quotas: StandInQuotas;
  nodes: NodeBackend;
  faults: FaultInjector;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long a request waits for work it started (node ACL changes) before answering anyway. */
const WORK_GRACE_MS = 250;

export class Store {
  readonly users = new Map<string, UserRecord>();
  readonly userGroups = new Map<string, UserGroupRecord>();
  readonly replicationGroups = new Map<string, ReplicationGroupRecord>();
  readonly secrets = new Map<string, SecretRecord>();
  /** Per user id; only ever handed to the node backend. */
  readonly passwords = new Map<string, string[]>();
  /** Per secret name, oldest first; only versions that carry a staging label are kept. */
  readonly secretVersions = new Map<string, SecretVersion[]>();
  /** Per replication group id: AUTH token of the default user. */
  readonly authTokens = new Map<string, string>();
  readonly events: EventRecord[] = [];

  private readonly transitions = new Map<string, Transition>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly usersChains = new Map<string, Promise<void>>();
  private readonly startedGroups = new Set<NodeBackendGroup>();

  constructor(readonly options: StoreOptions) {
    // Every account has the built-in `default` user, open and password-less.
    this.users.set('default', {
      userId: 'default',
      userName: 'default',
      engine: 'redis',
      accessString: 'on ~* +@all',
      authenticationType: 'no-password',
      passwordCount: 0,
      minimumEngineVersion: '6.0',
      status: 'active',
      arn: `arn:aws:elasticache:us-east-1:${ACCOUNT_ID}:user:default`,
      tags: [],
    });
  }

  now(): number {
    return this.options.clock.now();
  }

  recordEvent(sourceType: EventRecord['sourceType'], sourceIdentifier: string, message: string): void {
    this.events.push({ sourceType, sourceIdentifier, message, date: this.now() });
  }

  /** A node error's message, with any password the store knows masked (a node may echo what it refused). */
  scrub(error: unknown): string {
    let message = error instanceof Error ? error.message : String(error);
    const secrets = [...[...this.passwords.values()].flat(), ...this.authTokens.values()];
    for (const secret of secrets) message = message.split(secret).join('***');
    return message;
  }

  /** Schedules the next status of a resource; `key` is e.g. `user:app`. */
  schedule(key: string, transition: Omit<Transition, 'workState'>): void {
    this.transitions.set(key, { ...transition });
  }

  /** Tracks background work so `settle` and `close` can wait for it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Applies every transition that is due; returns the work it started. */
  step(): Promise<void>[] {
    const now = this.now();
    const started: Promise<void>[] = [];
    for (const [key, transition] of [...this.transitions]) {
      if (now < transition.readyAt) continue;
      if (transition.gate && !transition.gate.settled) continue;
      if (transition.work && transition.workState === undefined) {
        transition.workState = 'running';
        const work = this.track(
          transition.work().finally(() => {
            transition.workState = 'done';
          }),
        );
        started.push(work);
        continue;
      }
      if (transition.work && transition.workState !== 'done') continue;
      if (this.transitions.get(key) === transition) this.transitions.delete(key);
      transition.finish();
    }
    return started;
  }

  /** Brings statuses up to date; waits a little for work it starts so quick changes show at once. */
  async advance(): Promise<void> {
    const started = this.step();
    if (started.length === 0) return;
    await Promise.race([Promise.allSettled(started), pause(WORK_GRACE_MS)]);
    this.step();
  }

  /** Waits until no background work runs and nothing due is left undone. */
  async settle(): Promise<void> {
    for (;;) {
      const started = this.step();
      const running = [...this.inFlight, ...started];
      if (running.length === 0) return;
      await Promise.allSettled(running);
    }
  }

  // ---- ACL users on the nodes ----

  /**
   * The ACL users every node of this replication group must hold: the users of its user groups,
   * their `default` user replacing the node's; undefined when no RBAC or AUTH token applies.
   */
  desiredNodeUsers(group: ReplicationGroupRecord): NodeBackendUser[] | undefined {
    if (group.userGroupIds.length === 0) {
      const token = this.authTokens.get(group.replicationGroupId);
      if (token === undefined) return undefined;
      return [
        {
          userName: 'default',
          accessString: 'on ~* &* +@all',
          passwords: [token],
          authenticationType: 'password',
        },
      ];
    }
    const byName = new Map<string, NodeBackendUser>();
    for (const userGroupId of group.userGroupIds) {
      for (const userId of this.userGroups.get(userGroupId)?.userIds ?? []) {
        const user = this.users.get(userId);
        if (!user || user.status === 'deleting' || byName.has(user.userName)) continue;
        byName.set(user.userName, {
          userName: user.userName,
          accessString: user.accessString,
          passwords: [...(this.passwords.get(userId) ?? [])],
          authenticationType: user.authenticationType,
        });
      }
    }
    // Without a `default` user in the group, ElastiCache switches the default user off.
    if (!byName.has('default')) {
      byName.set('default', {
        userName: 'default',
        accessString: 'off -@all',
        passwords: [],
        authenticationType: 'no-password',
      });
    }
    return [...byName.values()];
  }

  /** Re-applies the users to the nodes of a replication group, one change at a time. */
  syncNodeUsers(group: ReplicationGroupRecord): Promise<void> {
    const id = group.replicationGroupId;
    const previous = this.usersChains.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const nodes = group.nodes;
      // A group that lost its user group (or AUTH token) gets the open default user back.
      const users = this.desiredNodeUsers(group) ?? [OPEN_DEFAULT_USER];
      if (!nodes || this.replicationGroups.get(id) !== group) return;
      try {
        await nodes.setUsers(users);
        delete group.lastUsersError;
      } catch (error) {
        group.lastUsersError = this.scrub(error);
      }
    });
    this.usersChains.set(id, next);
    return this.track(next);
  }

  /** Replication groups whose nodes carry the users of this user group. */
  replicationGroupsUsing(userGroupId: string): ReplicationGroupRecord[] {
    return [...this.replicationGroups.values()].filter((group) => group.userGroupIds.includes(userGroupId));
  }

  userGroupsContaining(userId: string): UserGroupRecord[] {
    return [...this.userGroups.values()].filter((group) => group.userIds.includes(userId));
  }

  /** Re-applies users on every replication group using one of these user groups. */
  async syncUserGroups(userGroupIds: Iterable<string>): Promise<void> {
    const groups = new Set<ReplicationGroupRecord>();
    for (const userGroupId of userGroupIds) {
      for (const group of this.replicationGroupsUsing(userGroupId)) groups.add(group);
    }
    await Promise.all([...groups].map((group) => this.syncNodeUsers(group)));
  }

  /**
   * A change to a replication group: `modifying` at once, the node work started at once, and
   * `available` again once the work is done and the modification delay has passed.
   */
  modifyReplicationGroup(group: ReplicationGroupRecord, change: ReplicationGroupChange): void {
    const id = group.replicationGroupId;
    group.status = 'modifying';
    const gate = { settled: false };
    const nodes = group.nodes;
    const run = (async () => {
      try {
        if (change.work && nodes) await change.work(nodes);
        change.apply?.();
        delete group.lastChangeError;
        this.recordEvent('replication-group', id, `Replication group ${id} modified: ${change.summary}`);
      } catch (error) {
        group.lastChangeError = this.scrub(error);
        this.recordEvent(
          'replication-group',
          id,
          `Failed to modify replication group ${id} (${change.summary}): ${group.lastChangeError}`,
        );
      } finally {
        this.syncShape(group);
        gate.settled = true;
      }
    })();
    this.track(run);
    this.schedule(`replicationgroup:${id}`, {
      readyAt: this.now() + this.options.delays.replicationGroupModifyMs,
      gate,
      finish: () => {
        group.status = 'available';
      },
    });
  }

  /** Node counts as the running nodes have them now. */
  private syncShape(group: ReplicationGroupRecord): void {
    const nodeGroups = group.nodes?.nodeGroups;
    if (!nodeGroups || nodeGroups.length === 0) return;
    if (group.clusterMode === 'enabled') {
      group.numNodeGroups = nodeGroups.length;
      group.replicasPerNodeGroup = Math.max(...nodeGroups.map((nodeGroup) => nodeGroup.members.length - 1));
    } else {
      group.numCacheClusters = nodeGroups[0]?.members.length ?? group.numCacheClusters;
    }
  }

  /** Starts the nodes of a new replication group; the returned gate settles when they are up or failed. */
  startNodes(group: ReplicationGroupRecord): { settled: boolean } {
    const gate = { settled: false };
    const users = this.desiredNodeUsers(group);
    const started = this.options.nodes
      .start({
        replicationGroupId: group.replicationGroupId,
        clusterMode: group.clusterMode,
        ...(group.numCacheClusters === undefined ? {} : { numCacheClusters: group.numCacheClusters }),
        ...(group.numNodeGroups === undefined ? {} : { numNodeGroups: group.numNodeGroups }),
        ...(group.replicasPerNodeGroup === undefined
          ? {}
          : { replicasPerNodeGroup: group.replicasPerNodeGroup }),
        tls: group.transitEncryptionEnabled,
        ...(users === undefined ? {} : { users }),
      })
      .then(
        async (nodes) => {
          this.startedGroups.add(nodes);
          group.nodes = nodes;
          // The user groups may have changed while the nodes were starting.
          if (JSON.stringify(this.desiredNodeUsers(group)) !== JSON.stringify(users)) {
            await this.syncNodeUsers(group);
          }
        },
        (error: unknown) => {
          group.failureReason = this.scrub(error);
        },
      )
      .finally(() => {
        gate.settled = true;
      });
    this.track(started);
    return gate;
  }

  async stopNodes(group: ReplicationGroupRecord): Promise<void> {
    const nodes = group.nodes;
    if (!nodes) return;
    await this.usersChains.get(group.replicationGroupId);
    await nodes.stop();
    this.startedGroups.delete(nodes);
  }

  /** Stops every node started, including those of groups still being created. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.startedGroups].map((nodes) => nodes.stop()));
    this.startedGroups.clear();
    this.transitions.clear();
  }
}
