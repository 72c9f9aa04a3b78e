/**
 * Counts the state transitions the real provisioning ASL spends on the polling phase by running it with
 * aws-local-stepfunctions and stub tasks: waitAvailable answers Available on its k-th invocation, and the
 * StateEntered events from the first Wait (or check) after createReplicationGroup up to the Choice after
 * the last waitAvailable are counted for k = 1, 2, 3 (they must fit `initial + perInvocation x k`).
 * Bookkeeping Pass states inside the loop count: Step Functions bills them like any other state.
 */

import { existsSync, readFileSync } from 'node:fs';
import type { StateMachine as StateMachineType } from 'aws-local-stepfunctions';
import { POLLING_DEFAULTS } from '../shared/provision/polling';
import { benchRequest } from './request';
import type { TransitionModel } from './schedules';

export const ASL_PATH = new URL('../statemachines/provision.asl.json', import.meta.url);

/** Step Functions Standard bills one transition per state entered (Wait, Task, Choice, Pass ... alike). */
export const FALLBACK_TRANSITIONS: TransitionModel = {
  initial: 0,
  perInvocation: 3,
  source:
    'fallback: (InitialWait + waitAvailable + Choice) + (Wait + waitAvailable + Choice) per further invocation',
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface AslState {
  Type: string;
  ResultPath?: string | null;
  Parameters?: { FunctionName?: Json };
  Resource?: string;
  Iterator?: { States: Record<string, AslState> };
  ItemProcessor?: { States: Record<string, AslState> };
  Branches?: { States: Record<string, AslState> }[];
}
interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}

/** `Promise.withResolvers` is Node 22+; aws-local-stepfunctions needs it (every Task fails without it). */
export function polyfillPromiseWithResolvers(): void {
  const promiseConstructor = Promise as unknown as { withResolvers?: unknown };
  if (typeof promiseConstructor.withResolvers === 'function') return;
  promiseConstructor.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export function readAsl(path: URL | string = ASL_PATH): AslDefinition | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as AslDefinition;
}

