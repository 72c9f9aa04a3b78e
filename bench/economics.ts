/**
 * Section 2: polling economics on a simulated clock. Creates of 5, 15, 30 and 60 minutes (each 200 samples
 * spread uniformly over +-20 %, seeded) are watched by each schedule; we report detection latency, calls,
 * transitions and cost, and the latency/cost frontier the PollingSettings offer.
 */

import type { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import type { Clock } from '../shared/clock';
import type { Log } from '../shared/logger';
import { waitAvailable } from '../shared/provision/availability';
import type { PollingSettings, PollResult, ProvisionState } from '../shared/provision/state';
import { benchRequest } from './request';
import {
  DESCRIBE_SECONDS,
  fixedInterval,
  ourSchedule,
  type PollOutcome,
  plainLoop,
  type Schedule,
  sdkWaiter,
  type TransitionModel,
} from './schedules';
import { mean, percentile, seededRandom } from './stats';

/** us-east-1 list prices (contract section 5). */
export const PRICES = {
  perTransition: 0.025 / 1000,
  /** arm64; x86_64 is $0.0000166667. */
  perGbSecond: 0.0000133334,
  perRequest: 0.2 / 1_000_000,
} as const;

/** Seconds from available to noticed that no schedule avoids: the Lambda and the Describe call. */
export const DETECTION_OVERHEAD_SECONDS = 0.3;

export const CREATE_MINUTES = [5, 15, 30, 60] as const;
export const SAMPLES_PER_DURATION = 200;
export const SPREAD = 0.2;

export function cost(outcome: PollOutcome, memoryMb: number): number {
  return (
    outcome.transitions * PRICES.perTransition +
    outcome.lambdaSeconds * (memoryMb / 1024) * PRICES.perGbSecond +
    outcome.invocations * PRICES.perRequest
  );
}

/** Seconds until available for `count` creates of about `minutes`, uniform in +-spread. */
export function createSamples(minutes: number, count: number, spread: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => minutes * 60 * (1 - spread + 2 * spread * random()));
}

export interface ScheduleSummary {
  schedule: string;
  label: string;
  costedFully: boolean;
  costNote?: string;
  createMinutes: number;
  samples: number;
  timedOut: number;
  /** Seconds from available to noticed (overhead included); Infinity for timed-out samples. */
  latencyP50: number;
  latencyP95: number;
  calls: number;
  transitions: number;
  invocations: number;
  lambdaSeconds: number;
  /** Mean USD per create: transitions + Lambda (GB-s and requests); 0 for schedules costed on calls only. */
  cost: number;
}

export function summarise(
  schedule: Pick<Schedule, 'id' | 'label' | 'costedFully' | 'costNote'>,
  createMinutes: number,
  availableAt: readonly number[],
  outcomes: readonly PollOutcome[],
  memoryMb: number,
): ScheduleSummary {
  const latencies = outcomes.map((o, i) =>
    o.detectedAt === undefined
      ? Number.POSITIVE_INFINITY
      : o.detectedAt - (availableAt[i] ?? 0) + DETECTION_OVERHEAD_SECONDS,
  );
  return {
    schedule: schedule.id,
    label: schedule.label,
    costedFully: schedule.costedFully,
    ...(schedule.costNote ? { costNote: schedule.costNote } : {}),
    createMinutes,
    samples: outcomes.length,
    timedOut: outcomes.filter((o) => o.detectedAt === undefined).length,
    latencyP50: percentile(latencies, 50),
    latencyP95: percentile(latencies, 95),
    calls: mean(outcomes.map((o) => o.calls)),
    transitions: mean(outcomes.map((o) => o.transitions)),
    invocations: mean(outcomes.map((o) => o.invocations)),
    lambdaSeconds: mean(outcomes.map((o) => o.lambdaSeconds)),
    cost: schedule.costedFully ? mean(outcomes.map((o) => cost(o, memoryMb))) : 0,
  };
}

