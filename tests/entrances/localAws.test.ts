/**
 * The parts of the local stand-in the entrances talk to, through the real SDK clients: Step
 * Functions (JSON 1.0), EventBridge (JSON 1.1) and CloudFormation (Query). Executions run on runners
 * the test controls, so what is checked is the service's behaviour, not the workflows'.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ExecutionOutcome,
  type ExecutionRequest,
  type StandIn,
  startStandIn,
} from '../../local/standin';
import { rejection } from '../support/rejection';

const PROVISION = 'arn:aws:states:us-east-1:000000000000:stateMachine:ProvisionStateMachine';
const TEARDOWN = 'arn:aws:states:us-east-1:000000000000:stateMachine:TeardownStateMachine';

/** Runs that wait for the test to end them; each reports two states as the local runner would. */
const pending = new Map<string, (outcome: ExecutionOutcome) => void>();
const received: ExecutionRequest[] = [];

function controlledRunner(request: ExecutionRequest): Promise<ExecutionOutcome> {
  received.push(request);
  const at = Date.now();
  request.onEvent({
    type: 'StateEntered',
    timestamp: at,
    state: { name: 'ValidateRequest', type: 'Task', input: request.input },
  });
  request.onEvent({
    type: 'StateFailed',
    timestamp: at,
    state: { name: 'ValidateRequest', type: 'Task' },
    Error: 'Throttling',
    Cause: 'Rate exceeded',
  });
  request.onEvent({
    type: 'StateRetried',
    timestamp: at,
    state: { name: 'ValidateRequest', type: 'Task', input: request.input },
  });
  request.onEvent({
    type: 'StateExited',
    timestamp: at,
    state: {
      name: 'ValidateRequest',
      type: 'Task',
      output: { request: { ReplicationGroupId: 'orders-cache' } },
    },
  });
  request.onEvent({
    type: 'StateEntered',
    timestamp: at,
    state: { name: 'UsesRbac', type: 'Choice', input: {} },
  });
  return new Promise((resolve) => {
    pending.set(request.executionArn, resolve);
    request.signal.addEventListener('abort', () =>
      resolve({ status: 'FAILED', aborted: true, error: { Error: 'States.Aborted', Cause: 'stopped' } }),
    );
  });
}

let standIn: StandIn;
let sfn: SFNClient;
let eventBridge: EventBridgeClient;
let cloudFormation: CloudFormationClient;

beforeAll(async () => {
  standIn = await startStandIn({
    stateMachines: { [PROVISION]: controlledRunner, [TEARDOWN]: controlledRunner },
    eventRules: [
      {
        name: 'provision',
        source: ['custom.elasticache-provisioner'],
        detailType: ['ElastiCache Provisioning Requested'],
        stateMachineArn: PROVISION,
      },
    ],
  });
  const config = {
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  sfn = new SFNClient(config);
  eventBridge = new EventBridgeClient(config);
  cloudFormation = new CloudFormationClient(config);
});

afterAll(async () => {
  await standIn?.close();
});

beforeEach(() => {
  received.length = 0;
});

/** Ends a controlled execution and waits until Step Functions reports it ended. */
async function finish(executionArn: string, outcome: ExecutionOutcome): Promise<void> {
  pending.get(executionArn)?.(outcome);
  await standIn.execution(executionArn)?.done;
}

const start = (name: string, input: unknown, stateMachineArn = PROVISION) =>
  sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));

