/** Running `npm run provision` as a user does: its own process, through tsx. */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './local';

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
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/cli/provision.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<CliExit>((resolve) => {
    // 'close' rather than 'exit': both pipes are drained by then.
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    startedAt: performance.now(),
  };
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
