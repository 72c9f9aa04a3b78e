/**
 * Section 2: polling economics on a simulated clock. Creates of 5, 15, 30 and 60 minutes (200 seeded
 * samples each, drawn from one of several creation-time distributions) are watched by each schedule; we
 * report detection latency, calls, transitions and cost, and the latency/cost frontier of PollingSettings.
 *
 * Equal terms: the reference schedules are shown as they run by default and also given the best initial
 * wait (the longest first Wait that still keeps their p95 detection within the goal); ours is judged
 * against the best of them. No published figure gives the spread of ElastiCache creation times, so the
 * distribution is an assumption: the sensitivity table repeats the comparison under each of them.
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
  stateMachineOutcome,
  type TransitionModel,
  waitLabel,
  waitSuffix,
} from './schedules';
import { mean, percentile, seededRandom } from './stats';

/** us-east-1 list prices (contract section 5). */
export const PRICES = {
  perTransition: 0.025 / 1000,
  /** arm64; x86_64 is $0.0000166667. */
  perGbSecond: 0.0000133334,
  perRequest: 0.2 / 1_000_000,
} as const;

export const CREATE_MINUTES = [5, 15, 30, 60] as const;
export const SAMPLES_PER_DURATION = 200;

/** How long creates of a nominal duration take: seconds, from a uniform draw source. */
export interface CreateDistribution {
  id: string;
  label: string;
  /** The one the main table and the frontier use. */
  assumed: boolean;
  sample(nominalSeconds: number, random: () => number): number;
}

/** A standard normal draw (Box-Muller). */
function normal(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const uniform = (spread: number, assumed: boolean): CreateDistribution => ({
  id: `uniform-${spread * 100}`,
  label: `uniform +-${spread * 100} % around the nominal duration`,
  assumed,
  sample: (nominal, random) => nominal * (1 - spread + 2 * spread * random()),
});

const logNormal = (sigma: number): CreateDistribution => ({
  id: `lognormal-${sigma}`,
  label: `log-normal, median the nominal duration, sigma ${sigma} (5 % of creates take ${Math.exp(
    1.645 * sigma,
  ).toFixed(1)}x or more, 5 % ${Math.exp(-1.645 * sigma).toFixed(2)}x or less)`,
  assumed: false,
  sample: (nominal, random) => nominal * Math.exp(sigma * normal(random)),
});

/** Assumed first, then the alternatives of the sensitivity table. */
export const CREATE_DISTRIBUTIONS: readonly CreateDistribution[] = [
  uniform(0.2, true),
  uniform(0.5, false),
  logNormal(0.35),
];

export const ASSUMED_DISTRIBUTION = CREATE_DISTRIBUTIONS.find((d) => d.assumed) as CreateDistribution;

/** Seconds until available for `count` creates of about `minutes`. */
export function createSamples(
  distribution: CreateDistribution,
  minutes: number,
  count: number,
  seed: number,
): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => distribution.sample(minutes * 60, random));
}

export function cost(outcome: PollOutcome, memoryMb: number): number {
  return (
    outcome.transitions * PRICES.perTransition +
    outcome.lambdaSeconds * (memoryMb / 1024) * PRICES.perGbSecond +
    outcome.invocations * PRICES.perRequest
  );
}

export interface ScheduleSummary {
  schedule: string;
  label: string;
  costedFully: boolean;
  costNote?: string;
  /** Seconds of free head start before the first check (0: the schedule's own default). */
  initialWait: number;
  createMinutes: number;
  samples: number;
  timedOut: number;
  /** Seconds from available to noticed (measured overhead included); Infinity for timed-out samples. */
  latencyP50: number;
  latencyP95: number;
  calls: number;
  transitions: number;
  invocations: number;
  lambdaSeconds: number;
  /** Mean USD per create: transitions + Lambda (GB-s and requests); 0 for schedules costed on calls only. */
  cost: number;
}

/**
 * Seconds from available to noticed that no schedule avoids (the check's own Lambda invocation and
 * Describe call), drawn for each sample from the durations measured on the stand-in.
 */
export interface Overhead {
  seconds: readonly number[];
  source: string;
}

