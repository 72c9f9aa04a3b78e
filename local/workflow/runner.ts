/**
 * Runs the real state machines in process (provisioning by default, or teardown): the ASL that is
 * deployed, executed by aws-local-stepfunctions, each Task calling this project's handler for the
 * function it names.
 */
import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { type Clock, systemClock } from '../../shared/clock';
import { readableCause } from '../../shared/functionError';
import type { StateMachineKind } from '../../shared/workflow';
import {
  type AslDefinition,
  DEFINITION_PATHS,
  loadDefinition,
  statesOfType,
  taskFunctions,
} from './definition';
import { invokeAsLambda, type LambdaHandler } from './lambda';

type Execution = ReturnType<StateMachine['run']>;
type JsonValue = Parameters<StateMachine['run']>[0];
/** One entry of the engine's event log (the local counterpart of GetExecutionHistory). */
export type HistoryEvent = Execution['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** The project's functions, by their serverless.yml names, loaded on first use. */
const realHandlers: Record<string, (clock: Clock) => Promise<LambdaHandler>> = {
  validateRequest: async () => (await import('../../functions/validateRequest')).handler,
  ensureUsers: async () => (await import('../../functions/ensureUsers')).handler,
  ensureGroup: async () => (await import('../../functions/ensureGroup')).handler,
  createReplicationGroup: async () => (await import('../../functions/createReplicationGroup')).handler,
  waitAvailable: async (clock) => (await import('../../functions/waitAvailable')).waitAvailableHandler(clock),
  planChange: async () => (await import('../../functions/planChange')).handler,
  applyChange: async () => (await import('../../functions/applyChange')).handler,
  deleteUserSecrets: async () => (await import('../../functions/deleteUserSecrets')).handler,
  validateTeardownRequest: async () => (await import('../../functions/validateTeardownRequest')).handler,
  deleteReplicationGroup: async () => (await import('../../functions/deleteReplicationGroup')).handler,
  deleteUserGroups: async () => (await import('../../functions/deleteUserGroups')).handler,
  deleteUsers: async () => (await import('../../functions/deleteUsers')).handler,
  answerDeadline: async (clock) => {
    publishResultEventsLocallyOnly();
    return (await import('../../functions/answerDeadline')).answerDeadlineHandler(clock);
  },
  notifyResult: async (clock) => {
    publishResultEventsLocallyOnly();
    return (await import('../../functions/notifyResult')).notifyResultHandler(clock);
  },
};

/**
 * A local run publishes result events only to a local EventBridge: without one, they are turned off as
 * RESULT_EVENT_BUS=none does (read when the publishing function is loaded), never sent to AWS.
 */
function publishResultEventsLocallyOnly(): void {
  if (!process.env.AWS_ENDPOINT_URL_EVENTBRIDGE && !process.env.AWS_ENDPOINT_URL) {
    process.env.RESULT_EVENT_BUS ??= 'none';
  }
}

export interface LocalWorkflowOptions {
  /** Which deployed state machine to run: provisioning (the default), teardown or the deadline. */
  workflow?: StateMachineKind;
  /** Another definition to run (tests of variations); the deployed one of `workflow` by default. */
  definition?: AslDefinition;
  /** Handlers by function name (as in serverless.yml); any function not given runs its real handler. */
  handlers?: Record<string, LambdaHandler>;
  /** Milliseconds each Wait state pauses instead of its defined time: one number for all, or by state name. */
  waitTimeOverrides?: number | Record<string, number>;
  /** Milliseconds before each retry instead of the Retry backoff: one number for all, or by state name. */
  retryIntervalOverrides?: number | Record<string, number | number[]>;
  /**
   * Scales the handlers' own sleeps (e.g. 0.01: a 10 s check interval takes 100 ms; 0: no sleeping).
   * By default PROVISIONER_TIME_SCALE, which local runs set, else 1.
   */
  timeScale?: number;
}

export interface ProgressEvent {
  type: 'StateEntered' | 'StateExited' | 'StateRetried' | 'StateCaught';
  state: string;
  stateType: string;
  /** Milliseconds since the execution started. */
  elapsedMs: number;
  /** StateRetried / StateCaught: the error's name. */
  error?: string;
  /** StateRetried / StateCaught: the error's message (a function error's errorMessage). */
  message?: string;
  /** StateRetried: the how-manieth retry of the matching retrier. */
  attempt?: number;
}

/** What `$$.Execution` holds in AWS, for an execution started with a name (the local SFN endpoint). */
export interface WorkflowExecution {
  /** The execution ARN (`$$.Execution.Id`). */
  Id: string;
  Name: string;
  StateMachineArn?: string;
}

export interface RunOptions {
  onEvent?: (event: ProgressEvent) => void;
  /** Every entry of the event log as it happens (the stream behind `history`). */
  onHistoryEvent?: (event: HistoryEvent) => void;
  /** Sets `$$.Execution.Id` and `$$.Execution.Name`; `$$.Execution.Input` is always the input. */
  execution?: WorkflowExecution;
  /** Stops the execution (StopExecution): it ends FAILED with `aborted: true`. */
  signal?: AbortSignal;
  /** Milliseconds of this run's Wait states, by state name, over the workflow's own overrides. */
  waitTimeOverrides?: Record<string, number>;
}

export interface RunResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { Error: string; Cause: string };
  /** Set when `signal` stopped the execution. */
  aborted?: true;
  /** Progress events, as `onEvent` received them. */
  events: ProgressEvent[];
  /** The full event log with every state's input and output. */
  history: HistoryEvent[];
  /** Billable state transitions: every state entered, plus every retry. */
  transitions: number;
  durationMs: number;
}

