/**
 * Step Functions (JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Action>`): StartExecution,
 * DescribeExecution, GetExecutionHistory, ListExecutions and StopExecution, for state machines whose
 * executions run in this process. The stand-in does not know how to run one: it is handed an
 * `ExecutionRunner` per state machine ARN (local/environment.ts gives it the local workflow runner),
 * and turns what the runner reports into the execution history Step Functions would keep.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from './wire';

/** One entry of the runner's event log (aws-local-stepfunctions' shape, as far as it is read here). */
export interface EngineEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  Error?: string;
  Cause?: unknown;
}

export interface ExecutionRequest {
  executionArn: string;
  name: string;
  stateMachineArn: string;
  input: unknown;
  /** Aborted by StopExecution, or when the stand-in closes. */
  signal: AbortSignal;
  /** Each event of the run as it happens. */
  onEvent: (event: EngineEvent) => void;
}

export interface ExecutionOutcome {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { Error: string; Cause: string };
  /** The run stopped because `signal` was aborted. */
  aborted?: boolean;
}

export type ExecutionRunner = (request: ExecutionRequest) => Promise<ExecutionOutcome>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A history event as GetExecutionHistory returns it (`timestamp` in epoch milliseconds here). */
export interface ExecutionHistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  /** The input as it was sent (a JSON text). */
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  history: ExecutionHistoryEvent[];
  /** Settles when the execution has ended. */
  done: Promise<void>;
}

export interface LocalStepFunctionsOptions {
  /** Runner per state machine ARN; StartExecution of any other ARN is StateMachineDoesNotExist. */
  stateMachines: Record<string, ExecutionRunner>;
  now: () => number;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[^:]{1,80}$/;
/** Whitespace, brackets, wildcards and these special characters are refused (control characters too). */
const INVALID_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

function isExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || INVALID_NAME_CHARACTERS.test(name)) return false;
  return [...name].every((character) => {
    const code = character.charCodeAt(0);
    return code > 0x1f && (code < 0x7f || code > 0x9f);
  });
}
/** 256 KiB, the limit of an execution input. */
const MAX_INPUT_BYTES = 262_144;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const sfnError = {
  stateMachineDoesNotExist: (arn: string) =>
    new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`),
  executionDoesNotExist: (arn: string) =>
    new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`),
  executionAlreadyExists: (arn: string) =>
    new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`),
  invalidArn: (arn: string) =>
    new ServiceError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`),
  invalidName: (name: string) => new ServiceError('InvalidName', `Invalid Name: '${name}'`),
  invalidInput: (message: string) => new ServiceError('InvalidExecutionInput', message),
  invalidToken: () => new ServiceError('InvalidToken', 'Invalid Token: the nextToken is not valid'),
  validation: (message: string) => new ServiceError('ValidationException', message),
};

