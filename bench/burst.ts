/**
 * Section 3: a burst of concurrent executions through the local workflow runner with the real handlers,
 * the SDK clients pointed (through a token-bucket throttling proxy) at the local stand-in with simulated
 * nodes. Runs in a child process: the handlers' SDK clients are built at import time from the environment,
 * so the endpoints must be set before anything loads them, and the burst must not share a process with
 * the other sections.
 *
 * Time is compressed by TIME_SCALE: the handlers' sleeps (PROVISIONER_TIME_SCALE), the Wait states, the
 * stand-in's status delays and the token buckets' refill all run TIME_SCALE times faster than in AWS, so
 * the ratio of demand to API capacity is the one AWS would see. The SDK's own retry backoff and the
 * state machine's Retry intervals keep their real durations (slower than AWS in compressed time: a
 * conservative choice for absorbing throttles).
 */
import type { PollingSettings } from '../shared/provision/state';
import { childMain, runChildOr } from './child';
import type { ActionStats, BucketSpec, Service } from './throttle-proxy';

export interface BurstResult {
  measured: boolean;
  reason?: string;
  executions: number;
  withRbac: number;
  succeeded: number;
  failures: Record<string, number>;
  /** Requests that reached the proxy, throttled ones included, per execution. */
  callsPerExecution: number;
  /** DescribeReplicationGroups requests per execution (the polling share). */
  describeCallsPerExecution: number;
  /** Calls that could not be avoided (see minimumCalls), per execution, on average. */
  minimumCallsPerExecution: number;
  /** Answers of 400 Throttling the workflow had to absorb. */
  throttled: number;
  /** Throttles that got past the SDK's retries and were retried by the state machine's Retry. */
  throttlesRetriedByStateMachine: number;
  transitionsPerExecution: number;
  wallSeconds: number;
  /** Seconds from start to success, per execution. */
  executionSecondsP50: number;
  executionSecondsP95: number;
  bucketsSummary: string;
  actions: ActionStats[];
  /** Error answers of the stand-in itself (not the proxy's throttling), by action and code. */
  serviceErrors: Record<string, number>;
  timeScale: number;
  notes: string[];
}

export const EXECUTIONS = 200;
/** Every fourth execution manages RBAC users and a user group (the stand-in allows 100 user groups). */
export const RBAC_EVERY = 4;
export const TIME_SCALE = 0.1;

/** Seconds (in AWS time) the stand-in takes to move each kind of resource to its next status. */
export const BURST_DELAYS_SECONDS = {
  user: 10,
  userGroup: 30,
  replicationGroup: 60,
} as const;

/** The requests' Polling: the defaults' shape with a first check after 30 s (the creates take 60 s). */
export const BURST_POLLING: PollingSettings = {
  TimeoutMinutes: 30,
  InitialWaitSeconds: 30,
  WaitSeconds: 10,
  ChecksPerInvocation: 60,
  CheckIntervalSeconds: 10,
};

/**
 * API capacity per action in AWS time. ElastiCache publishes no request rates; these follow the token
 * bucket shape EC2 and RDS document (reads cheaper than writes) with deliberately modest numbers.
 * Secrets Manager's are its documented quotas (CreateSecret 50/s, GetSecretValue/DescribeSecret 10,000/s).
 */
export function awsBucket(service: Service, action: string): BucketSpec {
  if (service === 'secretsmanager') {
    return /^(Get|Describe|List|BatchGet)/.test(action)
      ? { capacity: 10_000, refillPerSecond: 10_000 }
      : { capacity: 50, refillPerSecond: 50 };
  }
  return /^(Describe|List)/.test(action)
    ? { capacity: 40, refillPerSecond: 10 }
    : { capacity: 10, refillPerSecond: 2 };
}

/** The bucket compressed to the bench's clock: the same burst, refilled TIME_SCALE times faster. */
export function scaledBucket(spec: BucketSpec, timeScale: number): BucketSpec {
  return { capacity: spec.capacity, refillPerSecond: spec.refillPerSecond / timeScale };
}

export interface BurstRequest {
  request: Record<string, unknown>;
  users: number;
}

