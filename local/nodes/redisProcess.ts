import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NodeStartFailed } from './errors';
import { findExecutable } from './executables';

const READY_LINE = 'Ready to accept connections';
const START_TIMEOUT_MS = 15_000;
const OUTPUT_LINES_KEPT = 30;

/** Children still running and directories still to remove, for the synchronous exit hook. */
const liveChildren = new Set<ChildProcess>();
const liveDirectories = new Set<string>();
let exitHooksInstalled = false;

function killEverythingNow(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  liveChildren.clear();
  for (const dir of liveDirectories) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  liveDirectories.clear();
}

function onTerminatingSignal(signal: NodeJS.Signals): void {
  killEverythingNow();
  // Keep the default "terminate" behaviour unless the host installed its own handler.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onTerminatingSignal);
    process.kill(process.pid, signal);
  }
}

/** A parent that exits or is interrupted takes its redis-server children with it. */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killEverythingNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onTerminatingSignal);
}

export function trackDirectory(dir: string): void {
  installExitHooks();
  liveDirectories.add(dir);
}

export function untrackDirectory(dir: string): void {
  liveDirectories.delete(dir);
}

/** A value for redis.conf: quoted so paths with spaces and arbitrary passwords survive parsing. */
export function configValue(value: string): string {
  let quoted = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') quoted += `\\${char}`;
    else if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, '0')}`;
    else quoted += char;
  }
  return `${quoted}"`;
}

// Kills redis-server when the thread that spawned it dies without running any handler
// (SIGKILL, OOM killer); spawning happens on the event-loop thread.
const setpriv = findExecutable('setpriv');

export class RedisServerProcess {
  readonly exited: Promise<void>;
  private readonly output: string[] = [];
  private hasExited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    this.exited = new Promise((resolve) => {
      const gone = () => {
        this.hasExited = true;
        liveChildren.delete(child);
        resolve();
      };
      child.once('exit', gone);
      // A binary that cannot be executed emits 'error' and never 'exit'.
      child.once('error', () => {
        if (child.pid === undefined) gone();
      });
    });
    let partial = '';
    const collect = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      this.output.push(...lines);
      if (this.output.length > OUTPUT_LINES_KEPT)
        this.output.splice(0, this.output.length - OUTPUT_LINES_KEPT);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines redis-server printed, for error messages (they never contain passwords). */
  get recentOutput(): string {
    return this.output.join('\n');
  }

  /**
   * Writes `redis.conf` into `dir` and starts redis-server on it. Resolves once it accepts
   * connections; rejects with its output if it exits first.
   */
  static async launch(options: {
    redisServerPath: string;
    dir: string;
    name: string;
    configLines: string[];
  }): Promise<RedisServerProcess> {
    installExitHooks();
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const configPath = path.join(options.dir, 'redis.conf');
    // The file holds the internal user's password: owner-only.
    await writeFile(configPath, `${options.configLines.join('\n')}\n`, { mode: 0o600 });
    const [command, args] = setpriv
      ? [setpriv, ['--pdeathsig', 'KILL', options.redisServerPath, configPath]]
      : [options.redisServerPath, [configPath]];
    const child = spawn(command, args, {
      cwd: options.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    });
    liveChildren.add(child);
    const node = new RedisServerProcess(child, options.name);
    await node.waitReady();
    return node;
  }

  /** Rejects with the node's output when its port was taken by someone else meanwhile. */
  static isAddressInUse(err: unknown): boolean {
    return err instanceof NodeStartFailed && /Address already in use/i.test(err.message);
  }

  private waitReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.child.kill('SIGKILL');
        reject(new NodeStartFailed(`${this.name} did not start in time:\n${this.recentOutput}`));
      }, START_TIMEOUT_MS);
      const onData = () => {
        if (this.output.some((line) => line.includes(READY_LINE))) {
          cleanup();
          resolve();
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(
          new NodeStartFailed(
            `${this.name} exited during start (${signal ?? `code ${code}`}):\n${this.recentOutput}`,
          ),
        );
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new NodeStartFailed(`${this.name} could not be started: ${err.message}`, { cause: err }));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.off('exit', onExit);
        this.child.off('error', onError);
      };
      // Registered after the collector, so the line is already in `output` when this runs.
      this.child.stdout?.on('data', onData);
      this.child.once('exit', onExit);
      this.child.once('error', onError);
    });
  }

  /** SIGTERM (configured as an immediate shutdown without saving), SIGKILL if it lingers. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.hasExited) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}