export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export class LocalStepFunctions {
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly controllers = new Map<string, AbortController>();

  constructor(private readonly options: LocalStepFunctionsOptions) {}

  /** The state machines it can run. */
  get stateMachineArns(): string[] {
    return Object.keys(this.options.stateMachines);
  }

  start(stateMachineArn: unknown, name: unknown, input: unknown): ExecutionRecord {
    if (typeof stateMachineArn !== 'string' || !STATE_MACHINE_ARN.test(stateMachineArn)) {
      throw sfnError.invalidArn(String(stateMachineArn));
    }
    const runner = this.options.stateMachines[stateMachineArn];
    if (!runner) throw sfnError.stateMachineDoesNotExist(stateMachineArn);
    const executionName = name === undefined || name === null ? randomUUID() : name;
    if (typeof executionName !== 'string' || !isExecutionName(executionName)) {
      throw sfnError.invalidName(String(executionName));
    }
    const inputText = input === undefined || input === null ? '{}' : input;
    if (typeof inputText !== 'string') throw sfnError.invalidInput('Invalid State Machine Execution Input');
    if (Buffer.byteLength(inputText, 'utf8') > MAX_INPUT_BYTES) {
      throw sfnError.invalidInput('The input exceeds the 262144 bytes limit');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(inputText);
    } catch {
      throw sfnError.invalidInput(`Invalid State Machine Execution Input: '${inputText.slice(0, 100)}'`);
    }

    const executionArn = executionArnOf(stateMachineArn, executionName);
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As Step Functions does: the same name and input while it runs is the same request.
      if (existing.status === 'RUNNING' && existing.input === inputText) return existing;
      throw sfnError.executionAlreadyExists(executionArn);
    }

    const controller = new AbortController();
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      name: executionName,
      input: inputText,
      status: 'RUNNING',
      startDate: this.options.now(),
      history: [],
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, record);
    this.controllers.set(executionArn, controller);
    this.append(record, 'ExecutionStarted', record.startDate, {
      executionStartedEventDetails: {
        input: inputText,
        inputDetails: { truncated: false },
        roleArn: stateMachineArn.replace(/:states:[^:]+:(\d{12}):stateMachine:(.+)$/, ':iam::$1:role/$2Role'),
      },
    });
    record.done = this.run(record, runner, parsed, controller.signal);
    return record;
  }

  private async run(
    record: ExecutionRecord,
    runner: ExecutionRunner,
    input: unknown,
    signal: AbortSignal,
  ): Promise<void> {
    // Started on the next turn, as Step Functions answers StartExecution before the first state runs.
    await Promise.resolve();
    let outcome: ExecutionOutcome;
    try {
      outcome = await runner({
        executionArn: record.executionArn,
        name: record.name,
        stateMachineArn: record.stateMachineArn,
        input,
        signal,
        onEvent: (event) => this.recordEngineEvent(record, event),
      });
    } catch (err) {
      outcome = {
        status: 'FAILED',
        error: { Error: 'States.Runtime', Cause: err instanceof Error ? err.message : String(err) },
      };
    }
    this.controllers.delete(record.executionArn);
    this.finish(record, outcome);
  }

  private finish(record: ExecutionRecord, outcome: ExecutionOutcome): void {
    if (record.status !== 'RUNNING') return;
    const stopDate = this.options.now();
    record.stopDate = stopDate;
    if (outcome.status === 'SUCCEEDED') {
      record.status = 'SUCCEEDED';
      record.output = JSON.stringify(outcome.output ?? null);
      this.append(record, 'ExecutionSucceeded', stopDate, {
        executionSucceededEventDetails: { output: record.output, outputDetails: { truncated: false } },
      });
      return;
    }
    const error = outcome.error ?? { Error: 'States.Runtime', Cause: 'The execution failed.' };
    record.error = error.Error;
    record.cause = error.Cause;
    if (outcome.aborted) {
      record.status = 'ABORTED';
      this.append(record, 'ExecutionAborted', stopDate, {
        executionAbortedEventDetails: { error: error.Error, cause: error.Cause },
      });
    } else if (error.Error === 'States.Timeout') {
      record.status = 'TIMED_OUT';
      this.append(record, 'ExecutionTimedOut', stopDate, {
        executionTimedOutEventDetails: { error: error.Error, cause: error.Cause },
      });
    } else {
      record.status = 'FAILED';
      this.append(record, 'ExecutionFailed', stopDate, {
        executionFailedEventDetails: { error: error.Error, cause: error.Cause },
      });
    }
  }

  /** State events become `<Type>StateEntered` / `<Type>StateExited`; a failed Task becomes TaskFailed. */
  private recordEngineEvent(record: ExecutionRecord, event: EngineEvent): void {
    const state = event.state;
    if (!state || record.status !== 'RUNNING') return;
    if (event.type === 'StateEntered') {
      this.append(record, `${state.type}StateEntered`, event.timestamp, {
        stateEnteredEventDetails: {
          name: state.name,
          input: JSON.stringify(state.input ?? null),
          inputDetails: { truncated: false },
        },
      });
    } else if (event.type === 'StateExited') {
      this.append(record, `${state.type}StateExited`, event.timestamp, {
        stateExitedEventDetails: {
          name: state.name,
          output: JSON.stringify(state.output ?? null),
          outputDetails: { truncated: false },
        },
      });
    } else if (event.type === 'StateFailed' && state.type === 'Task') {
      this.append(record, 'TaskFailed', event.timestamp, {
        taskFailedEventDetails: {
          resourceType: 'lambda',
          resource: 'invoke',
          error: event.Error ?? 'States.TaskFailed',
          cause: typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause ?? null),
        },
      });
    }
  }

  private append(
    record: ExecutionRecord,
    type: string,
    timestamp: number,
    details: Record<string, unknown>,
  ): void {
    const id = record.history.length + 1;
    record.history.push({ id, previousEventId: id - 1, timestamp, type, ...details });
  }

  find(executionArn: unknown): ExecutionRecord {
    if (typeof executionArn !== 'string' || !EXECUTION_ARN.test(executionArn)) {
      throw sfnError.invalidArn(String(executionArn));
    }
    const record = this.executions.get(executionArn);
    if (!record) throw sfnError.executionDoesNotExist(executionArn);
    return record;
  }

  stop(executionArn: unknown, error: unknown, cause: unknown): ExecutionRecord {
    const record = this.find(executionArn);
    const controller = this.controllers.get(record.executionArn);
    if (record.status === 'RUNNING' && controller) {
      this.controllers.delete(record.executionArn);
      controller.abort();
      this.finish(record, {
        status: 'FAILED',
        aborted: true,
        error: {
          Error: typeof error === 'string' ? error : '',
          Cause: typeof cause === 'string' ? cause : '',
        },
      });
    }
    return record;
  }

  /** Resolves once no execution is running, including those started while waiting. */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.executions.values()].filter((record) => record.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((record) => record.done));
    }
  }

  /** Stops what still runs (as StopExecution does) and waits for the runs to end. */
  async close(): Promise<void> {
    const running = [...this.executions.values()].filter((record) => record.status === 'RUNNING');
    for (const record of running) this.stop(record.executionArn, 'States.Aborted', 'The stand-in stopped.');
    await Promise.all(running.map((record) => record.done));
  }
}

