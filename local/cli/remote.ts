/**
 * AWS mode: starts a real execution of the deployed state machine (provisioning or teardown), follows
 * it with the same progress lines as a local run, and prints the result the same way.
 */
import { createHash } from 'node:crypto';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { SfnLike } from '../../shared/aws/types';
import { causeDocument, readableCause } from '../../shared/functionError';
import type { WorkflowKind } from '../../shared/workflow';
import type { ProgressEvent } from '../workflow';
import { progressPrinter } from './progress';

export interface RemoteRunOptions {
  stateMachineArn: string;
  input: unknown;
  stderr: (line: string) => void;
  stdout: (document: unknown) => void;
  /** Names the execution and picks the progress display; `provision` by default. */
  workflow?: WorkflowKind;
  client?: SfnLike;
  pollMs?: number;
  /** The execution's name; by default one derived from the input (see executionName). */
  name?: string;
}

/** The states whose entries the progress lines count as checks, per workflow. */
const POLLING_STATES: Record<WorkflowKind, ReadonlySet<string>> = {
  provision: new Set(['CheckAvailable']),
  teardown: new Set(['DeleteReplicationGroup']),
};

/** Same input, same name: running the command twice follows the first execution instead of starting another. */
export function executionName(input: unknown, workflow: WorkflowKind = 'provision'): string {
  const digest = createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 16);
  const id =
    typeof input === 'object' && input !== null && 'ReplicationGroupId' in input
      ? String((input as { ReplicationGroupId: unknown }).ReplicationGroupId).replace(/[^A-Za-z0-9-]/g, '')
      : 'request';
  return `${workflow}-${id.slice(0, 40)}-${digest}`;
}

export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function runInAws(options: RemoteRunOptions): Promise<number> {
  const client = options.client ?? new SFNClient({});
  const workflow = options.workflow ?? 'provision';
  const name = options.name ?? executionName(options.input, workflow);
  let executionArn: string;
  try {
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: options.stateMachineArn,
        name,
        input: JSON.stringify(options.input),
      }),
    );
    executionArn = started.executionArn ?? executionArnFor(options.stateMachineArn, name);
    options.stderr(`Started ${executionArn}`);
  } catch (err) {
    if (!(err instanceof ExecutionAlreadyExists)) throw err;
    executionArn = executionArnFor(options.stateMachineArn, name);
    options.stderr(`Following the execution already started for this request: ${executionArn}`);
  }

  const print = progressPrinter(options.stderr, POLLING_STATES[workflow]);
  const follow = historyFollower(print);
  for (;;) {
    // The status first: once it has ended, the history read after it holds every event.
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    // The history of a running execution is read from the start each time; events already shown are skipped.
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          nextToken,
          maxResults: 100,
          includeExecutionData: false,
        }),
      );
      for (const event of page.events ?? []) follow(event);
      nextToken = page.nextToken;
    } while (nextToken);

    if (execution.status === 'SUCCEEDED') {
      options.stdout(JSON.parse(execution.output ?? 'null'));
      return 0;
    }
    if (execution.status && execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      options.stdout({ Error: execution.error ?? execution.status, Cause: causeDocument(execution.cause) });
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5000));
  }
}

/**
 * Turns history events into the progress events of a local run: each state entered, and each failed
 * function call (the history does not say whether a retry or a catch follows).
 */
export function historyFollower(print: (event: ProgressEvent) => void): (event: HistoryEvent) => void {
  let lastId = 0;
  let startedAt: number | undefined;
  let currentState = '';
  return (event) => {
    if (event.id !== undefined) {
      if (event.id <= lastId) return;
      lastId = event.id;
    }
    const at = event.timestamp?.getTime();
    startedAt ??= at;
    const elapsedMs = at !== undefined && startedAt !== undefined ? at - startedAt : 0;
    const entered = event.stateEnteredEventDetails;
    if (entered?.name) {
      currentState = entered.name;
      const stateType = (event.type ?? '').replace(/StateEntered$/, '');
      print({ type: 'StateEntered', state: entered.name, stateType, elapsedMs });
      return;
    }
    const failed = event.lambdaFunctionFailedEventDetails ?? event.taskFailedEventDetails;
    if (failed) {
      print({
        type: 'StateCaught',
        state: currentState,
        stateType: 'Task',
        elapsedMs,
        error: failed.error ?? 'error',
        ...(failed.cause ? { message: readableCause(failed.cause) } : {}),
      });
    }
  };
}
