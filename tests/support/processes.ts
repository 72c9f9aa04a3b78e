/**
 * Node processes, ports and directories as the operating system sees them, to prove that what a
 * test started is running, and gone once it is stopped.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { findRedisServer } from '../../local/nodes';

export function requireRedisServer(): void {
  if (!findRedisServer()) {
    throw new Error('These tests need redis-server on the PATH (apt-get install redis-server)');
  }
}

function processIds(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** Process ids of redis-server processes serving any of the ports (redis-server puts its address in its title). */
export function redisServerProcesses(ports: readonly number[]): number[] {
  return processIds().filter((pid) => {
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      return false; // Ended while listing.
    }
    return (
      commandLine.includes('redis-server') &&
      ports.some((port) => new RegExp(`:${port}(\\D|$)`).test(commandLine))
    );
  });
}

/** The working directory of a process, or undefined once it is gone (or belongs to another user). */
export function workingDirectoryOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * Processes whose working directory is `dir` or below it, still found once the directory is deleted
 * (their command line is no help: redis-server rewrites its process title).
 */
export function processesWorkingUnder(dir: string): number[] {
  return processIds().filter((pid) => {
    const cwd = workingDirectoryOf(pid);
    return cwd === dir || cwd?.startsWith(`${dir}/`) || cwd?.startsWith(`${dir} (deleted)`);
  });
}

export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function portsAccepting(ports: readonly number[]): Promise<number[]> {
  const accepting = await Promise.all(ports.map((port) => acceptsConnections(port)));
  return ports.filter((_, index) => accepting[index]);
}

/**
 * Whether the process still runs. A zombie does not: it has ended and waits to be reaped, which an
 * orphan's new parent (PID 1 of a container, say) may do late.
 */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // Fields after the parenthesised command name: state first.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
