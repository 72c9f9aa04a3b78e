/**
 * Step Functions (JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Action>`): ListStateMachines,
 * DescribeStateMachine(ForExecution), StartExecution, DescribeExecution, GetExecutionHistory,
 * ListExecutions and StopExecution, for state machines whose executions run in this process. The stand-in does not know how to run one: it is handed an
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

/** What DescribeStateMachine tells of a state machine: its definition as deployed (Fn::GetAtt resolved). */
export interface StateMachineDescription {
  definition: string;
  roleArn?: string;
}

export interface LocalStepFunctionsOptions {
  /** Runner per state machine ARN; StartExecution of any other ARN is StateMachineDoesNotExist. */
  stateMachines: Record<string, ExecutionRunner>;
  /** Definitions by state machine ARN, for DescribeStateMachine and the Task events of the history. */
  definitions?: Record<string, StateMachineDescription>;
  /** State machines whose executions `idle` does not wait for (timers that act much later). */
  timers?: string[];
  now: () => number;
}

/** One Task state of a definition, as far as the history events need it. */
interface TaskDefinition {
  Resource?: string;
  Parameters?: Record<string, unknown>;
  TimeoutSeconds?: number;
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

/**
 * The parameters a Task sends: `"Key.$": "$"` (the state input) and `"$$.Execution.Input"` resolved;
 * the definitions here use no other paths in their parameters.
 */
function effectiveParameters(
  template: Record<string, unknown>,
  input: unknown,
  record: ExecutionRecord,
): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      const name = key.slice(0, -2);
      if (value === '$') resolved[name] = input;
      else if (value === '$$.Execution.Input') resolved[name] = JSON.parse(record.input);
      else resolved[name] = value;
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      resolved[key] = effectiveParameters(value as Record<string, unknown>, input, record);
    } else {
      resolved[key] = value;
    }
  }
  return resolved;
}