// ---------------------------------------------------------------------------------------------
// The wire: JSON 1.0 requests and answers

export type StepFunctionsOperation = (sfn: LocalStepFunctions, body: Record<string, unknown>) => unknown;

/** JSON 1.0 timestamps are epoch seconds. */
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function pageSize(value: unknown): number {
  if (value === undefined || value === null || value === 0) return DEFAULT_PAGE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_PAGE) {
    throw sfnError.validation(`maxResults must be between 0 and ${MAX_PAGE}`);
  }
  return value;
}

function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ scope, offset })).toString('base64');
}

function decodeToken(token: unknown, scope: string): number {
  if (token === undefined || token === null) return 0;
  if (typeof token !== 'string') throw sfnError.invalidToken();
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      scope?: unknown;
      offset?: unknown;
    };
    if (parsed.scope === scope && typeof parsed.offset === 'number' && parsed.offset >= 0)
      return parsed.offset;
  } catch {
    // Reported below.
  }
  throw sfnError.invalidToken();
}

function page<T>(
  items: T[],
  body: Record<string, unknown>,
  scope: string,
): { items: T[]; nextToken?: string } {
  const size = pageSize(body.maxResults);
  const offset = decodeToken(body.nextToken, scope);
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextToken: encodeToken(scope, end) } : {}),
  };
}

function wireEvent(event: ExecutionHistoryEvent, includeData: boolean): Record<string, unknown> {
  const { timestamp, ...rest } = event;
  const wire: Record<string, unknown> = { ...rest, timestamp: seconds(timestamp) };
  if (includeData) return wire;
  // Without execution data, inputs and outputs are left out, as Step Functions does.
  for (const [key, value] of Object.entries(wire)) {
    if (typeof value !== 'object' || value === null) continue;
    const { input: _input, output: _output, ...kept } = value as Record<string, unknown>;
    wire[key] = kept;
  }
  return wire;
}

const startExecution: StepFunctionsOperation = (sfn, body) => {
  const record = sfn.start(body.stateMachineArn, body.name, body.input);
  return { executionArn: record.executionArn, startDate: seconds(record.startDate) };
};

const describeExecution: StepFunctionsOperation = (sfn, body) => {
  const record = sfn.find(body.executionArn);
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    ...(record.stopDate === undefined ? {} : { stopDate: seconds(record.stopDate) }),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output === undefined ? {} : { output: record.output, outputDetails: { included: true } }),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.cause === undefined ? {} : { cause: record.cause }),
  };
};

const getExecutionHistory: StepFunctionsOperation = (sfn, body) => {
  const record = sfn.find(body.executionArn);
  const events = body.reverseOrder === true ? [...record.history].reverse() : record.history;
  const includeData = body.includeExecutionData !== false;
  const { items, nextToken } = page(
    events,
    body,
    `${record.executionArn}:${body.reverseOrder === true ? 'reverse' : 'forward'}`,
  );
  return {
    events: items.map((event) => wireEvent(event, includeData)),
    ...(nextToken ? { nextToken } : {}),
  };
};

const listExecutions: StepFunctionsOperation = (sfn, body) => {
  const stateMachineArn = body.stateMachineArn;
  if (typeof stateMachineArn !== 'string' || !STATE_MACHINE_ARN.test(stateMachineArn)) {
    throw sfnError.invalidArn(String(stateMachineArn));
  }
  if (!sfn.stateMachineArns.includes(stateMachineArn))
    throw sfnError.stateMachineDoesNotExist(stateMachineArn);
  const filter = typeof body.statusFilter === 'string' ? body.statusFilter : undefined;
  const matching = [...sfn.executions.values()]
    .filter((record) => record.stateMachineArn === stateMachineArn)
    .filter((record) => filter === undefined || record.status === filter)
    .sort((a, b) => b.startDate - a.startDate);
  const { items, nextToken } = page(matching, body, `${stateMachineArn}:${filter ?? ''}`);
  return {
    executions: items.map((record) => ({
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: seconds(record.startDate),
      ...(record.stopDate === undefined ? {} : { stopDate: seconds(record.stopDate) }),
    })),
    ...(nextToken ? { nextToken } : {}),
  };
};

const stopExecution: StepFunctionsOperation = (sfn, body) => {
  const record = sfn.stop(body.executionArn, body.error, body.cause);
  return { stopDate: seconds(record.stopDate) };
};

export const stepFunctionsOperations: Record<string, StepFunctionsOperation> = {
  StartExecution: startExecution,
  DescribeExecution: describeExecution,
  GetExecutionHistory: getExecutionHistory,
  ListExecutions: listExecutions,
  StopExecution: stopExecution,
};
