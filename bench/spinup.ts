/**
 * Section 4: local spin-up with real redis-server nodes. The same path as `npm run provision`: the local
 * environment (stand-in + redis-server backend), the local workflow runner with the real handlers, and the
 * same overrides (Wait states 50 ms, retry intervals 50 ms, handler sleeps scaled by 0.01). Each shape runs
 * ROUNDS times, shapes interleaved; the time is the execution's, from start to `available`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childMain, runChildOr } from './child';

const PROVISION_CLI = fileURLToPath(new URL('../local/cli/provision.ts', import.meta.url));

export interface SpinUpShape {
  id: string;
  label: string;
  seconds: number[];
  medianSeconds: number;
  goalSeconds?: number;
  detail: string;
  error?: string;
}

export interface SpinUpResult {
  measured: boolean;
  reason?: string;
  /** Seconds to start the stand-in (nodes start per replication group). */
  environmentSeconds?: number;
  shapes: SpinUpShape[];
  notes: string[];
}

export const ROUNDS = 3;

interface ShapeSpec {
  id: string;
  label: string;
  goalSeconds?: number;
  request(round: number): Record<string, unknown>;
}

function rbac(id: string) {
  return {
    UserGroupId: `${id}-group`,
    Users: [
      {
        UserId: `${id}-app`,
        UserName: 'app',
        AccessString: 'on ~app:* -@all +@read +@write +@connection +cluster|info',
      },
    ],
  };
}

const DISABLED = { ClusterMode: 'disabled', NumCacheClusters: 3 };
const ENABLED = { ClusterMode: 'enabled', NumNodeGroups: 3, ReplicasPerNodeGroup: 1 };

/**
 * A shape whose request, in each round, is `layout` for the group `spin-<name>-<round>` on engine
 * 7.1; a `secured` one adds TLS and RBAC to the same layout.
 */
function shape(
  id: string,
  label: string,
  name: string,
  layout: Record<string, unknown>,
  options: { secured?: boolean; goalSeconds?: number } = {},
): ShapeSpec {
  return {
    id,
    label,
    ...(options.goalSeconds === undefined ? {} : { goalSeconds: options.goalSeconds }),
    request: (round) => {
      const ReplicationGroupId = `spin-${name}-${round}`;
      const secured = options.secured
        ? { TransitEncryptionEnabled: true, Rbac: rbac(ReplicationGroupId) }
        : {};
      return { ReplicationGroupId, ...layout, EngineVersion: '7.1', ...secured };
    },
  };
}

