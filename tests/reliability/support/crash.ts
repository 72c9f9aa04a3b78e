/**
 * Crashes: an execution that dies part-way, as when a Lambda runs out of time or its container is
 * lost. Either the real handler of a step completes and the execution is then stopped, or a function
 * dies right after one of its AWS calls went through. The error thrown is one the state machine does
 * not retry, so the execution fails there, leaving whatever was already made.
 */
import type { LambdaHandler, RunResult } from '../../../local/workflow';
import { type SecretHit, scanExecutions } from '../secretScan';
import { createGivenSecret } from './account';
import { convergenceProblems, duplicateProblems } from './convergence';
import { type Execution, FUNCTION_NAMES, type FunctionName, type Harness, TASK_FUNCTIONS } from './harness';
import { rbacRequest } from './requests';

export const CRASH_ERROR = 'SimulatedCrash';

export class SimulatedCrash extends Error {
  override readonly name = CRASH_ERROR;
}

/** One place to crash: after the n-th invocation of a function (1-based), or after a call went through. */
export type CrashPoint =
  | { kind: 'after-invocation'; fn: FunctionName; invocation: number; label: string }
  | { kind: 'after-any-invocation'; invocation: number; label: string }
  | { kind: 'after-call'; client: 'elastiCache' | 'secretsManager'; command: string; label: string };

export interface InvocationLog {
  /** Function names in invocation order. */
  readonly invocations: FunctionName[];
}

/**
 * Wrappers of every real handler that record the invocations and stop the execution after the one
 * the crash point names; the real handler always runs to completion first.
 */
export async function crashingHandlers(
  harness: Harness,
  point: CrashPoint | undefined,
): Promise<{ handlers: Record<FunctionName, LambdaHandler>; log: InvocationLog; crashed: () => boolean }> {
  const invocations: FunctionName[] = [];
  let crashed = false;
  const handlers = {} as Record<FunctionName, LambdaHandler>;
  for (const fn of FUNCTION_NAMES) {
    const real = (await harness.realHandler(fn)) as (event: unknown, context: unknown) => Promise<unknown>;
    handlers[fn] = (async (event: unknown, context: unknown) => {
      const result = await real(event, context);
      invocations.push(fn);
      const ofThisFunction = invocations.filter((name) => name === fn).length;
      const due =
        !crashed &&
        ((point?.kind === 'after-invocation' && point.fn === fn && point.invocation === ofThisFunction) ||
          (point?.kind === 'after-any-invocation' && point.invocation === invocations.length));
      if (due) {
        crashed = true;
        throw new SimulatedCrash(`execution stopped after ${fn} #${ofThisFunction} completed`);
      }
      return result;
    }) as LambdaHandler;
  }
  return { handlers, log: { invocations }, crashed: () => crashed };
}

type Middleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string },
) => (args: unknown) => Promise<unknown>;

interface StackOwner {
  middlewareStack: {
    add(middleware: Middleware, options: { step: string; name: string; override?: boolean }): void;
    remove(name: string): boolean;
  };
}

/**
 * Makes the functions' own SDK client fail right after `command` succeeded once: the call went
 * through, the function never learns it did. Returns a function that removes the crash.
 */
export function crashAfterCall(
  harness: Harness,
  point: Extract<CrashPoint, { kind: 'after-call' }>,
): { remove: () => void; crashed: () => boolean } {
  const client = harness.functionClients[point.client] as unknown as StackOwner;
  const name = `reliabilityCrashAfter${point.command}`;
  let crashed = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const output = await next(args);
      if (!crashed && context.commandName === `${point.command}Command`) {
        crashed = true;
        throw new SimulatedCrash(`function stopped right after ${point.command} succeeded`);
      }
      return output;
    },
    // Outside the retry step: the crash is not an answer the SDK would retry.
    { step: 'initialize', name, override: true },
  );
  return {
    remove: () => {
      client.middlewareStack.remove(name);
    },
    crashed: () => crashed,
  };
}

/**
 * The crash points of `npm test`: after the first invocation of each function, named after the first
 * Task invoking it (the scenario request has cluster mode disabled and succeeds, so that Task is the
 * one its run enters: CreateClusterModeDisabled, NotifySuccess).
 */
