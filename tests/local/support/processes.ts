/** Commands run as a user runs them (through npm, in their own process group), and what they leave behind. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface NpmRun {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** A child process with its stdout and stderr collected as they come. */
export function spawnCollecting(command: string, args: string[], env: NodeJS.ProcessEnv): NpmRun {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
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
  };
}

/** `npm run --silent <script> -- <args>`, stdout and stderr collected. */
export function npmRun(script: string, args: string[], env: NodeJS.ProcessEnv = {}): NpmRun {
  return spawnCollecting('npm', ['run', '--silent', script, '--', ...args], { ...process.env, ...env });
}

/** Resolves once `check` holds; rejects when the run exits or the time is up first. */
export async function until(run: NpmRun, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  let exited = false;
  void run.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (exited) throw new Error(`exited first; stderr:\n${run.stderr}`);
    if (Date.now() > deadline) throw new Error(`timed out; stderr:\n${run.stderr}`);
    await sleep(50);
  }
}

/** The process and all its descendants, with their command names. */
export function processTree(root: number): { pid: number; command: string }[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, ppid, command]) => ({ pid: Number(pid), ppid: Number(ppid), command: command ?? '' }));
  const tree: { pid: number; command: string }[] = [];
  const visit = (pid: number) => {
    for (const entry of table.filter((candidate) => candidate.ppid === pid)) {
      tree.push({ pid: entry.pid, command: entry.command });
      visit(entry.pid);
    }
  };
  const self = table.find((entry) => entry.pid === root);
  if (self) tree.push({ pid: root, command: self.command });
  visit(root);
  return tree;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !isZombie(pid);
function isZombie(pid: number): boolean {
  try {
    return / Z /.test(
      execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).replace(/^\d+ \(.*\)/, ''),
    );
  } catch {
    return true;
  }
}

/** What of `processes` and `directories` still exists a few seconds after a stop. */
export async function leftovers(
  processes: { pid: number; command: string }[],
  directories: string[],
  graceMs = 5000,
): Promise<{ processes: string[]; directories: string[] }> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = {
      processes: processes.filter(({ pid }) => alive(pid)).map(({ pid, command }) => `${command} (${pid})`),
      directories: directories.filter((dir) => existsSync(dir)),
    };
    if ((left.processes.length === 0 && left.directories.length === 0) || Date.now() > deadline) return left;
    await sleep(100);
  }
}

/** Test teardown: anything a failed test left running (their children stop when they go). */
export function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
}