/** The serverless.yml function a Task invokes (`{"Fn::GetAtt": ["<fn>", "Arn"]}` or a plain name/ARN). */
export function taskFunction(state: AslState): string | undefined {
  const target = state.Parameters?.FunctionName;
  if (target && typeof target === 'object' && !Array.isArray(target)) {
    const getAtt = target['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  if (typeof target === 'string') return target.split(':').pop();
  return undefined;
}

/** Every state of the definition, nested Map/Parallel states included (overrides are keyed by name). */
export function allStates(definition: { States: Record<string, AslState> }): [string, AslState][] {
  const found: [string, AslState][] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    found.push([name, state]);
    const nested = [state.Iterator, state.ItemProcessor, ...(state.Branches ?? [])];
    for (const child of nested) if (child) found.push(...allStates(child));
  }
  return found;
}

function stubRequest(): Json {
  return benchRequest({ ...POLLING_DEFAULTS }) as unknown as Json;
}

/** Where each work function stores its result in the state document. */
const RESULT_KEYS: Record<string, string> = {
  planChange: 'change',
  ensureUsers: 'users',
  ensureGroup: 'userGroup',
  createReplicationGroup: 'replicationGroup',
  waitAvailable: 'poll',
};

function stubResult(fn: string | undefined, invocation: number, availableOn: number): Json {
  switch (fn) {
    case 'validateRequest':
      return stubRequest();
    case 'planChange':
      // A new group: nothing to change in place, so the run creates it.
      return { Exists: false, Done: true, Changes: [] };
    case 'ensureUsers':
      return { Users: [], AllActive: true, Created: [], Modified: [] };
    case 'ensureGroup':
      return { UserGroupId: 'bench', Status: 'active', Active: true, Created: false, AddedUsers: [] };
    case 'createReplicationGroup':
      return { ReplicationGroupId: 'bench-cache', Status: 'creating', Created: true };
    case 'waitAvailable': {
      const available = invocation >= availableOn;
      return {
        Status: available ? 'available' : 'creating',
        Attempt: invocation,
        ElapsedSeconds: invocation * 600,
        NextWaitSeconds: POLLING_DEFAULTS.WaitSeconds,
        Available: available,
        ...(available
          ? {
              Result: {
                ReplicationGroupId: 'bench-cache',
                Status: 'available',
                ARN: 'arn:aws:elasticache:us-east-1:000000000000:replicationgroup:bench-cache',
                ClusterMode: 'disabled',
                Endpoints: { Primary: { Address: '127.0.0.1', Port: 6379 } },
                TransitEncryptionEnabled: false,
                UserGroupIds: [],
                Users: [],
                Created: { Users: [], UserGroup: false, ReplicationGroup: true },
              },
            }
          : {}),
      };
    }
    default:
      return {};
  }
}

/**
 * `ResultPath: "$"` is the ASL default (the result replaces the input), but aws-local-stepfunctions 3.0 stores
 * the result under a key named "$" instead; dropping the field gives the same semantics in both.
 */
export function withoutRootResultPath(definition: AslDefinition): AslDefinition {
  const copy = structuredClone(definition);
  for (const [, state] of allStates(copy)) if (state.ResultPath === '$') delete state.ResultPath;
  return copy;
}

async function pollingTransitions(
  StateMachine: typeof StateMachineType,
  definition: AslDefinition,
  availableOn: number,
): Promise<number> {
  const states = allStates(definition);
  const functionOf = new Map(states.map(([name, state]) => [name, taskFunction(state)]));
  const invocations = new Map<string, number>();
  const taskResourceLocalHandlers: Record<string, (input: Json) => Json> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of states) {
    if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
    if (state.Type === 'Task' || state.Type === 'Map' || state.Type === 'Parallel')
      retryIntervalOverrides[name] = 0;
    if (state.Type !== 'Task') continue;
    const fn = functionOf.get(name);
    taskResourceLocalHandlers[name] = (input) => {
      const count = (invocations.get(fn ?? name) ?? 0) + 1;
      invocations.set(fn ?? name, count);
      const result = stubResult(fn, count, availableOn);
      // The work functions return the state document with their result under its key.
      const key = fn === undefined ? undefined : RESULT_KEYS[fn];
      if (key === undefined) return { Payload: result };
      const document = (input as { Payload?: Record<string, Json> } | null)?.Payload ?? {};
      return { Payload: { ...document, [key]: result } };
    };
  }
  const machine = new StateMachine(withoutRootResultPath(definition) as never, {
    validationOptions: { checkArn: false, checkPaths: false },
  });
  const execution = machine.run(
    { ReplicationGroupId: 'bench-cache' },
    {
      overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides } as never,
      // Step Functions always sets these; the notifying states pass them on.
      context: {
        Execution: {
          Id: 'arn:aws:states:us-east-1:000000000000:execution:bench:bench',
          Name: 'bench',
          StartTime: new Date().toISOString(),
        },
      },
    },
  );
  await execution.result;
  const entered: { name: string; type: string }[] = [];
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') entered.push({ name: event.state.name, type: event.state.type });
  }
  const createExit = entered.findLastIndex((e) => functionOf.get(e.name) === 'createReplicationGroup');
  // The polling phase starts at the first Wait or check after the create (bookkeeping Pass states before it
  // belong to the create) and ends at the Choice that routes on the last check's answer.
  const start = entered.findIndex(
    (e, i) => i > createExit && (e.type === 'Wait' || functionOf.get(e.name) === 'waitAvailable'),
  );
  const lastCheck = entered.findLastIndex((e) => functionOf.get(e.name) === 'waitAvailable');
  if (createExit < 0 || start < 0 || lastCheck < 0) {
    throw new Error('the ASL did not reach createReplicationGroup and waitAvailable');
  }
  let end = lastCheck;
  while (entered[end + 1]?.type === 'Pass') end += 1;
  if (entered[end + 1]?.type === 'Choice') end += 1;
  return end - start + 1;
}

/** The polling-phase transition model of the real ASL, or the documented fallback (with the reason). */
export async function transitionModel(path: URL | string = ASL_PATH): Promise<TransitionModel> {
  const definition = readAsl(path);
  if (!definition)
    return { ...FALLBACK_TRANSITIONS, source: `${FALLBACK_TRANSITIONS.source} (no ASL file yet)` };
  polyfillPromiseWithResolvers();
  try {
    const { StateMachine } = await import('aws-local-stepfunctions');
    const [one, two, three] = [
      await pollingTransitions(StateMachine, definition, 1),
      await pollingTransitions(StateMachine, definition, 2),
      await pollingTransitions(StateMachine, definition, 3),
    ];
    const perInvocation = two - one;
    if (three - two !== perInvocation) throw new Error(`not linear: ${one}, ${two}, ${three}`);
    return {
      initial: one - perInvocation,
      perInvocation,
      source: `statemachines/provision.asl.json run with stubs: ${one}/${two}/${three} transitions for 1/2/3 checking invocations`,
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ...FALLBACK_TRANSITIONS, source: `${FALLBACK_TRANSITIONS.source} (ASL run failed: ${reason})` };
  }
}