export function burstRequests(count = EXECUTIONS): BurstRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `burst-${String(i).padStart(3, '0')}`;
    const base = {
      ReplicationGroupId: id,
      Engine: 'redis',
      EngineVersion: '7.1',
      ClusterMode: 'disabled',
      NumCacheClusters: 2,
      Polling: BURST_POLLING,
    };
    if (i % RBAC_EVERY !== 0) return { request: { ...base, TransitEncryptionEnabled: false }, users: 0 };
    return {
      // One user plus the managed (switched off) default user, both with generated passwords.
      request: {
        ...base,
        TransitEncryptionEnabled: true,
        Rbac: {
          UserGroupId: `${id}-group`,
          Users: [{ UserId: `${id}-app`, UserName: 'app', AccessString: 'on ~app:* -@all +@read +@write' }],
        },
      },
      users: 2,
    };
  });
}

/**
 * The calls an execution cannot do without: CreateReplicationGroup and one DescribeReplicationGroups that
 * sees it available; with RBAC also, per user, CreateSecret (every user of the burst, the managed default
 * user included, gets a generated password) and CreateUser, one DescribeUsers seeing them active,
 * CreateUserGroup and one DescribeUserGroups seeing it active.
 */
export function minimumCalls(users: number): number {
  if (users === 0) return 2;
  return 2 + 2 * users + 3;
}