export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export class LocalStepFunctions {
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly controllers = new Map<string, AbortController>();
  /** When the state machines were created: when this endpoint started. */
  readonly creationDate: number;
  private readonly parsedDefinitions = new Map<string, { States?: Record<string, TaskDefinition> }>();

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.creationDate = options.now();
    for (const [arn, description] of Object.entries(options.definitions ?? {})) {
      this.parsedDefinitions.set(arn, JSON.parse(description.definition));
    }
  }

  /** The state machines it can run. */
  get stateMachineArns(): string[] {
    return Object.keys(this.options.stateMachines);
  }

  /** The state machine, by ARN: StateMachineDoesNotExist (or InvalidArn) when there is none. */
  stateMachine(stateMachineArn: unknown): { arn: string; name: string } & Partial<StateMachineDescription> {
    if (typeof stateMachineArn !== 'string' || !STATE_MACHINE_ARN.test(stateMachineArn)) {
      throw sfnError.invalidArn(String(stateMachineArn));
    }
    if (!this.options.stateMachines[stateMachineArn])
      throw sfnError.stateMachineDoesNotExist(stateMachineArn);
    return {
      arn: stateMachineArn,
      name: stateMachineArn.slice(stateMachineArn.lastIndexOf(':') + 1),
      ...this.options.definitions?.[stateMachineArn],
    };
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
        roleArn: this.roleArnOf(stateMachineArn),
      },
    });
    record.done = this.run(record, runner, parsed, controller.signal);
    return record;
  }

  roleArnOf(stateMachineArn: string): string {
    return (
      this.options.definitions?.[stateMachineArn]?.roleArn ??
      stateMachineArn.replace(/:states:[^:]+:(\d{12}):stateMachine:(.+)$/, ':iam::$1:role/$2Role')
    );
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

  /**
   * The engine's state events become the events Step Functions records: `<Type>StateEntered` and
   * `<Type>StateExited`, and for a Task (an `arn:aws:states:::lambda:invoke` integration) TaskScheduled,
   * TaskStarted, then TaskSucceeded or TaskFailed, scheduled again on each retry.
   */
  private recordEngineEvent(record: ExecutionRecord, event: EngineEvent): void {
    const state = event.state;
    if (!state || record.status !== 'RUNNING') return;
    const at = event.timestamp;
    const task = state.type === 'Task' ? this.taskOf(record, state.name) : undefined;
    if (event.type === 'StateEntered') {
      this.append(record, `${state.type}StateEntered`, at, {
        stateEnteredEventDetails: {
          name: state.name,
          input: JSON.stringify(state.input ?? null),
          inputDetails: { truncated: false },
        },
      });
      if (task) this.scheduleTask(record, task, state.input, at);
    } else if (event.type === 'StateRetried') {
      if (task) this.scheduleTask(record, task, state.input, at);
    } else if (event.type === 'StateExited') {
      if (task) {
        this.append(record, 'TaskSucceeded', at, {
          taskSucceededEventDetails: {
            ...task.resource,
            output: JSON.stringify(state.output ?? null),
            outputDetails: { truncated: false },
          },
        });
      }
      this.append(record, `${state.type}StateExited`, at, {
        stateExitedEventDetails: {
          name: state.name,
          output: JSON.stringify(state.output ?? null),
          outputDetails: { truncated: false },
        },
      });
    } else if (event.type === 'StateFailed' && state.type === 'Task') {
      this.append(record, 'TaskFailed', at, {
        taskFailedEventDetails: {
          ...(task?.resource ?? { resourceType: 'lambda', resource: 'invoke' }),
          error: event.Error ?? 'States.TaskFailed',
          cause: typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause ?? null),
        },
      });
    }
  }

  /** `arn:aws:states:::lambda:invoke` is resourceType `lambda`, resource `invoke`. */
  private taskOf(record: ExecutionRecord, stateName: string) {
    const definition = this.parsedDefinitions.get(record.stateMachineArn)?.States?.[stateName];
    const [, resourceType = 'lambda', resource = 'invoke'] =
      /^arn:[^:]+:states:::([^:]+):(.+)$/.exec(definition?.Resource ?? '') ?? [];
    return { definition, resource: { resourceType, resource } };
  }

  private scheduleTask(
    record: ExecutionRecord,
    task: ReturnType<LocalStepFunctions['taskOf']>,
    input: unknown,
    at: number,
  ): void {
    const region = record.stateMachineArn.split(':')[3] ?? 'us-east-1';
    this.append(record, 'TaskScheduled', at, {
      taskScheduledEventDetails: {
        ...task.resource,
        region,
        parameters: JSON.stringify(effectiveParameters(task.definition?.Parameters ?? {}, input, record)),
        ...(task.definition?.TimeoutSeconds ? { timeoutInSeconds: task.definition.TimeoutSeconds } : {}),
      },
    });
    this.append(record, 'TaskStarted', at, { taskStartedEventDetails: task.resource });
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

  /** Resolves once no execution is running (timers aside), including those started while waiting. */
  async idle(): Promise<void> {
    const timers = new Set(this.options.timers ?? []);
    for (;;) {
      const running = [...this.executions.values()].filter(
        (record) => record.status === 'RUNNING' && !timers.has(record.stateMachineArn),
      );
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

/** What ListExecutions says of an execution; DescribeExecution says this and more. */
function executionListItem(record: ExecutionRecord) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    ...(record.stopDate === undefined ? {} : { stopDate: seconds(record.stopDate) }),
  };
}

const describeExecution: StepFunctionsOperation = (sfn, body) => {
  const record = sfn.find(body.executionArn);
  return {
    ...executionListItem(record),
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
  const stateMachineArn = sfn.stateMachine(body.stateMachineArn).arn;
  const filter = typeof body.statusFilter === 'string' ? body.statusFilter : undefined;
  const matching = [...sfn.executions.values()]
    .filter((record) => record.stateMachineArn === stateMachineArn)
    .filter((record) => filter === undefined || record.status === filter)
    .sort((a, b) => b.startDate - a.startDate);
  const { items, nextToken } = page(matching, body, `${stateMachineArn}:${filter ?? ''}`);
  return {
    executions: items.map(executionListItem),
    ...(nextToken ? { nextToken } : {}),
  };
};

const stopExecution: StepFunctionsOperation = (sfn, body) => {
  const record = sfn.stop(body.executionArn, body.error, body.cause);
  return { stopDate: seconds(record.stopDate) };
};

const listStateMachines: StepFunctionsOperation = (sfn, body) => {
  const machines = sfn.stateMachineArns.map((arn) => sfn.stateMachine(arn));
  const { items, nextToken } = page(machines, body, 'stateMachines');
  return {
    stateMachines: items.map((machine) => ({
      stateMachineArn: machine.arn,
      name: machine.name,
      type: 'STANDARD',
      creationDate: seconds(sfn.creationDate),
    })),
    ...(nextToken ? { nextToken } : {}),
  };
};

function stateMachineDescription(sfn: LocalStepFunctions, stateMachineArn: string) {
  const machine = sfn.stateMachine(stateMachineArn);
  return {
    stateMachineArn: machine.arn,
    name: machine.name,
    status: 'ACTIVE',
    definition: machine.definition ?? '{}',
    roleArn: sfn.roleArnOf(machine.arn),
    type: 'STANDARD',
    creationDate: seconds(sfn.creationDate),
    // As serverless.yml configures them: errors only, without execution data.
    loggingConfiguration: { level: 'ERROR', includeExecutionData: false },
    tracingConfiguration: { enabled: false },
  };
}

const describeStateMachine: StepFunctionsOperation = (sfn, body) =>
  stateMachineDescription(sfn, body.stateMachineArn as string);

const describeStateMachineForExecution: StepFunctionsOperation = (sfn, body) => {
  const { stateMachineArn, creationDate, ...rest } = stateMachineDescription(
    sfn,
    sfn.find(body.executionArn).stateMachineArn,
  );
  const { status: _status, type: _type, ...kept } = rest;
  return { stateMachineArn, ...kept, updateDate: creationDate };
};

export const stepFunctionsOperations: Record<string, StepFunctionsOperation> = {
  ListStateMachines: listStateMachines,
  DescribeStateMachine: describeStateMachine,
  DescribeStateMachineForExecution: describeStateMachineForExecution,
  StartExecution: startExecution,
  DescribeExecution: describeExecution,
  GetExecutionHistory: getExecutionHistory,
  ListExecutions: listExecutions,
  StopExecution: stopExecution,
};
