/** Running `npm run provision` as a user does: its own process, through tsx. */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnCollecting } from '../../local/support/processes';

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `provision` process and what it printed so far. */
export interface CliProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<CliExit>;
  startedAt: number;
}

const running = new Set<ChildProcess>();

/** The same entry point `npm run provision` runs (tsx local/cli/provision.ts). */
export function startCli(args: string[]): CliProcess {
  const startedAt = performance.now();
  const run = spawnCollecting(process.execPath, ['--import', 'tsx', 'local/cli/provision.ts', ...args], {
    ...process.env,
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
  running.add(run.child);
  void run.exited.then(() => running.delete(run.child));
  return Object.assign(run, { startedAt });
}

export interface CliRun extends CliExit {
  stdout: string;
  stderr: string;
  wallMs: number;
}

export async function runCli(args: string[]): Promise<CliRun> {
  const cli = startCli(args);
  const exit = await cli.exited;
  return {
    ...exit,
    stdout: cli.stdout,
    stderr: cli.stderr,
    wallMs: Math.round(performance.now() - cli.startedAt),
  };
}

/** Resolves once `check` accepts what the process printed; rejects if it exits or the time is up first. */
export async function waitForOutput(
  cli: CliProcess,
  check: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  let exit: CliExit | undefined;
  void cli.exited.then((value) => {
    exit = value;
  });
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (exit) throw new Error(`provision exited (${JSON.stringify(exit)}) first; stderr:\n${cli.stderr}`);
    if (Date.now() > deadline) throw new Error(`Timed out waiting for provision; stderr:\n${cli.stderr}`);
    await sleep(20);
  }
}

/** Test teardown: a process a failed test left running is killed (its nodes die with it). */
export function killLeftoverCliProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
}

export function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