function percentileOf(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** The burst itself; changes process.env, so it runs in its own process (see runBurst). */
export async function burstInProcess(): Promise<BurstResult> {
  const notes: string[] = [];
  const { startStandIn, simulatedNodeBackend } = await import('../local/standin');
  const { startThrottleProxy } = await import('./throttle-proxy');
  const ms = (seconds: number) => Math.round(seconds * 1000 * TIME_SCALE);
  const standIn = await startStandIn({
    nodes: simulatedNodeBackend(),
    delays: {
      userCreateMs: ms(BURST_DELAYS_SECONDS.user),
      userModifyMs: ms(BURST_DELAYS_SECONDS.user),
      userGroupCreateMs: ms(BURST_DELAYS_SECONDS.userGroup),
      userGroupModifyMs: ms(BURST_DELAYS_SECONDS.userGroup),
      replicationGroupCreateMs: ms(BURST_DELAYS_SECONDS.replicationGroup),
    },
  });
  const proxy = await startThrottleProxy({
    target: standIn.url,
    bucketFor: (service, action) => scaledBucket(awsBucket(service, action), TIME_SCALE),
  });
  try {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_ELASTICACHE: proxy.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      PROVISIONER_TIME_SCALE: String(TIME_SCALE),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    // Loaded only now: the handlers' module-scope clients read the endpoints above.
    const { createLocalWorkflow } = await import('../local/workflow');
    const probe = createLocalWorkflow();
    const waitTimeOverrides: Record<string, number> = {};
    for (const [name, state] of Object.entries(probe.definition.States)) {
      if (state.Type !== 'Wait') continue;
      const path = typeof state.SecondsPath === 'string' ? state.SecondsPath : '';
      const seconds =
        typeof state.Seconds === 'number'
          ? state.Seconds
          : path.endsWith('InitialWaitSeconds')
            ? BURST_POLLING.InitialWaitSeconds
            : BURST_POLLING.WaitSeconds;
      waitTimeOverrides[name] = ms(seconds);
    }
    const workflow = createLocalWorkflow({ waitTimeOverrides });
    const requests = burstRequests();
    const started = performance.now();
    const runs = await Promise.all(
      requests.map(async ({ request }) => {
        const run = await workflow.run(request);
        return { run, seconds: (performance.now() - started) / 1000 };
      }),
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const failures: Record<string, number> = {};
    for (const { run } of runs) {
      if (run.status === 'SUCCEEDED') continue;
      const name = run.error?.Error ?? 'unknown';
      failures[name] = (failures[name] ?? 0) + 1;
    }
    const actions = proxy.stats();
    const totalRequests = actions.reduce((sum, a) => sum + a.requests, 0);
    const throttled = actions.reduce((sum, a) => sum + a.throttled, 0);
    const describes = actions.find((a) => a.action === 'DescribeReplicationGroups')?.requests ?? 0;
    const throttlesRetriedByStateMachine = runs.reduce(
      (sum, { run }) =>
        sum + run.events.filter((e) => e.type === 'StateRetried' && /Throttl/.test(e.error ?? '')).length,
      0,
    );
    const succeededSeconds = runs
      .filter(({ run }) => run.status === 'SUCCEEDED')
      .map(({ seconds }) => seconds);
    const withRbac = requests.filter((r) => r.users > 0).length;
    notes.push(
      `burst: ${requests.length} executions started at once (${withRbac} with RBAC: 1 user + the managed default user, passwords generated), ` +
        `cluster mode disabled, simulated nodes; time compressed x${1 / TIME_SCALE} (creates ${BURST_DELAYS_SECONDS.replicationGroup} s, ` +
        `user groups ${BURST_DELAYS_SECONDS.userGroup} s, users ${BURST_DELAYS_SECONDS.user} s in AWS time; Polling ${JSON.stringify(BURST_POLLING)}). ` +
        'Token buckets per action (AWS time, assumed: ElastiCache publishes none): ElastiCache Describe*/List* 40 burst + 10/s, ' +
        'other ElastiCache actions 10 burst + 2/s; Secrets Manager reads 10,000/s, writes 50/s (documented quotas). ' +
        'All executions share one SDK client per service in this process (in Lambda each concurrent container has its own retry quota).',
    );
    const serviceErrors: Record<string, number> = {};
    for (const call of standIn.calls) {
      if (!call.errorCode) continue;
      const key = `${call.action}: ${call.errorCode}`;
      serviceErrors[key] = (serviceErrors[key] ?? 0) + 1;
    }
    const perAction = actions
      .map((a) => `${a.action} ${a.requests}${a.throttled > 0 ? ` (${a.throttled} throttled)` : ''}`)
      .join(', ');
    notes.push(`burst requests by action: ${perAction}.`);
    return {
      measured: true,
      executions: requests.length,
      withRbac,
      succeeded: runs.filter(({ run }) => run.status === 'SUCCEEDED').length,
      failures,
      callsPerExecution: totalRequests / requests.length,
      describeCallsPerExecution: describes / requests.length,
      minimumCallsPerExecution: requests.reduce((sum, r) => sum + minimumCalls(r.users), 0) / requests.length,
      throttled,
      throttlesRetriedByStateMachine,
      transitionsPerExecution: runs.reduce((sum, { run }) => sum + run.transitions, 0) / requests.length,
      wallSeconds,
      executionSecondsP50: percentileOf(succeededSeconds, 50),
      executionSecondsP95: percentileOf(succeededSeconds, 95),
      bucketsSummary: 'Describe 40+10/s, writes 10+2/s per action (AWS time)',
      actions,
      serviceErrors,
      timeScale: TIME_SCALE,
      notes,
    };
  } finally {
    await proxy.close();
    await standIn.close();
  }
}

export function notMeasured(reason: string): BurstResult {
  return {
    measured: false,
    reason,
    executions: EXECUTIONS,
    withRbac: 0,
    succeeded: 0,
    failures: {},
    callsPerExecution: Number.NaN,
    describeCallsPerExecution: Number.NaN,
    minimumCallsPerExecution: Number.NaN,
    throttled: 0,
    throttlesRetriedByStateMachine: 0,
    transitionsPerExecution: Number.NaN,
    wallSeconds: 0,
    executionSecondsP50: Number.NaN,
    executionSecondsP95: Number.NaN,
    bucketsSummary: '',
    actions: [],
    serviceErrors: {},
    timeScale: TIME_SCALE,
    notes: [],
  };
}

export async function runBurst(): Promise<BurstResult> {
  try {
    await import('../local/standin');
    await import('../local/workflow/definition');
  } catch (err) {
    return notMeasured(
      `local stand-in or workflow runner not loadable (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  return runChildOr<BurstResult>(import.meta.url, 240_000, notMeasured);
}

await childMain(import.meta.url, burstInProcess);
