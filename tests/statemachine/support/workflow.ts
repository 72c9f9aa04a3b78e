import { vi } from 'vitest';
import { createLocalWorkflow, type LocalWorkflow, type RunResult } from '../../../local/workflow';
import { FakeAws } from './fakeAws';

process.env.PROVISIONER_TIME_SCALE = '0';
process.env.AWS_REGION ??= 'us-east-1';

export const aws = new FakeAws();

let workflow: LocalWorkflow | undefined;

export function provisioningWorkflow(): LocalWorkflow {
  workflow ??= createLocalWorkflow({ waitTimeOverrides: 0, retryIntervalOverrides: 0 });
  return workflow;
}

export interface Execution extends RunResult {
  /** What the functions wrote (their structured logs) during the run. */
  logs: string;
}

/** Runs the workflow; the functions' logs (stdout and stderr) are captured instead of printed. */
export async function execute(input: unknown): Promise<Execution> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const result = await provisioningWorkflow().run(input);
    return { ...result, logs: chunks.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

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
