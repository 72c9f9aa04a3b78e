/**
 * Availability-check schedules on a simulated clock: no sleeping, every time is in seconds since
 * CreateReplicationGroup returned. Each simulator answers, for one create that becomes available at
 * `availableAt`, when the schedule notices it and what that took (calls, transitions, Lambda time).
 */
import { checksPerInvocation } from '../shared/provision/availability';
import type { PollingSettings } from '../shared/provision/state';

/** What one schedule spent on one create. */
export interface PollOutcome {
  /** Schedule time of the check that saw `available`; undefined when the schedule gave up first. */
  detectedAt: number | undefined;
  /** DescribeReplicationGroups calls. */
  calls: number;
  /** Step Functions state transitions spent on the polling phase (0 for schedules outside Step Functions). */
  transitions: number;
  /** Lambda invocations spent on polling (0 for schedules that run outside Lambda or are costed on calls only). */
  invocations: number;
  /** Billed Lambda seconds (duration, sleeping included) of those invocations. */
  lambdaSeconds: number;
}

/** How many transitions the polling phase of the state machine spends: `initial + perInvocation x invocations`. */
export interface TransitionModel {
  initial: number;
  perInvocation: number;
  /** Where the numbers come from (the ASL run, or the documented fallback). */
  source: string;
}

export interface Schedule {
  id: string;
  label: string;
  /** True when the whole cost (transitions + Lambda) is modelled; false when only the calls are. */
  costedFully: boolean;
  /** Why a schedule is costed on its calls only. */
  costNote?: string;
  simulate(availableAt: number, random: () => number): PollOutcome;
}

/** Time one DescribeReplicationGroups call takes inside a Lambda (billed duration). */
export const DESCRIBE_SECONDS = 0.1;

/** What the state machine's schedule spent on one create; the transitions follow from its invocations. */
export function stateMachineOutcome(
  transitions: TransitionModel,
  detectedAt: number | undefined,
  spent: Pick<PollOutcome, 'calls' | 'invocations' | 'lambdaSeconds'>,
): PollOutcome {
  return {
    detectedAt,
    ...spent,
    transitions: transitions.initial + transitions.perInvocation * spent.invocations,
  };
}

/**
 * Our schedule as a pure function, mirroring shared/provision/availability.ts step by step (the core itself is async
 * and needs a client; economics.ts runs the real core for the default and checks this copy agrees): the
 * first check follows the initial Wait; each invocation makes up to `checksPerInvocation` checks spaced by
 * CheckIntervalSeconds, never sleeping past the time limit; between invocations a Wait of WaitSeconds (also
 * capped at the limit); the limit is checked on the schedule clock after each unsuccessful check.
 */
export function ourSchedule(
  settings: PollingSettings,
  transitions: TransitionModel,
  label = 'ours',
): Schedule {
  const limit = settings.TimeoutMinutes * 60;
  const checks = checksPerInvocation(settings);
  return {
    id: label,
    label,
    costedFully: true,
    simulate(availableAt) {
      let elapsed = settings.InitialWaitSeconds;
      let calls = 0;
      let invocations = 0;
      let lambdaSeconds = 0;
      const done = (detectedAt: number | undefined) =>
        stateMachineOutcome(transitions, detectedAt, { calls, invocations, lambdaSeconds });
      for (;;) {
        invocations += 1;
        for (let check = 1; ; check += 1) {
          calls += 1;
          lambdaSeconds += DESCRIBE_SECONDS;
          if (elapsed >= availableAt) return done(elapsed);
          const remaining = limit - elapsed;
          if (remaining <= 0) return done(undefined);
          if (check >= checks) {
            elapsed += Math.min(settings.WaitSeconds, remaining);
            break;
          }
          const sleep = Math.min(settings.CheckIntervalSeconds, remaining);
          lambdaSeconds += sleep;
          elapsed += sleep;
        }
      }
    },
  };
}

/**
 * A Wait -> Lambda check -> Choice loop: 3 transitions and one short invocation per check. The first Wait
 * lasts `initialWait` seconds when given (the same free head start our schedule takes), else one interval.
 */
