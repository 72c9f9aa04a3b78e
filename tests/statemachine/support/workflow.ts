/**
 * The provisioning state machine with every Task on its real handler, AWS faked at the SDK, and no
 * waiting anywhere: Wait states and retry backoffs take 0 ms, the handlers' own sleeps are scaled to 0.
 * Only for what the stand-in cannot do on demand (an exact sequence of AWS errors); everything else
 * runs on the stand-in (standIn.ts).
 */
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

export { FAST_POLLING, readJson, request, statesEntered } from './inputs';
