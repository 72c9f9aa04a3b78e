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
