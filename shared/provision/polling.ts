import { ProvisioningTimedOut } from '../errors';
import type { PollingSettings, StatusChecks } from './state';

/**
 * Default availability schedule. A replication group is never available within its first minutes, so the
 * first check waits (a Wait state's duration is free); from then on one invocation keeps checking every
 * CheckIntervalSeconds for up to ten minutes, which notices availability within seconds at a fraction of
 * the state transitions a Wait/check/Choice loop at the same spacing would spend.
 */
export const POLLING_DEFAULTS: PollingSettings = {
  TimeoutMinutes: 60,
  InitialWaitSeconds: 180,
  WaitSeconds: 10,
  ChecksPerInvocation: 60,
  CheckIntervalSeconds: 10,
};

export const POLLING_BOUNDS = {
  TimeoutMinutes: { min: 1, max: 1440 },
  InitialWaitSeconds: { min: 0, max: 3600 },
  WaitSeconds: { min: 1, max: 3600 },
  ChecksPerInvocation: { min: 1, max: 60 },
  CheckIntervalSeconds: { min: 1, max: 300 },
} as const satisfies Record<keyof PollingSettings, { min: number; max: number }>;

/** One checking invocation may not sleep longer than this (the Lambda timeout leaves room above it). */
export const MAX_SECONDS_CHECKING_PER_INVOCATION = 600;

/**
 * How long the users and the user group may stay not `active` before the run gives up with
 * ProvisioningTimedOut. They take seconds when all is well; at the state machine's 5 s waits this also
 * keeps a stuck execution far below Step Functions' 25,000 history events.
 */
export const STATUS_WAIT_LIMIT_MS = 15 * 60 * 1000;

/** This check counted onto the previous ones (none on the first). */
export function countCheck(previous: StatusChecks | undefined, now: number): StatusChecks {
  return { Checks: (previous?.Checks ?? 0) + 1, FirstCheckedAt: previous?.FirstCheckedAt ?? now };
}

/** Ends the run with ProvisioningTimedOut once what is awaited has not become active within STATUS_WAIT_LIMIT_MS. */
export function giveUpAfterStatusWaitLimit(
  active: boolean,
  checks: StatusChecks,
  now: number,
  describe: (minutes: number) => string,
): void {
  if (active || now - checks.FirstCheckedAt < STATUS_WAIT_LIMIT_MS) return;
  throw new ProvisioningTimedOut(describe(Math.round((now - checks.FirstCheckedAt) / 60_000)));
}

/** The provisioning state machine's own TimeoutSeconds (statemachines/provision.asl.json). */
export const EXECUTION_TIMEOUT_SECONDS = 90_000;
/** Step Functions ends an execution that reaches this many history events, and nothing can catch it. */
export const HISTORY_EVENTS_LIMIT = 25_000;
/** Wait (2) + checking Task (5) + Choice (2): the events one turn of the availability loop adds. */
export const EVENTS_PER_CHECKING_TURN = 9;
/** The users' and the user group's 5 s loops, each at its STATUS_WAIT_LIMIT_MS, plus the straight path and retries. */
export const EVENTS_BEFORE_POLLING = 2 * (STATUS_WAIT_LIMIT_MS / 5_000 + 1) * EVENTS_PER_CHECKING_TURN + 500;
/** Time outside the availability loop: the users' and the group's waits at their limit, and the calls around them. */
export const SECONDS_BEFORE_POLLING = (2 * STATUS_WAIT_LIMIT_MS) / 1000 + 600;

/**
 * Why these settings could run an execution past Step Functions' history limit or the state
 * machine's timeout (neither can be caught, so no answer and no result event would go out), or
 * undefined when they cannot.
 */
export function pollingLimitProblem(settings: PollingSettings): string | undefined {
  const limit = settings.TimeoutMinutes * 60;
  const perTurn = settings.WaitSeconds + (settings.ChecksPerInvocation - 1) * settings.CheckIntervalSeconds;
  const turns = Math.ceil(Math.max(0, limit - settings.InitialWaitSeconds) / perTurn) + 1;
  const events = EVENTS_BEFORE_POLLING + turns * EVENTS_PER_CHECKING_TURN;
  if (events > HISTORY_EVENTS_LIMIT) {
    return `TimeoutMinutes ${settings.TimeoutMinutes} at one checking invocation every ${perTurn} s (WaitSeconds + (ChecksPerInvocation - 1) x CheckIntervalSeconds) makes up to ${turns} invocations, about ${events} history events; an execution holds at most ${HISTORY_EVENTS_LIMIT}: raise WaitSeconds or ChecksPerInvocation, or lower TimeoutMinutes`;
  }
  const longest = SECONDS_BEFORE_POLLING + limit + MAX_SECONDS_CHECKING_PER_INVOCATION;
  if (longest > EXECUTION_TIMEOUT_SECONDS) {
    return `TimeoutMinutes ${settings.TimeoutMinutes} lets an execution run up to ${longest} s with the users' and the group's waits; the state machine stops every execution at ${EXECUTION_TIMEOUT_SECONDS} s: lower TimeoutMinutes to at most ${Math.floor((EXECUTION_TIMEOUT_SECONDS - SECONDS_BEFORE_POLLING - MAX_SECONDS_CHECKING_PER_INVOCATION) / 60)}`;
  }
  return undefined;
}