export const SHAPES: ShapeSpec[] = [
  shape('disabled', 'cluster mode disabled, 1 primary + 2 replicas', 'disabled', DISABLED),
  shape(
    'disabled-tls-rbac',
    'cluster mode disabled, 1 primary + 2 replicas, TLS + RBAC',
    'disabled-rbac',
    DISABLED,
    {
      secured: true,
    },
  ),
  shape('enabled', 'cluster mode enabled, 3 shards x 1 replica', 'enabled', ENABLED),
  shape(
    'enabled-tls-rbac',
    'cluster mode enabled, 3 shards x 1 replica, TLS + RBAC',
    'enabled-rbac',
    ENABLED,
    {
      secured: true,
      goalSeconds: 6,
    },
  ),
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Starts real nodes; runs in its own process (see runSpinUp). */
export async function spinUpInProcess(): Promise<SpinUpResult> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const { startLocalEnvironment } = await import('../local/environment');
  const environmentStarted = performance.now();
  const local = await startLocalEnvironment({ nodes: 'real' });
  const environmentSeconds = (performance.now() - environmentStarted) / 1000;
  try {
    // Loaded only now: the handlers' SDK clients must see the local endpoints.
    const { createLocalWorkflow } = await import('../local/workflow');
    const workflow = createLocalWorkflow({ waitTimeOverrides: 50, retryIntervalOverrides: 50 });
    const seconds = new Map<string, number[]>();
    const errors = new Map<string, string>();
    const transitions = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const shape of SHAPES) {
        const run = await workflow.run(shape.request(round));
        if (run.status !== 'SUCCEEDED') {
          errors.set(shape.id, `${run.error?.Error ?? 'failed'}: ${(run.error?.Cause ?? '').slice(0, 200)}`);
          continue;
        }
        seconds.set(shape.id, [...(seconds.get(shape.id) ?? []), run.durationMs / 1000]);
        transitions.set(shape.id, run.transitions);
      }
    }
    return {
      measured: true,
      environmentSeconds,
      shapes: SHAPES.map((shape) => {
        const times = seconds.get(shape.id) ?? [];
        const error = errors.get(shape.id);
        return {
          id: shape.id,
          label: shape.label,
          seconds: times,
          medianSeconds: median(times),
          ...(shape.goalSeconds !== undefined ? { goalSeconds: shape.goalSeconds } : {}),
          detail: `${times.length}/${ROUNDS} runs succeeded; ${transitions.get(shape.id) ?? 'n/a'} transitions`,
          ...(error ? { error } : {}),
        };
      }),
      notes: [
        `spin-up: ${local.nodeKind} nodes; stand-in started in ${environmentSeconds.toFixed(2)} s; the same overrides as npm run provision ` +
          '(Wait states 50 ms, retry intervals 50 ms, handler sleeps x0.01, stand-in status delays 300 ms); ' +
          `median of ${ROUNDS} runs per shape, shapes interleaved, nodes kept until the end.`,
      ],
    };
  } finally {
    await local.close();
  }
}

/**
 * What a person waits for: `npm run provision -- <file> --no-hold` as a fresh process (tsx compile, stand-in,
 * nodes, run), from spawn to the result on stdout; the node teardown after it is not counted.
 */
export function cliSeconds(request: Record<string, unknown>, timeoutMs = 60_000): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-provision-'));
  const file = join(dir, 'request.json');
  writeFileSync(file, JSON.stringify(request));
  return new Promise<number>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', PROVISION_CLI, file, '--no-hold', '--nodes', 'real'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      },
    );
    let printedAt: number | undefined;
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => {
      printedAt ??= performance.now();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString()).slice(-2000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      if (code === 0 && printedAt !== undefined && output.includes('"available"')) {
        resolve((printedAt - started) / 1000);
      } else {
        reject(new Error(`provision exited ${code}: ${errors.trim().split('\n').slice(-3).join(' | ')}`));
      }
    });
  });
}

function notMeasured(reason: string): SpinUpResult {
  return { measured: false, reason, shapes: [], notes: [] };
}

export async function runSpinUp(): Promise<SpinUpResult> {
  try {
    await import('../local/environment');
    await import('../local/workflow/definition');
  } catch (err) {
    return notMeasured(
      `local environment not loadable (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const result = await runChildOr<SpinUpResult>(import.meta.url, 240_000, notMeasured);
  if (!result.measured) return result;
  const goalShape = SHAPES.find((shape) => shape.goalSeconds !== undefined);
  if (goalShape && existsSync(PROVISION_CLI)) {
    const label = `${goalShape.label}, via npm run provision (fresh process to result printed)`;
    try {
      const times: number[] = [];
      for (let round = 0; round < 2; round += 1) times.push(await cliSeconds(goalShape.request(100 + round)));
      result.shapes.push({
        id: `${goalShape.id}-cli`,
        label,
        seconds: times,
        medianSeconds: median(times),
        ...(goalShape.goalSeconds !== undefined ? { goalSeconds: goalShape.goalSeconds } : {}),
        detail: 'includes process start, TypeScript loading, stand-in and node start',
      });
    } catch (err) {
      result.shapes.push({
        id: `${goalShape.id}-cli`,
        label,
        seconds: [],
        medianSeconds: Number.NaN,
        detail: '',
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return result;
}

await childMain(import.meta.url, spinUpInProcess);