describe('the local Step Functions', () => {
  it('starts an execution of a known state machine, runs it, and describes it as it ends', async () => {
    // Act
    const started = await start('orders-1', { ReplicationGroupId: 'orders-cache' });
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    await finish(started.executionArn ?? '', { status: 'SUCCEEDED', output: { Status: 'available' } });
    const ended = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));

    // Assess
    expect(started.executionArn).toBe(
      'arn:aws:states:us-east-1:000000000000:execution:ProvisionStateMachine:orders-1',
    );
    expect(started.startDate).toBeInstanceOf(Date);
    expect(received[0]).toMatchObject({ name: 'orders-1', input: { ReplicationGroupId: 'orders-cache' } });
    expect(running).toMatchObject({ status: 'RUNNING', name: 'orders-1', stateMachineArn: PROVISION });
    expect(running.stopDate).toBeUndefined();
    expect(ended).toMatchObject({
      status: 'SUCCEEDED',
      input: '{"ReplicationGroupId":"orders-cache"}',
      output: '{"Status":"available"}',
    });
    expect(ended.stopDate).toBeInstanceOf(Date);
  });

  it('answers the same name and input, while the execution runs, with the same execution, as Step Functions does', async () => {
    // Prepare
    const first = await start('orders-2', { ReplicationGroupId: 'orders-cache' });

    // Act
    const again = await start('orders-2', { ReplicationGroupId: 'orders-cache' });
    const otherInput = await rejection(start('orders-2', { ReplicationGroupId: 'other-cache' }));
    await finish(first.executionArn ?? '', { status: 'SUCCEEDED', output: {} });
    const afterEnd = await rejection(start('orders-2', { ReplicationGroupId: 'orders-cache' }));

    // Assess
    expect(again.executionArn).toBe(first.executionArn);
    expect(received).toHaveLength(1);
    expect(otherInput.name).toBe('ExecutionAlreadyExists');
    expect(afterEnd.name).toBe('ExecutionAlreadyExists');
  });

  it.each([
    [
      'an unknown state machine',
      { stateMachineArn: `${PROVISION}-other`, name: 'x' },
      'StateMachineDoesNotExist',
    ],
    ['a name with a space', { stateMachineArn: PROVISION, name: 'orders cache' }, 'InvalidName'],
    ['a name of 81 characters', { stateMachineArn: PROVISION, name: 'x'.repeat(81) }, 'InvalidName'],
    [
      'an input that is not JSON',
      { stateMachineArn: PROVISION, name: 'x', input: '{' },
      'InvalidExecutionInput',
    ],
    [
      'an ARN of something else',
      { stateMachineArn: 'arn:aws:lambda:us-east-1:000000000000:function:x' },
      'InvalidArn',
    ],
  ])('refuses %s', async (_label, input, code) => {
    // Act
    const error = await rejection(sfn.send(new StartExecutionCommand(input)));

    // Assess
    expect(error.name).toBe(code);
    expect(received).toHaveLength(0);
  });

  it('keeps the history Step Functions would, in pages, with or without the execution data', async () => {
    // Prepare
    const started = await start('orders-3', { ReplicationGroupId: 'orders-cache' });
    await finish(started.executionArn ?? '', {
      status: 'FAILED',
      error: { Error: 'ValidationError', Cause: '{"problems":[]}' },
    });

    // Act
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 2, nextToken }),
      );
      expect(page.events?.length).toBeLessThanOrEqual(2);
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const withoutData = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: started.executionArn, includeExecutionData: false }),
    );
    const newestFirst = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: started.executionArn,
        reverseOrder: true,
        maxResults: 1,
      }),
    );

    // Assess
    expect(events.map((event) => [event.id, event.previousEventId, event.type])).toEqual([
      [1, 0, 'ExecutionStarted'],
      [2, 1, 'TaskStateEntered'],
      [3, 2, 'TaskScheduled'],
      [4, 3, 'TaskStarted'],
      [5, 4, 'TaskFailed'],
      [6, 5, 'TaskScheduled'],
      [7, 6, 'TaskStarted'],
      [8, 7, 'TaskSucceeded'],
      [9, 8, 'TaskStateExited'],
      [10, 9, 'ChoiceStateEntered'],
      [11, 10, 'ExecutionFailed'],
    ]);
    expect(events[0]?.executionStartedEventDetails?.input).toBe('{"ReplicationGroupId":"orders-cache"}');
    expect(events[1]?.stateEnteredEventDetails).toMatchObject({
      name: 'ValidateRequest',
      input: '{"ReplicationGroupId":"orders-cache"}',
    });
    expect(events[1]?.timestamp).toBeInstanceOf(Date);
    expect(events[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
    });
    expect(events[4]?.taskFailedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'Throttling',
      cause: 'Rate exceeded',
    });
    expect(events[8]?.stateExitedEventDetails?.output).toBe(
      '{"request":{"ReplicationGroupId":"orders-cache"}}',
    );
    expect(events[10]?.executionFailedEventDetails).toEqual({
      error: 'ValidationError',
      cause: '{"problems":[]}',
    });
    expect(withoutData.events?.[1]?.stateEnteredEventDetails).toEqual({
      name: 'ValidateRequest',
      inputDetails: { truncated: false },
    });
    expect(newestFirst.events?.map((event) => event.type)).toEqual(['ExecutionFailed']);
    expect(newestFirst.nextToken).toBeDefined();
  });

  it('stops a running execution: it ends ABORTED and its run is told to stop', async () => {
    // Prepare
    const started = await start('orders-4', { ReplicationGroupId: 'orders-cache' });

    // Act
    await sfn.send(
      new StopExecutionCommand({ executionArn: started.executionArn, error: 'Cancelled', cause: 'by hand' }),
    );
    const stopped = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));

    // Assess
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'by hand' });
    expect(received[0]?.signal.aborted).toBe(true);
  });

  it('lists the executions of a state machine, newest first, filtered by status', async () => {
    // Prepare
    const started = await start('teardown-1', { ReplicationGroupId: 'orders-cache' }, TEARDOWN);

    // Act
    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: TEARDOWN, statusFilter: 'RUNNING' }),
    );
    await finish(started.executionArn ?? '', { status: 'SUCCEEDED', output: {} });
    const provisioning = await sfn.send(new ListExecutionsCommand({ stateMachineArn: PROVISION }));

    // Assess
    expect(running.executions?.map((execution) => execution.name)).toEqual(['teardown-1']);
    expect(provisioning.executions?.map((execution) => execution.name)).toEqual([
      'orders-4',
      'orders-3',
      'orders-2',
      'orders-1',
    ]);
  });

  it('tells an execution it does not know from a malformed ARN', async () => {
    // Act
    const unknown = await rejection(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${PROVISION.replace(':stateMachine:', ':execution:')}:nope`,
        }),
      ),
    );
    const malformed = await rejection(sfn.send(new DescribeExecutionCommand({ executionArn: 'nope' })));

    // Assess
    expect(unknown.name).toBe('ExecutionDoesNotExist');
    expect(malformed.name).toBe('InvalidArn');
  });
});

describe('the local EventBridge', () => {
  it('records the events it accepts, and starts the state machine of every rule that matches with the whole event', async () => {
    // Act
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'custom.elasticache-provisioner',
            DetailType: 'ElastiCache Provisioning Requested',
            Detail: '{"ReplicationGroupId":"orders-cache"}',
          },
          { Source: 'someone.else', DetailType: 'ElastiCache Provisioning Requested', Detail: '{}' },
        ],
      }),
    );

    // Assess
    expect(out.FailedEntryCount).toBe(0);
    const [matched, ignored] = out.Entries ?? [];
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      stateMachineArn: PROVISION,
      input: {
        version: '0',
        id: matched?.EventId,
        'detail-type': 'ElastiCache Provisioning Requested',
        source: 'custom.elasticache-provisioner',
        account: '000000000000',
        region: 'us-east-1',
        resources: [],
        detail: { ReplicationGroupId: 'orders-cache' },
      },
    });
    const published = standIn.state.publishedEvents.slice(-2);
    expect(
      published.map((event) => [event.EventId, event.EventBusName, event.StartedExecutions.length]),
    ).toEqual([
      [matched?.EventId, 'default', 1],
      [ignored?.EventId, 'default', 0],
    ]);
    await finish(received[0]?.executionArn ?? '', { status: 'SUCCEEDED', output: {} });
  });

  it('fails the entries it cannot accept, one by one, and a request without entries as a whole', async () => {
    // Act
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'custom.elasticache-provisioner', DetailType: 'x', Detail: 'not json' },
          { Source: 'custom.elasticache-provisioner', DetailType: 'x', Detail: '{"ok":true}' },
        ],
      }),
    );
    const empty = await rejection(eventBridge.send(new PutEventsCommand({ Entries: [] })));

    // Assess
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(out.Entries?.[1]?.EventId).toEqual(expect.any(String));
    expect(empty.name).toBe('ValidationException');
  });
});

describe('the local CloudFormation', () => {
  it('describes the stacks declared to it, and refuses others as CloudFormation does', async () => {
    // Prepare
    const stackId = 'arn:aws:cloudformation:us-east-1:000000000000:stack/SC-000000000000-pp-abc/1f2e3d4c';
    standIn.putStack(stackId, 'UPDATE_ROLLBACK_IN_PROGRESS');

    // Act
    const described = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }));
    const byName = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: 'SC-000000000000-pp-abc' }),
    );
    const unknown = await rejection(cloudFormation.send(new DescribeStacksCommand({ StackName: 'nope' })));

    // Assess
    expect(described.Stacks).toEqual([
      expect.objectContaining({
        StackId: stackId,
        StackName: 'SC-000000000000-pp-abc',
        StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
        CreationTime: expect.any(Date),
      }),
    ]);
    expect(byName.Stacks?.[0]?.StackId).toBe(stackId);
    expect(unknown.name).toBe('ValidationError');
    expect(unknown.message).toBe('Stack with id nope does not exist');
  });
});
