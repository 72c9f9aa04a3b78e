/**
 * AWS mode: starts a real execution of the deployed state machine, follows it with the same progress
 * lines as a local run, and prints the result the same way.
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

export interface RemoteRunOptions {
  stateMachineArn: string;
  input: unknown;
  stderr: (line: string) => void;
  stdout: (document: unknown) => void;
  client?: Pick<SFNClient, 'send'>;
  pollMs?: number;
}

/** Same input, same name: running the command twice follows the first execution instead of starting another. */
export function executionName(input: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 16);
  const id =
    typeof input === 'object' && input !== null && 'ReplicationGroupId' in input
      ? String((input as { ReplicationGroupId: unknown }).ReplicationGroupId).replace(/[^A-Za-z0-9-]/g, '')
      : 'request';
  return `provision-${id.slice(0, 40)}-${digest}`;
}

export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function runInAws(options: RemoteRunOptions): Promise<number> {
  const client = options.client ?? new SFNClient({});
  const name = executionName(options.input);
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

  let nextToken: string | undefined;
  let startedAt: number | undefined;
  for (;;) {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 100 }),
    );
    for (const event of page.events ?? []) {
      startedAt ??= event.timestamp?.getTime();
      const line = describeEvent(event, startedAt);
      if (line) options.stderr(line);
    }
    if (page.nextToken) {
      nextToken = page.nextToken;
      continue;
    }
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status === 'SUCCEEDED') {
      options.stdout(JSON.parse(execution.output ?? 'null'));
      return 0;
    }
    if (execution.status && execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      options.stdout({ Error: execution.error ?? execution.status, Cause: execution.cause });
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5000));
  }
}

function describeEvent(event: HistoryEvent, startedAt: number | undefined): string | undefined {
  const elapsed =
    startedAt !== undefined && event.timestamp ? (event.timestamp.getTime() - startedAt) / 1000 : 0;
  const at = `[${elapsed.toFixed(2).padStart(7)}s]`;
  const entered = event.stateEnteredEventDetails;
  if (entered?.name) return `${at} ${entered.name}`;
  const failed = event.lambdaFunctionFailedEventDetails ?? event.taskFailedEventDetails;
  if (failed) return `${at}   ${failed.error ?? 'error'}`;
  return undefined;
}