const silentLog: Log = { info: () => {}, warn: () => {}, debug: () => {} };

function stateFor(settings: PollingSettings, poll: PollResult | undefined): ProvisionState {
  return {
    request: benchRequest(settings),
    replicationGroup: { ReplicationGroupId: 'bench-cache', Status: 'creating', Created: true },
    ...(poll ? { poll } : {}),
  };
}

/**
 * Runs the real waitAvailable core (shared/provision/availability.ts) on a simulated clock against a fake
 * DescribeReplicationGroups, invocation after invocation as the state machine would, for one create.
 */
export async function simulateWithCore(
  settings: PollingSettings,
  transitions: TransitionModel,
  availableAt: number,
): Promise<PollOutcome> {
  let now = settings.InitialWaitSeconds;
  let calls = 0;
  let lambdaSeconds = 0;
  const clock: Clock = {
    now: () => now * 1000,
    sleep: async (ms) => {
      now += ms / 1000;
      lambdaSeconds += ms / 1000;
    },
  };
  const elastiCache = {
    send: async (_command: DescribeReplicationGroupsCommand) => {
      calls += 1;
      lambdaSeconds += DESCRIBE_SECONDS;
      const available = now >= availableAt;
      return {
        ReplicationGroups: [
          {
            ReplicationGroupId: 'bench-cache',
            Status: available ? 'available' : 'creating',
            ARN: 'arn:aws:elasticache:us-east-1:000000000000:replicationgroup:bench-cache',
            NodeGroups: [{ PrimaryEndpoint: { Address: '127.0.0.1', Port: 6379 } }],
          },
        ],
        $metadata: {},
      };
    },
  };
  let poll: PollResult | undefined;
  let invocations = 0;
  for (;;) {
    invocations += 1;
    try {
      poll = await waitAvailable(
        { elastiCache: elastiCache as never, logger: silentLog, clock },
        stateFor(settings, poll),
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'ProvisioningTimedOut') {
        return {
          detectedAt: undefined,
          calls,
          transitions: transitions.initial + transitions.perInvocation * invocations,
          invocations,
          lambdaSeconds,
        };
      }
      throw err;
    }
    if (Math.abs(poll.ElapsedSeconds - now) > 1e-6) {
      throw new Error(`ElapsedSeconds ${poll.ElapsedSeconds} differs from the simulated clock ${now}`);
    }
    if (poll.Available) {
      return {
        detectedAt: now,
        calls,
        transitions: transitions.initial + transitions.perInvocation * invocations,
        invocations,
        lambdaSeconds,
      };
    }
    now += poll.NextWaitSeconds;
  }
}

export interface EconomicsOptions {
  settings: PollingSettings;
  /** Further settings of our schedule to show next to the defaults (run through the real core too). */
  variants?: { id: string; label: string; settings: PollingSettings }[];
  transitions: TransitionModel;
  memoryMb: number;
  samples?: number;
  seed?: number;
}

export interface DurationResult {
  createMinutes: number;
  schedules: ScheduleSummary[];
  ours: ScheduleSummary;
  plain: ScheduleSummary;
  terraform: ScheduleSummary;
  goals: PollingGoals;
  /** Samples where the pure re-implementation disagreed with the real core (must be 0). */
  mismatches: number;
}

export const COST_GOAL = 0.25;
export const LATENCY_GOAL_SECONDS = 10;

/** The reference schedules get a limit no create reaches: they stand for a polling pattern, not a time limit. */
export const REFERENCE_LIMIT_SECONDS = 3 * 3600;

export function referenceSchedules(limitSeconds = REFERENCE_LIMIT_SECONDS): Schedule[] {
  return [
    sdkWaiter(limitSeconds),
    fixedInterval(
      'terraform',
      'Terraform (30 s delay, then every 10 s)',
      30,
      10,
      limitSeconds,
      'runs on a CI runner, outside AWS',
    ),
    fixedInterval(
      'ack',
      'Kubernetes ACK controller (every 30 s)',
      30,
      30,
      limitSeconds,
      'runs in a Kubernetes cluster, outside Step Functions and Lambda',
    ),
    plainLoop(10, limitSeconds),
  ];
}