// The converge steps run only for a group that exists: their crash points are in change.test.ts.
const CHANGE_FUNCTIONS: readonly string[] = ['applyChange', 'deleteUserSecrets'];
export const TASK_CRASH_POINTS: CrashPoint[] = FUNCTION_NAMES.filter(
  (fn) => !CHANGE_FUNCTIONS.includes(fn),
).map((fn) => {
  const task = Object.keys(TASK_FUNCTIONS).find((name) => TASK_FUNCTIONS[name] === fn) ?? fn;
  return { kind: 'after-invocation', fn, invocation: 1, label: `after ${task}` };
});

/** How many census-derived crash points `npm test` runs (the reliability run takes all of them). */
export const SAMPLED_POINTS = 4;

/**
 * A crash after function invocations of a clean run (`invocations`, in order): after each with
 * `every`, else after `count` of them spread evenly from the first to the last.
 */
export function invocationCrashPoints(invocations: readonly string[], count: number | 'every'): CrashPoint[] {
  const all = invocations.map(
    (fn, index): CrashPoint => ({
      kind: 'after-any-invocation',
      invocation: index + 1,
      label: `after invocation ${index + 1} (${fn})`,
    }),
  );
  if (count === 'every' || all.length <= count) return all;
  const step = (all.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, i) => all[Math.round(i * step)]).filter(
    (point): point is CrashPoint => point !== undefined,
  );
}

export const CALL_CRASH_POINTS: CrashPoint[] = [
  {
    kind: 'after-call',
    client: 'secretsManager',
    command: 'CreateSecret',
    label: 'right after CreateSecret',
  },
  { kind: 'after-call', client: 'elastiCache', command: 'CreateUser', label: 'right after CreateUser' },
  {
    kind: 'after-call',
    client: 'elastiCache',
    command: 'CreateUserGroup',
    label: 'right after CreateUserGroup',
  },
  {
    kind: 'after-call',
    client: 'elastiCache',
    command: 'CreateReplicationGroup',
    label: 'right after CreateReplicationGroup',
  },
];

/** The result without what differs by design between a first run and a re-run (who created what). */
export function comparableResult(output: unknown): unknown {
  if (typeof output !== 'object' || output === null) return output;
  const { Created: _created, ...rest } = output as Record<string, unknown>;
  return rest;
}

export function crashError(run: RunResult): string | undefined {
  return run.status === 'FAILED' ? run.error?.Error : undefined;
}

export interface CrashOutcome {
  label: string;
  /** Whether the crash point was reached. */
  crashed: boolean;
  /**
   * The error the crashed execution failed with: SimulatedCrash, or the error of the Fail state the
   * crashed step's Catch leads to (ResultNotDelivered for the notification).
   */
  crashedWith: string | undefined;
  rerun: Execution;
  /** A third run after the re-run, to show the result is stable. */
  again: Execution;
  /** How the account differs from one clean run's; empty when it converged. */
  problems: string[];
  /** Passwords found in any of the three executions. */
  hits: SecretHit[];
  passwordsChecked: number;
}

/**
 * Runs the request and crashes it at `point`, then runs the same request again with a fresh workflow,
 * and once more: the account must end as one clean run leaves it, and the re-run's result must be
 * the one a later run gives too.
 */
export async function crashAndRerun(harness: Harness, point: CrashPoint, id: string): Promise<CrashOutcome> {
  const request = rbacRequest(id);
  await createGivenSecret(harness.admin, id);
  const mark = harness.standIn.calls.length;

  const afterCall = point.kind === 'after-call' ? crashAfterCall(harness, point) : undefined;
  const wrapped = await crashingHandlers(harness, point.kind === 'after-call' ? undefined : point);
  let crashed: Execution;
  try {
    crashed = await harness.execute(request, harness.workflow(wrapped.handlers));
  } finally {
    afterCall?.remove();
  }
  const rerun = await harness.execute(request);
  const again = await harness.execute(request);

  const problems = [
    ...(rerun.status === 'SUCCEEDED'
      ? []
      : [`the re-run failed: ${rerun.error?.Error}: ${rerun.error?.Cause}`]),
    ...(await convergenceProblems(harness, request, rerun.output)),
    ...duplicateProblems(harness.callsSince(mark), [request]),
  ];
  if (JSON.stringify(comparableResult(rerun.output)) !== JSON.stringify(comparableResult(again.output))) {
    problems.push('a later run gives another result than the re-run');
  }
  const passwords = await harness.passwords();
  const hits = scanExecutions(passwords, [crashed, rerun, again], point.label);
  return {
    label: point.label,
    crashed: afterCall ? afterCall.crashed() : wrapped.crashed(),
    crashedWith: crashError(crashed),
    rerun,
    again,
    problems,
    hits,
    passwordsChecked: passwords.length,
  };
}