export function summarise(
  schedule: Pick<Schedule, 'id' | 'label' | 'costedFully' | 'costNote'>,
  initialWait: number,
  createMinutes: number,
  availableAt: readonly number[],
  outcomes: readonly PollOutcome[],
  memoryMb: number,
  overhead: Overhead,
): ScheduleSummary {
  const pick = seededRandom(createMinutes * 101 + overhead.seconds.length);
  const latencies = outcomes.map((o, i) => {
    const extra = overhead.seconds[Math.floor(pick() * overhead.seconds.length)] ?? 0;
    return o.detectedAt === undefined
      ? Number.POSITIVE_INFINITY
      : o.detectedAt - (availableAt[i] ?? 0) + extra;
  });
  return {
    schedule: schedule.id,
    label: schedule.label,
    costedFully: schedule.costedFully,
    ...(schedule.costNote ? { costNote: schedule.costNote } : {}),
    initialWait,
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
  const spent = (detectedAt: number | undefined) =>
    stateMachineOutcome(transitions, detectedAt, { calls, invocations, lambdaSeconds });
  for (;;) {
    invocations += 1;
    try {
      poll = await waitAvailable(
        { elastiCache: elastiCache as never, logger: silentLog, clock },
        stateFor(settings, poll),
      );
    } catch (err) {
      if (err instanceof Error && err.name === 'ProvisioningTimedOut') {
        return spent(undefined);
      }
      throw err;
    }
    if (Math.abs(poll.ElapsedSeconds - now) > 1e-6) {
      throw new Error(`ElapsedSeconds ${poll.ElapsedSeconds} differs from the simulated clock ${now}`);
    }
    if (poll.Available) {
      return spent(now);
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
  overhead: Overhead;
  distribution?: CreateDistribution;
  samples?: number;
  seed?: number;
}

export interface DurationResult {
  createMinutes: number;
  schedules: ScheduleSummary[];
  ours: ScheduleSummary;
  /** The plain loop given the best initial wait: the cheapest reference costed in full. */
  plain: ScheduleSummary;
  /** The reference with the fewest calls among those meeting the latency goal, given the best initial wait. */
  fewestCalls: ScheduleSummary;
  goals: PollingGoals;
  /** Samples where the pure re-implementation disagreed with the real core (must be 0). */
  mismatches: number;
}

export const COST_GOAL = 0.25;
export const LATENCY_GOAL_SECONDS = 10;

/** The reference schedules get a limit no create reaches: they stand for a polling pattern, not a time limit. */
export const REFERENCE_LIMIT_SECONDS = 3 * 3600;

/** The tools people use instead, as they run by default (`initialWait` 0) or after a first wait. */
export function referenceSchedules(initialWait = 0, limitSeconds = REFERENCE_LIMIT_SECONDS): Schedule[] {
  return [
    sdkWaiter(limitSeconds, initialWait),
    fixedInterval(
      `terraform${waitSuffix(initialWait)}`,
      `Terraform (30 s delay, then every 10 s)${waitLabel(initialWait)}`,
      Math.max(30, initialWait),
      10,
      limitSeconds,
      'runs on a CI runner, outside AWS',
    ),
    fixedInterval(
      `ack${waitSuffix(initialWait)}`,
      `Kubernetes ACK controller (every 30 s)${waitLabel(initialWait)}`,
      Math.max(30, initialWait),
      30,
      limitSeconds,
      'runs in a Kubernetes cluster, outside Step Functions and Lambda',
    ),
    plainLoop(10, limitSeconds, initialWait),
  ];
}

export interface PollingGoals {
  latency: boolean;
  /** Ours against the reference with the fewest calls that meets the latency goal (best initial wait). */
  callsVsBest: number;
  fewerCalls: boolean;
  /** Ours against the plain loop with the best initial wait. */
  costVsPlain: number;
  cost: boolean;
}

export function goalsOf(
  ours: ScheduleSummary,
  plain: ScheduleSummary,
  fewestCalls: ScheduleSummary,
): PollingGoals {
  const costVsPlain = ours.cost / plain.cost;
  return {
    latency: ours.latencyP95 <= LATENCY_GOAL_SECONDS,
    callsVsBest: ours.calls / fewestCalls.calls,
    fewerCalls: ours.calls < fewestCalls.calls,
    costVsPlain,
    cost: costVsPlain <= COST_GOAL,
  };
}

/** Initial waits tried when looking for the best one. */
export const INITIAL_WAIT_STEP = 30;

/**
 * The best initial wait for a 10 s cadence under a distribution: the longest first Wait (a multiple of
 * INITIAL_WAIT_STEP) at which the plain loop still notices 95 % of the creates of every duration within
 * the latency goal. Every 10 s schedule, ours included, notices the same creates at the same checks.
 */
export function bestInitialWait(samples: readonly (readonly number[])[], overhead: Overhead): number {
  let best = 0;
  for (let wait = INITIAL_WAIT_STEP; wait <= 3600; wait += INITIAL_WAIT_STEP) {
    const schedule = plainLoop(10, REFERENCE_LIMIT_SECONDS, wait);
    const meets = samples.every((availableAt, i) => {
      const outcomes = availableAt.map((at) => schedule.simulate(at, Math.random));
      const summary = summarise(schedule, wait, CREATE_MINUTES[i] ?? 0, availableAt, outcomes, 128, overhead);
      return summary.latencyP95 <= LATENCY_GOAL_SECONDS;
    });
    if (!meets) break;
    best = wait;
  }
  return best;
}

function samplesFor(options: EconomicsOptions, distribution: CreateDistribution): number[][] {
  const count = options.samples ?? SAMPLES_PER_DURATION;
  const seed = options.seed ?? 20_240_601;
  return CREATE_MINUTES.map((minutes, index) => createSamples(distribution, minutes, count, seed + index));
}

async function ourSummaries(
  options: EconomicsOptions,
  runs: { id: string; label: string; settings: PollingSettings }[],
  minutes: number,
  availableAt: readonly number[],
): Promise<{ summaries: ScheduleSummary[]; mismatches: number }> {
  let mismatches = 0;
  const summaries: ScheduleSummary[] = [];
  for (const run of runs) {
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
    summaries.push(
      summarise(
        { id: run.id, label: run.label, costedFully: true },
        run.settings.InitialWaitSeconds,
        minutes,
        availableAt,
        outcomes,
        options.memoryMb,
        options.overhead,
      ),
    );
  }
  return { summaries, mismatches };
}

function referenceSummaries(
  options: EconomicsOptions,
  initialWait: number,
  minutes: number,
  index: number,
  availableAt: readonly number[],
): ScheduleSummary[] {
  const seed = options.seed ?? 20_240_601;
  return referenceSchedules(initialWait).map((schedule, i) => {
    const random = seededRandom(seed * 31 + index * 7 + i);
    const outcomes = availableAt.map((at) => schedule.simulate(at, random));
    return summarise(
      schedule,
      initialWait,
      minutes,
      availableAt,
      outcomes,
      options.memoryMb,
      options.overhead,
    );
  });
}

/** The references at the best initial wait: the plain loop, and the one with the fewest calls in the goal. */
function bestReferences(withWait: readonly ScheduleSummary[]): {
  plain: ScheduleSummary;
  fewestCalls: ScheduleSummary;
} {
  const plain = withWait.find((s) => s.schedule.startsWith('plain')) as ScheduleSummary;
  const inGoal = withWait.filter((s) => s.latencyP95 <= LATENCY_GOAL_SECONDS);
  const fewestCalls = [...(inGoal.length > 0 ? inGoal : withWait)].sort(
    (a, b) => a.calls - b.calls,
  )[0] as ScheduleSummary;
  return { plain, fewestCalls };
}

export interface EconomicsResult {
  distribution: string;
  /** The best initial wait every reference is also given (and ours, as a variant). */
  bestInitialWait: number;
  durations: DurationResult[];
}

/**
 * The main comparison under the assumed distribution: ours (the defaults, the variants, and the defaults
 * with the best initial wait) next to every reference as it runs and with the best initial wait.
 */
export async function pollingEconomics(options: EconomicsOptions): Promise<EconomicsResult> {
  const distribution = options.distribution ?? ASSUMED_DISTRIBUTION;
  const samples = samplesFor(options, distribution);
  const wait = bestInitialWait(samples, options.overhead);
  const runs = [
    { id: 'ours', label: 'ours: POLLING_DEFAULTS', settings: options.settings },
    ...(options.variants ?? []),
    ...(wait !== options.settings.InitialWaitSeconds
      ? [
          {
            id: `ours${waitSuffix(wait)}`,
            label: `ours: POLLING_DEFAULTS${waitLabel(wait)}`,
            settings: { ...options.settings, InitialWaitSeconds: wait },
          },
        ]
      : []),
  ];
  const durations: DurationResult[] = [];
  for (const [index, minutes] of CREATE_MINUTES.entries()) {
    const availableAt = samples[index] ?? [];
    const { summaries, mismatches } = await ourSummaries(options, runs, minutes, availableAt);
    const asTheyRun = referenceSummaries(options, 0, minutes, index, availableAt);
    const withWait = referenceSummaries(options, wait, minutes, index, availableAt);
    const ours = summaries[0] as ScheduleSummary;
    const { plain, fewestCalls } = bestReferences(withWait);
    durations.push({
      createMinutes: minutes,
      schedules: [...summaries, ...asTheyRun, ...withWait],
      ours,
      plain,
      fewestCalls,
      goals: goalsOf(ours, plain, fewestCalls),
      mismatches,
    });
  }
  return { distribution: distribution.id, bestInitialWait: wait, durations };
}

export interface SensitivityRow {
  distribution: string;
  label: string;
  assumed: boolean;
  bestInitialWait: number;
  createMinutes: number;
  ours: Pick<ScheduleSummary, 'latencyP95' | 'calls' | 'cost' | 'timedOut'>;
  plain: Pick<ScheduleSummary, 'latencyP95' | 'calls' | 'cost'>;
  goals: PollingGoals;
}

/** Ours (pure copy, checked against the core above) against the best references under every distribution. */
export function sensitivity(options: EconomicsOptions): SensitivityRow[] {
  const rows: SensitivityRow[] = [];
  for (const distribution of CREATE_DISTRIBUTIONS) {
    const samples = samplesFor(options, distribution);
    const wait = bestInitialWait(samples, options.overhead);
    const ours = ourSchedule(options.settings, options.transitions);
    for (const [index, minutes] of CREATE_MINUTES.entries()) {
      const availableAt = samples[index] ?? [];
      const outcomes = availableAt.map((at) => ours.simulate(at, Math.random));
      const summary = summarise(
        ours,
        options.settings.InitialWaitSeconds,
        minutes,
        availableAt,
        outcomes,
        options.memoryMb,
        options.overhead,
      );
      const { plain, fewestCalls } = bestReferences(
        referenceSummaries(options, wait, minutes, index, availableAt),
      );
      rows.push({
        distribution: distribution.id,
        label: distribution.label,
        assumed: distribution.assumed,
        bestInitialWait: wait,
        createMinutes: minutes,
        ours: {
          latencyP95: summary.latencyP95,
          calls: summary.calls,
          cost: summary.cost,
          timedOut: summary.timedOut,
        },
        plain: { latencyP95: plain.latencyP95, calls: plain.calls, cost: plain.cost },
        goals: goalsOf(summary, plain, fewestCalls),
      });
    }
  }
  return rows;
}

export interface FrontierPoint {
  settings: PollingSettings;
  memoryMb: number;
  /** Worst p95 detection latency over the create durations. */
  worstP95: number;
  /** Mean cost per create over the four durations (equal weight). */
  meanCost: number;
  /** Worst ratio to the plain 10 s loop given the best initial wait, over the durations. */
  worstCostVsPlain: number;
  /** True when calls are below the best reference's (best initial wait) at every duration. */
  fewerCalls: boolean;
  meetsGoals: boolean;
  isDefault: boolean;
  /** Pareto-optimal on (worst p95, mean cost) among all points. */
  onFrontier: boolean;
}

export const FRONTIER_GRID = {
  CheckIntervalSeconds: [2, 3, 5, 7, 10, 15, 20, 30],
  ChecksPerInvocation: [1, 6, 15, 30, 60],
  InitialWaitSeconds: [0, 60, 120, 150, 180, 240],
  memoryMb: [128, 256, 512, 1024],
} as const;

/**
 * Every combination of the grid (WaitSeconds follows CheckIntervalSeconds so the spacing stays even, the
 * default's choice) under the assumed distribution; Pareto frontier on (worst p95 latency, mean cost).
 */
export function frontier(options: EconomicsOptions, economics: EconomicsResult): FrontierPoint[] {
  const samples = samplesFor(options, ASSUMED_DISTRIBUTION);
  const durations = economics.durations;
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
        summarise(
          schedule,
          settings.InitialWaitSeconds,
          CREATE_MINUTES[i] ?? 0,
          samples[i] ?? [],
          outcomes,
          memoryMb,
          options.overhead,
        ),
      );
      const worstP95 = Math.max(...summaries.map((s) => s.latencyP95));
      const meanCost = mean(summaries.map((s) => s.cost));
      const worstCostVsPlain = Math.max(
        ...summaries.map((s, i) => s.cost / (durations[i]?.plain.cost ?? Number.NaN)),
      );
      const fewerCalls = summaries.every((s, i) => s.calls < (durations[i]?.fewestCalls.calls ?? 0));
      points.push({
        settings,
        memoryMb,
        worstP95,
        meanCost,
        worstCostVsPlain,
        fewerCalls,
        meetsGoals: worstP95 <= LATENCY_GOAL_SECONDS && worstCostVsPlain <= COST_GOAL && fewerCalls,
        isDefault: isSame(settings, options.settings) && memoryMb === options.memoryMb,
        onFrontier: false,
      });
    }
  }
  const dominates = (other: FrontierPoint, point: FrontierPoint) =>
    other !== point &&
    other.worstP95 <= point.worstP95 &&
    other.meanCost <= point.meanCost &&
    (other.worstP95 < point.worstP95 || other.meanCost < point.meanCost);
  for (const point of points) point.onFrontier = !points.some((other) => dominates(other, point));
  return points;
}