export interface PollingGoals {
  latency: boolean;
  fewerCallsThanTerraform: boolean;
  costVsPlain: number;
  cost: boolean;
}

export function goalsOf(
  ours: ScheduleSummary,
  plain: ScheduleSummary,
  terraform: ScheduleSummary,
): PollingGoals {
  const costVsPlain = ours.cost / plain.cost;
  return {
    latency: ours.latencyP95 <= LATENCY_GOAL_SECONDS,
    fewerCallsThanTerraform: ours.calls < terraform.calls,
    costVsPlain,
    cost: costVsPlain <= COST_GOAL,
  };
}

export async function pollingEconomics(options: EconomicsOptions): Promise<DurationResult[]> {
  const count = options.samples ?? SAMPLES_PER_DURATION;
  const seed = options.seed ?? 20_240_601;
  const results: DurationResult[] = [];
  const ourRuns = [
    { id: 'ours', label: 'ours: POLLING_DEFAULTS', settings: options.settings },
    ...(options.variants ?? []),
  ];
  for (const [index, minutes] of CREATE_MINUTES.entries()) {
    const availableAt = createSamples(minutes, count, SPREAD, seed + index);
    let mismatches = 0;
    const ourSummaries: ScheduleSummary[] = [];
    for (const run of ourRuns) {
      const pure = ourSchedule(run.settings, options.transitions);
      const outcomes: PollOutcome[] = [];
      for (const at of availableAt) {
        const real = await simulateWithCore(run.settings, options.transitions, at);
        const copy = pure.simulate(at, Math.random);
        if (
          real.calls !== copy.calls ||
          real.detectedAt !== copy.detectedAt ||
          real.invocations !== copy.invocations
        ) {
          mismatches += 1;
        }
        outcomes.push(real);
      }
      ourSummaries.push(
        summarise(
          { id: run.id, label: run.label, costedFully: true },
          minutes,
          availableAt,
          outcomes,
          options.memoryMb,
        ),
      );
    }
    const ours = ourSummaries[0] as ScheduleSummary;
    const others = referenceSchedules().map((schedule, i) => {
      const random = seededRandom(seed * 31 + index * 7 + i);
      const outcomes = availableAt.map((at) => schedule.simulate(at, random));
      return summarise(schedule, minutes, availableAt, outcomes, options.memoryMb);
    });
    const plain = others.find((s) => s.schedule.startsWith('plain')) as ScheduleSummary;
    const terraform = others.find((s) => s.schedule === 'terraform') as ScheduleSummary;
    results.push({
      createMinutes: minutes,
      schedules: [...ourSummaries, ...others],
      ours,
      plain,
      terraform,
      goals: goalsOf(ours, plain, terraform),
      mismatches,
    });
  }
  return results;
}

export interface FrontierPoint {
  settings: PollingSettings;
  memoryMb: number;
  /** Worst p95 detection latency over the create durations. */
  worstP95: number;
  /** Mean cost per create over the four durations (equal weight). */
  meanCost: number;
  /** Worst ratio to the plain 10 s loop over the durations. */
  worstCostVsPlain: number;
  /** True when calls are below Terraform's at every duration. */
  fewerCallsThanTerraform: boolean;
  meetsGoals: boolean;
  isDefault: boolean;
  /** Pareto-optimal on (worst p95, mean cost) among all points. */
  onFrontier: boolean;
  /**
   * The first check comes later than 80 % of the fastest simulated create: such settings look free here only
   * because no sample is faster; a real create that is would be noticed late.
   */
  hugsFastestCreate: boolean;
  /** Pareto-optimal among the points that keep that margin. */
  onRobustFrontier: boolean;
}

