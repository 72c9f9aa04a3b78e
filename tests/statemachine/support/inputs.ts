/** Requests, fixtures and run summaries shared by the state machine tests, faked or on the stand-in. */
import type { RunResult } from '../../../local/workflow';
import { readJson } from '../../support/fixtures';

export { readJson };

/** A request from the repository's examples (events/), with a short polling schedule. */
export function request(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...readJson(`events/${name}`), Polling: FAST_POLLING, ...extra };
}

export const FAST_POLLING = {
  TimeoutMinutes: 5,
  InitialWaitSeconds: 60,
  WaitSeconds: 30,
  ChecksPerInvocation: 2,
  CheckIntervalSeconds: 10,
};

/** The names of the states entered, in order. */
export function statesEntered(result: RunResult): string[] {
  return result.events.filter((event) => event.type === 'StateEntered').map((event) => event.state);
}

/** The errors a state was retried on, in order. */
export function retriesOf(result: RunResult, state: string): string[] {
  return result.events
    .filter((event) => event.type === 'StateRetried' && event.state === state)
    .map((event) => event.error ?? '');
}
