/**
 * The workflow as `npm run provision` runs it (the real ASL, the real handlers, the real SDK clients
 * talking to the local ElastiCache + Secrets Manager stand-in), made quick: stand-in status changes
 * take 40 ms, Wait states and Retry intervals 10 ms, the handlers' own sleeps nothing. The functions'
 * logs are captured, never printed, so they can be searched for passwords.
 */
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type LocalEnvironment, startLocalEnvironment } from '../../../local/environment';
import type {
  FaultPlan,
  SimulatedNodeBackend,
  StandIn,
  StandInCall,
  StandInDelays,
} from '../../../local/standin';
import type { LambdaHandler, LocalWorkflow, RunResult } from '../../../local/workflow';
import { loadDefinition, taskFunctions } from '../../../local/workflow/definition';
import { passwordsInStandIn } from '../secretScan';
import { adminClients } from './account';

/** Milliseconds a Wait state or a Retry interval takes in these runs. */
export const PAUSE_MS = 10;
/** Milliseconds a stand-in status change takes. */
export const STATUS_CHANGE_MS = 40;

const DEFINITION = loadDefinition();

/** Task state name -> the function (serverless.yml name) it invokes, in definition order. */
export const TASK_FUNCTIONS: Record<string, string> = taskFunctions(DEFINITION);

/** Every function the provisioning state machine invokes, in the order of the Tasks naming them. */
export const FUNCTION_NAMES: string[] = [...new Set(Object.values(TASK_FUNCTIONS))];
export type FunctionName = string;

export interface Execution extends RunResult {
  /** What the functions wrote while it ran (their structured JSON logs). */
  logs: string;
}

export interface Harness {
  env: LocalEnvironment;
  standIn: StandIn;
  /** The simulated nodes, with the ACL users (and passwords) each group was given. */
  nodes: SimulatedNodeBackend;
  /** The SDK clients the handlers use (module scope, as in Lambda). */
  functionClients: { elastiCache: ElastiCacheClient; secretsManager: SecretsManagerClient };
  /** Clients of the test itself, to set up the account and read it back. */
  admin: { elastiCache: ElastiCacheClient; secretsManager: SecretsManagerClient };
  /** A fresh workflow: the state machine with the real handlers, or wrappers of them. */
  workflow(handlers?: Partial<Record<FunctionName, LambdaHandler>>): LocalWorkflow;
  realHandler(fn: FunctionName): Promise<LambdaHandler>;
  /** Runs one execution with a fresh workflow, capturing the logs. */
  execute(input: unknown, workflow?: LocalWorkflow): Promise<Execution>;
  /** Runs executions side by side; the logs of all of them together. */
  executeAll(inputs: unknown[], workflow?: LocalWorkflow): Promise<{ runs: RunResult[]; logs: string }>;
  /** The stand-in's fault plan, replaced (never merged). */
  setFaults(plan: FaultPlan): void;
  /** Calls the stand-in answered since `mark` (a length of `standIn.calls`). */
  callsSince(mark: number): StandInCall[];
  /** Every password the account holds (secret values, node ACL users). */
  passwords(): Promise<string[]>;
  close(): Promise<void>;
}

let logCapture: { chunks: string[]; depth: number; restore: () => void } | undefined;

/** Captures stdout and stderr writes (where the Powertools logger prints) while `body` runs. */
export async function capturingOutput<T>(body: () => Promise<T>): Promise<{ value: T; output: string }> {
  if (!logCapture) {
    const chunks: string[] = [];
    const stdout = process.stdout.write;
    const stderr = process.stderr.write;
    const capture = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    logCapture = {
      chunks,
      depth: 0,
      restore: () => {
        process.stdout.write = stdout;
        process.stderr.write = stderr;
      },
    };
  }
  const capture = logCapture;
  const start = capture.chunks.length;
  capture.depth++;
  try {
    const value = await body();
    return { value, output: capture.chunks.slice(start).join('') };
  } finally {
    capture.depth--;
    if (capture.depth === 0) {
      capture.restore();
      logCapture = undefined;
    }
  }
}

/**
 * Starts the stand-in (simulated nodes) and only then loads the handlers, whose module-scope SDK
 * clients read the endpoints once. Logs at INFO, events included where a handler allows it, so there
 * is more to search; a test file must not load shared/logger before this has run.
 */
export async function startHarness(
  options: { faults?: FaultPlan; delays?: Partial<StandInDelays> } = {},
): Promise<Harness> {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  // Result events stay local: there is no local EventBridge (read when notifyResult is loaded).
  process.env.RESULT_EVENT_BUS = 'none';
  const env = await startLocalEnvironment({
    nodes: 'simulated',
    timeScale: 0,
    ...(options.faults ? { faults: options.faults } : {}),
    delays: {
      userCreateMs: STATUS_CHANGE_MS,
      userModifyMs: STATUS_CHANGE_MS,
      userDeleteMs: STATUS_CHANGE_MS,
      userGroupCreateMs: STATUS_CHANGE_MS,
      userGroupModifyMs: STATUS_CHANGE_MS,
      userGroupDeleteMs: STATUS_CHANGE_MS,
      replicationGroupCreateMs: STATUS_CHANGE_MS,
      replicationGroupDeleteMs: STATUS_CHANGE_MS,
      ...options.delays,
    },
  });
  const { createLocalWorkflow } = await import('../../../local/workflow');
  const clients = await import('../../../shared/aws/clients');
  const realHandler = async (fn: FunctionName): Promise<LambdaHandler> => {
    const module = (await import(
      /* @vite-ignore */ new URL(`../../../functions/${fn}.ts`, import.meta.url).href
    )) as { handler: LambdaHandler };
    return module.handler;
  };
  const { standIn } = env;
  const admin = adminClients(standIn);

  const workflow = (wrapped: Partial<Record<FunctionName, LambdaHandler>> = {}) =>
    createLocalWorkflow({
      handlers: wrapped as Record<string, LambdaHandler>,
      waitTimeOverrides: PAUSE_MS,
      retryIntervalOverrides: PAUSE_MS,
    });

  const harness: Harness = {
    env,
    standIn,
    nodes: standIn.nodes as SimulatedNodeBackend,
    functionClients: { elastiCache: clients.elastiCache, secretsManager: clients.secretsManager },
    admin,
    workflow,
    realHandler,
    async execute(input, chosen) {
      const { value, output } = await capturingOutput(() => (chosen ?? workflow()).run(input));
      return { ...value, logs: output };
    },
    async executeAll(inputs, chosen) {
      const running = chosen ?? workflow();
      const { value, output } = await capturingOutput(() =>
        Promise.all(inputs.map((input) => running.run(input))),
      );
      return { runs: value, logs: output };
    },
    setFaults: (plan) => standIn.setFaults(plan),
    callsSince: (mark) => standIn.calls.slice(mark),
    passwords: () => passwordsInStandIn(standIn),
    async close() {
      admin.elastiCache.destroy();
      admin.secretsManager.destroy();
      await env.close();
    },
  };
  return harness;
}

/**
 * One harness for a test file: started before its tests, its fault plan cleared after each test,
 * closed after the last. What it returns stands for the started harness.
 */
export function useHarness(): Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterEach(() => {
    harness?.setFaults({});
  });
  afterAll(async () => {
    await harness?.close();
  });
  return new Proxy({} as Harness, {
    get(_, key) {
      if (!harness) throw new Error('the harness starts in beforeAll; use it inside hooks and tests');
      return Reflect.get(harness, key);
    },
  });
}