export function plainLoop(
  intervalSeconds: number,
  limitSeconds: number,
  initialWait = 0,
  invocationSeconds = DESCRIBE_SECONDS,
): Schedule {
  return {
    id: `plain-${intervalSeconds}s${waitSuffix(initialWait)}`,
    label: `plain ${intervalSeconds} s Wait/check/Choice loop${waitLabel(initialWait)}`,
    costedFully: true,
    simulate(availableAt) {
      let t = initialWait > 0 ? initialWait : intervalSeconds;
      let polls = 0;
      for (;;) {
        polls += 1;
        if (t >= availableAt || t >= limitSeconds) {
          return {
            detectedAt: t >= availableAt ? t : undefined,
            calls: polls,
            transitions: 3 * polls,
            invocations: polls,
            lambdaSeconds: polls * invocationSeconds,
          };
        }
        t += intervalSeconds;
      }
    },
  };
}

/** Id and label suffixes of a baseline given an initial wait. */
export const waitSuffix = (initialWait: number) => (initialWait > 0 ? `-wait-${initialWait}s` : '');
export const waitLabel = (initialWait: number) =>
  initialWait > 0 ? `, first check after ${initialWait} s` : '';

/** Checks at fixed times: `firstAt`, then every `every` seconds (Terraform's StateChangeConf, ACK's requeue). */
export function fixedInterval(
  id: string,
  label: string,
  firstAt: number,
  every: number,
  limit: number,
  costNote: string,
): Schedule {
  return {
    id,
    label,
    costedFully: false,
    costNote,
    simulate: (availableAt) => pollCallsOnly(availableAt, limit, firstAt, (t) => t + every),
  };
}

/**
 * The SDK's `waitUntilReplicationGroupAvailable` (minDelay 15 s, maxDelay 120 s). Same formula as
 * @smithy/core's util-waiter `exponentialBackoffWithJitter`: the first check is immediate; before attempt n
 * (n >= 1) it waits a uniform random delay in [minDelay, min(maxDelay, minDelay x 2^(n-1))], and exactly
 * maxDelay once n exceeds log2(maxDelay / minDelay) + 1. With `initialWait`, the caller sleeps that long
 * before starting the waiter.
 */
export function sdkWaiter(limit: number, initialWait = 0, minDelay = 15, maxDelay = 120): Schedule {
  return {
    id: `sdk-waiter${waitSuffix(initialWait)}`,
    label: `SDK waitUntilReplicationGroupAvailable (${minDelay}-${maxDelay} s)${waitLabel(initialWait)}`,
    costedFully: false,
    costNote: 'runs inside a Lambda: its sleeping is not costed here (and a Lambda stops at 15 minutes)',
    simulate: (availableAt, random) =>
      pollCallsOnly(
        availableAt,
        limit,
        initialWait,
        (t, attempt) => t + waiterDelay(minDelay, maxDelay, attempt, random),
      ),
  };
}

/**
 * A schedule costed on its calls only: a check at `first`, then one at each time `next` gives (after the
 * `attempt`-th check), until a check sees the group available or the limit is reached.
 */
function pollCallsOnly(
  availableAt: number,
  limit: number,
  first: number,
  next: (t: number, attempt: number) => number,
): PollOutcome {
  let t = first;
  for (let calls = 1; ; calls += 1) {
    if (t >= availableAt || t >= limit) {
      const detectedAt = t >= availableAt ? t : undefined;
      return { detectedAt, calls, transitions: 0, invocations: 0, lambdaSeconds: 0 };
    }
    t = next(t, calls);
  }
}

export function waiterDelay(
  minDelay: number,
  maxDelay: number,
  attempt: number,
  random: () => number,
): number {
  const attemptCeiling = Math.log(maxDelay / minDelay) / Math.log(2) + 1;
  if (attempt > attemptCeiling) return maxDelay;
  const capped = Math.min(minDelay * 2 ** (attempt - 1), maxDelay);
  return minDelay + random() * (capped - minDelay);
}
