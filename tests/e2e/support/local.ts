/**
 * Provisioning a fixture request locally, end to end: the stand-in with real redis-server nodes,
 * the deployed state machine definition and the real handlers, in this process.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LocalEnvironment, startLocalEnvironment } from '../../../local/environment';
import type { NodeBackendGroup, NodeBackendMember } from '../../../local/nodes';
import type { RunResult } from '../../../local/workflow';
import type { ProvisioningResult } from '../../../shared/provision/state';
import { readJson } from '../../support/fixtures';
import {
  isRunning,
  portsAccepting,
  processesWorkingUnder,
  redisServerProcesses,
  requireRedisServer,
  workingDirectoryOf,
} from '../../support/processes';

export * from '../../support/processes';

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/e2e/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface FixtureRequest {
  ReplicationGroupId: string;
  [field: string]: unknown;
}

export function readFixture(name: string): FixtureRequest {
  return readJson<FixtureRequest>(`tests/fixtures/e2e/${name}`);
}

export interface ProvisioningTimings {
  /** Stand-in up and SDK pointed at it. */
  environmentMs: number;
  /** Importing the runner and building the state machine. */
  workflowLoadMs: number;
  /** The execution itself, first state to `available` (RunResult.durationMs). */
  runMs: number;
  /** From before the environment started to the result in hand. */
  wallMs: number;
}

export interface LocalProvisioning {
  env: LocalEnvironment;
  result: ProvisioningResult;
  run: RunResult;
  timings: ProvisioningTimings;
}

/**
 * Starts one local environment (one per test file: the handlers' SDK clients keep the first
 * endpoint they see) and runs the fixture through the state machine until it is available.
 */
export async function provisionLocally(fixture: string): Promise<LocalProvisioning> {
  requireRedisServer();
  const request = readFixture(fixture);
  const started = performance.now();
  const env = await startLocalEnvironment({ nodes: 'real' });
  try {
    const environmentReady = performance.now();
    // Imported only now, so the handlers' SDK clients are built against the local endpoints.
    const { createLocalWorkflow } = await import('../../../local/workflow');
    // The Wait and retry spacing `npm run provision` uses.
    const workflow = createLocalWorkflow({ waitTimeOverrides: 50, retryIntervalOverrides: 50 });
    const workflowReady = performance.now();
    const run = await workflow.run(request);
    const finished = performance.now();
    if (run.status !== 'SUCCEEDED') {
      throw new Error(`${fixture} did not provision: ${run.error?.Error}: ${run.error?.Cause}`);
    }
    return {
      env,
      result: run.output as ProvisioningResult,
      run,
      timings: {
        environmentMs: Math.round(environmentReady - started),
        workflowLoadMs: Math.round(workflowReady - environmentReady),
        runMs: run.durationMs,
        wallMs: Math.round(finished - started),
      },
    };
  } catch (err) {
    await env.close();
    throw err;
  }
}

/** Milliseconds into the run at which `state` was first entered. */
function enteredAt(run: RunResult, state: (name: string) => boolean): number | undefined {
  return run.events.find((event) => event.type === 'StateEntered' && state(event.state))?.elapsedMs;
}

export function reportTimings(shape: string, provisioning: LocalProvisioning | undefined): void {
  if (!provisioning) return;
  const { timings, run } = provisioning;
  const created = enteredAt(run, (name) => name.startsWith('CreateClusterMode'));
  const succeeded = enteredAt(run, (name) => name === 'ProvisioningSucceeded');
  console.info(
    `[e2e timing] ${shape}: available after ${timings.wallMs} ms wall ` +
      `(environment ${timings.environmentMs} ms, workflow load ${timings.workflowLoadMs} ms, ` +
      `run ${timings.runMs} ms: users and group until ${created} ms, ` +
      `replication group ${created !== undefined && succeeded !== undefined ? succeeded - created : '?'} ms; ` +
      `${run.transitions} state transitions)`,
  );
}

/** What the node backend started for a replication group, as the stand-in describes it. */
export function nodesOf(env: LocalEnvironment, replicationGroupId: string): NodeBackendGroup {
  const nodes = env.standIn.state.replicationGroups.get(replicationGroupId)?.nodes;
  if (!nodes) throw new Error(`The stand-in runs no nodes for ${replicationGroupId}`);
  return nodes;
}

export function membersOf(nodes: NodeBackendGroup): NodeBackendMember[] {
  return nodes.nodeGroups.flatMap((nodeGroup) => nodeGroup.members);
}

/** The ports, processes and working directory of a running group, to check after teardown. */
export interface NodeFootprint {
  ports: number[];
  pids: number[];
  /** The group's directory (each node works in a subdirectory of it). */
  workDir: string;
}

export function footprintOf(nodes: NodeBackendGroup): NodeFootprint {
  const ports = membersOf(nodes).map((member) => member.port);
  const pids = redisServerProcesses(ports);
  const nodeDirs = pids.map(workingDirectoryOf).filter((dir): dir is string => dir !== undefined);
  const workDirs = [...new Set(nodeDirs.map((dir) => path.dirname(dir)))];
  const [workDir] = workDirs;
  if (workDirs.length !== 1 || !workDir) {
    throw new Error(
      `Expected the nodes to share one group directory, found ${workDirs.join(', ') || 'none'}`,
    );
  }
  return { ports, pids, workDir };
}

export interface Leftovers {
  portsAccepting: number[];
  processes: number[];
  workDirExists: boolean;
}

export async function leftoversOf(footprint: NodeFootprint): Promise<Leftovers> {
  return {
    portsAccepting: await portsAccepting(footprint.ports),
    processes: [
      ...new Set([
        ...footprint.pids,
        ...redisServerProcesses(footprint.ports),
        ...processesWorkingUnder(footprint.workDir),
      ]),
    ].filter(isRunning),
    workDirExists: existsSync(footprint.workDir),
  };
}

/** A clean teardown: nothing listening, running or on disk. */
export const NOTHING_LEFT: Leftovers = { portsAccepting: [], processes: [], workDirExists: false };