export const FRONTIER_GRID = {
  CheckIntervalSeconds: [2, 3, 5, 7, 10, 15, 20, 30],
  ChecksPerInvocation: [1, 6, 15, 30, 60],
  InitialWaitSeconds: [0, 60, 120, 180, 240],
  memoryMb: [128, 256, 512, 1024],
} as const;

/**
 * Every combination of the grid (WaitSeconds follows CheckIntervalSeconds so the spacing stays even, the
 * default's choice); Pareto frontier on (worst p95 latency, mean cost).
 */
export function frontier(options: EconomicsOptions, durations: readonly DurationResult[]): FrontierPoint[] {
  const count = options.samples ?? SAMPLES_PER_DURATION;
  const seed = options.seed ?? 20_240_601;
  const samples = CREATE_MINUTES.map((minutes, index) => createSamples(minutes, count, SPREAD, seed + index));
  const fastestCreate = Math.min(...samples.flat());
  const candidates: PollingSettings[] = [];
  for (const interval of FRONTIER_GRID.CheckIntervalSeconds) {
    for (const checks of FRONTIER_GRID.ChecksPerInvocation) {
      for (const initial of FRONTIER_GRID.InitialWaitSeconds) {
        candidates.push({
          TimeoutMinutes: options.settings.TimeoutMinutes,
          InitialWaitSeconds: initial,
          WaitSeconds: interval,
          ChecksPerInvocation: checks,
          CheckIntervalSeconds: interval,
        });
      }
    }
  }
  const isSame = (a: PollingSettings, b: PollingSettings) =>
    (Object.keys(a) as (keyof PollingSettings)[]).every((k) => a[k] === b[k]);
  if (!candidates.some((c) => isSame(c, options.settings))) candidates.push({ ...options.settings });
  const points: FrontierPoint[] = [];
  for (const settings of candidates) {
    const schedule = ourSchedule(settings, options.transitions);
    const perDuration = samples.map((availableAt) =>
      availableAt.map((at) => schedule.simulate(at, Math.random)),
    );
    for (const memoryMb of FRONTIER_GRID.memoryMb) {
      const summaries = perDuration.map((outcomes, i) =>
        summarise(schedule, CREATE_MINUTES[i] ?? 0, samples[i] ?? [], outcomes, memoryMb),
      );
      const worstP95 = Math.max(...summaries.map((s) => s.latencyP95));
      const meanCost = mean(summaries.map((s) => s.cost));
      const worstCostVsPlain = Math.max(
        ...summaries.map((s, i) => s.cost / (durations[i]?.plain.cost ?? Number.NaN)),
      );
      const fewerCallsThanTerraform = summaries.every(
        (s, i) => s.calls < (durations[i]?.terraform.calls ?? 0),
      );
      points.push({
        settings,
        memoryMb,
        worstP95,
        meanCost,
        worstCostVsPlain,
        fewerCallsThanTerraform,
        meetsGoals:
          worstP95 <= LATENCY_GOAL_SECONDS && worstCostVsPlain <= COST_GOAL && fewerCallsThanTerraform,
        isDefault: isSame(settings, options.settings) && memoryMb === options.memoryMb,
        onFrontier: false,
        hugsFastestCreate: settings.InitialWaitSeconds > 0.8 * fastestCreate,
        onRobustFrontier: false,
      });
    }
  }
  const dominates = (other: FrontierPoint, point: FrontierPoint) =>
    other !== point &&
    other.worstP95 <= point.worstP95 &&
    other.meanCost <= point.meanCost &&
    (other.worstP95 < point.worstP95 || other.meanCost < point.meanCost);
  const robust = points.filter((p) => !p.hugsFastestCreate);
  for (const point of points) {
    point.onFrontier = !points.some((other) => dominates(other, point));
    point.onRobustFrontier = !point.hugsFastestCreate && !robust.some((other) => dominates(other, point));
  }
  return points;
}