export interface LocalWorkflow {
  definition: AslDefinition;
  /** Task state name -> function name. */
  taskFunctions: Record<string, string>;
  run(input: unknown, options?: RunOptions): Promise<RunResult>;
}

/** `$$.Execution` of a run started without a name, as Step Functions would name it (a UUID). */
function anonymousExecution(workflow: StateMachineKind): WorkflowExecution {
  const name = randomUUID();
  const stateMachine = `elasticache-provisioner-local-${workflow}`;
  return {
    Id: `arn:aws:states:us-east-1:000000000000:execution:${stateMachine}:${name}`,
    Name: name,
    StateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${stateMachine}`,
  };
}

const machines = new Map<StateMachineKind, { definition: AslDefinition; stateMachine: StateMachine }>();

/** Building validates the definition (a few hundred milliseconds), so it happens once per process. */
function deployedStateMachine(workflow: StateMachineKind): {
  definition: AslDefinition;
  stateMachine: StateMachine;
} {
  let machine = machines.get(workflow);
  if (!machine) {
    const definition = loadDefinition(DEFINITION_PATHS[workflow]);
    machine = { definition, stateMachine: new StateMachine(asEngineDefinition(definition)) };
    machines.set(workflow, machine);
  }
  return machine;
}

export function createLocalWorkflow(options: LocalWorkflowOptions = {}): LocalWorkflow {
  const { definition, stateMachine } = options.definition
    ? {
        definition: options.definition,
        stateMachine: new StateMachine(asEngineDefinition(options.definition)),
      }
    : deployedStateMachine(options.workflow ?? 'provision');
  const functionsByTask = taskFunctions(definition);

  // A Task without a local handler would call AWS Lambda for real.
  const missing = Object.entries(functionsByTask).filter(
    ([, fn]) => !options.handlers?.[fn] && !realHandlers[fn],
  );
  if (missing.length > 0) {
    const list = missing.map(([task, fn]) => `${task} (${fn})`).join(', ');
    throw new Error(`No local handler for: ${list}`);
  }

  const clock = scaledClock(options.timeScale ?? timeScaleFromEnv());
  const loaded = new Map<string, Promise<LambdaHandler>>();
  const handlerFor = (fn: string): Promise<LambdaHandler> => {
    const given = options.handlers?.[fn];
    if (given) return Promise.resolve(given);
    let pending = loaded.get(fn);
    if (!pending) {
      const load = realHandlers[fn];
      if (!load) throw new Error(`No local handler for function ${fn}`);
      pending = load(clock);
      loaded.set(fn, pending);
    }
    return pending;
  };

  const taskResourceLocalHandlers: Record<string, (parameters: JsonValue) => Promise<JsonValue>> = {};
  for (const [task, fn] of Object.entries(functionsByTask)) {
    const timeoutMs = (definition.States[task]?.TimeoutSeconds ?? 60) * 1000;
    taskResourceLocalHandlers[task] = async (parameters) => {
      const payload = (parameters as { Payload?: unknown } | null)?.Payload;
      const result = await invokeAsLambda(await handlerFor(fn), payload, { functionName: fn, timeoutMs });
      return { Payload: result } as JsonValue;
    };
  }

  const overrides = {
    taskResourceLocalHandlers,
    waitTimeOverrides: perState(options.waitTimeOverrides, statesOfType(definition, 'Wait')),
    retryIntervalOverrides: perState(options.retryIntervalOverrides, retryingStates(definition)),
  };

  return {
    definition,
    taskFunctions: functionsByTask,
    async run(input, runOptions = {}) {
      const started = Date.now();
      const execution = stateMachine.run(input as JsonValue, {
        overrides: runOptions.waitTimeOverrides
          ? {
              ...overrides,
              waitTimeOverrides: { ...overrides.waitTimeOverrides, ...runOptions.waitTimeOverrides },
            }
          : overrides,
        // AWS always sets `$$.Execution.Id` (the result names it): a run started without a name gets one.
        context: {
          Execution: { ...(runOptions.execution ?? anonymousExecution(options.workflow ?? 'provision')) },
        },
      });
      const { signal } = runOptions;
      const abort = () => execution.abort();
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
      const events: ProgressEvent[] = [];
      const history: HistoryEvent[] = [];
      const lastFailure = new Map<string, { Error: string; Cause: unknown }>();

      const recording = (async () => {
        for await (const event of execution.eventLogs) {
          // Snapshots: the engine may go on mutating the documents it logged.
          const snapshot = structuredClone(event);
          history.push(snapshot);
          runOptions.onHistoryEvent?.(snapshot);
          if (event.type === 'StateFailed') {
            lastFailure.set(event.state.name, { Error: event.Error, Cause: event.Cause });
            continue;
          }
          if (!isProgressType(event.type) || !('state' in event)) continue;
          const progress: ProgressEvent = {
            type: event.type,
            state: event.state.name,
            stateType: event.state.type,
            elapsedMs: event.timestamp - started,
          };
          if (event.type === 'StateRetried' || event.type === 'StateCaught') {
            const failure = lastFailure.get(event.state.name);
            if (failure) {
              progress.error = failure.Error;
              progress.message = readableCause(failure.Cause);
            }
            if (event.type === 'StateRetried') progress.attempt = event.retry.attempt;
          }
          events.push(progress);
          runOptions.onEvent?.(progress);
        }
      })();

      let outcome: Pick<RunResult, 'status' | 'output' | 'error' | 'aborted'>;
      try {
        outcome = { status: 'SUCCEEDED', output: await execution.result };
      } catch (err) {
        outcome =
          err instanceof ExecutionAbortedError
            ? {
                status: 'FAILED',
                aborted: true,
                error: { Error: 'States.Aborted', Cause: 'The execution was stopped.' },
              }
            : { status: 'FAILED', error: executionFailure(err) };
      } finally {
        signal?.removeEventListener('abort', abort);
      }
      await recording;

      const transitions = history.filter(
        (e) => e.type === 'StateEntered' || e.type === 'StateRetried',
      ).length;
      return { ...outcome, events, history, transitions, durationMs: Date.now() - started };
    },
  };
}

/** The system clock with every sleep scaled. */
export function scaledClock(scale: number): Clock {
  return {
    now: () => systemClock.now(),
    sleep: (ms) => systemClock.sleep(ms * scale),
  };
}

function timeScaleFromEnv(): number {
  const raw = Number(process.env.PROVISIONER_TIME_SCALE ?? '1');
  return Number.isFinite(raw) && raw >= 0 ? raw : 1;
}

/** A copy: building validates it, and the validator fills in defaults on the object it is given. */
function asEngineDefinition(definition: AslDefinition): StateMachineDefinition {
  return structuredClone(definition) as unknown as StateMachineDefinition;
}

function isProgressType(type: string): type is ProgressEvent['type'] {
  return (
    type === 'StateEntered' || type === 'StateExited' || type === 'StateRetried' || type === 'StateCaught'
  );
}

function executionFailure(err: unknown): { Error: string; Cause: string } {
  if (err instanceof ExecutionTimeoutError) {
    return {
      Error: 'States.Timeout',
      Cause: 'The execution ran longer than the state machine TimeoutSeconds.',
    };
  }
  if (err instanceof ExecutionError && err.cause instanceof Error) {
    return { Error: err.cause.name, Cause: err.cause.message };
  }
  throw err;
}

function perState<T>(
  value: T | Record<string, T> | undefined,
  states: string[],
): Record<string, T> | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, T>;
  return Object.fromEntries(states.map((state) => [state, value as T]));
}

function retryingStates(definition: AslDefinition): string[] {
  return Object.entries(definition.States)
    .filter(([, state]) => Array.isArray(state.Retry) && state.Retry.length > 0)
    .map(([name]) => name);
}
