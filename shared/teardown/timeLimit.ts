/**
 * The teardown's time limit, for the group's deletion and then for its user groups'. The Wait states
 * alone undercount the time passed: each check, and every retry of a failed one, takes time of its own.
 * So the limit counts the larger of the scheduled time and the time since the first check, as the
 * provisioning limit counts from the execution's start.
 */
import type { TeardownPolling, TimedChecks } from './types';

/** Whether the next wait would pass the time limit. */
export function pastTimeLimit(polling: TeardownPolling, checks: TimedChecks, now: number): boolean {
  const real = checks.StartedAt === undefined ? 0 : Math.max(0, Math.floor((now - checks.StartedAt) / 1000));
  return Math.max(checks.ElapsedSeconds, real) + polling.WaitSeconds > polling.TimeoutMinutes * 60;
}
