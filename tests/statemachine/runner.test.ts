import { describe, expect, it } from 'vitest';
import {
  type AslDefinition,
  createLocalWorkflow,
  type LambdaHandler,
  loadDefinition,
  type ProgressEvent,
  type RunResult,
  taskFunctions,
} from '../../local/workflow';

/** Stand-ins for the functions, for what the runner itself must do whatever the handlers are. */
const normalised = {
  ReplicationGroupId: 'orders-cache',
  ClusterMode: 'disabled',
  Polling: { InitialWaitSeconds: 0 },
};
const stub = (result: unknown): LambdaHandler => (async () => result) as LambdaHandler;
/** A function that returns the state document with its result under `key`, as the work functions do. */
const storing = (key: string, result: unknown): LambdaHandler =>
  (async (state: Record<string, unknown>) => ({ ...state, [key]: result })) as unknown as LambdaHandler;
const failing = (name: string, message: string): LambdaHandler =>
  (async () => {
    const error = new Error(message);
    error.name = name;
    throw error;
  }) as LambdaHandler;
const available = {
  Status: 'available',
  Attempt: 1,
  ElapsedSeconds: 0,
  NextWaitSeconds: 0,
  Available: true,
  Result: { ReplicationGroupId: 'orders-cache', Status: 'available' },
};
const succeedingHandlers = {
  validateRequest: stub(normalised),
  planChange: storing('change', { Exists: false, Done: true }),
  createReplicationGroup: storing('replicationGroup', {
    ReplicationGroupId: 'orders-cache',
    Status: 'creating',
    Created: true,
  }),
  waitAvailable: storing('poll', available),
};

/** The states an execution entered, in order. */
function statesEntered(execution: RunResult): string[] {
  return execution.events.filter((event) => event.type === 'StateEntered').map((event) => event.state);
}

/** The error a state's Catch stored at $.error, as the history shows the state's output. */
function caughtBy(execution: RunResult, name: string): { Error: string; Cause: string } | undefined {
  const exited = execution.history.find((event) => event.type === 'StateExited' && event.state.name === name);
  const output = (exited && 'state' in exited ? exited.state.output : {}) as {
    error?: { Error: string; Cause: string };
  };
  return output.error;
}

function withState(definition: AslDefinition, name: string, change: Record<string, unknown>): AslDefinition {
  const copy = structuredClone(definition);
  const state = copy.States[name];
  if (!state) throw new Error(`no state ${name}`);
  copy.States[name] = { ...state, ...change };
  return copy;
}

describe('the local runner of the provisioning state machine', () => {
  it('maps every Task to the function its Fn::GetAtt names, both create states to one function', () => {
    // Act
    const mapping = taskFunctions(loadDefinition());

    // Assess
    expect(mapping).toEqual({
      ValidateRequest: 'validateRequest',
      PlanChange: 'planChange',
      EnsureUsers: 'ensureUsers',
      EnsureGroup: 'ensureGroup',
      CreateClusterModeDisabled: 'createReplicationGroup',
      CreateClusterModeEnabled: 'createReplicationGroup',
      CheckAvailable: 'waitAvailable',
      ApplyNextChange: 'applyChange',
      DeleteUserSecrets: 'deleteUserSecrets',
      NotifySuccess: 'notifyResult',
      NotifyFailure: 'notifyResult',
    });
  });

  it('refuses to run when a Task has no local handler, rather than calling AWS Lambda', () => {
    // Prepare
    const definition = loadDefinition();
    const ensureUsers = definition.States.EnsureUsers;
    const changed = withState(definition, 'EnsureUsers', {
      Parameters: { ...ensureUsers?.Parameters, FunctionName: { 'Fn::GetAtt': ['rotateSecrets', 'Arn'] } },
    });

    // Act / Assess
    expect(() => createLocalWorkflow({ definition: changed })).toThrow(
      'No local handler for: EnsureUsers (rotateSecrets)',
    );
  });

  it('hands a function its Payload and returns its result JSON-serialised under Payload, as Lambda does', async () => {
    // Prepare
    let received: unknown;
    const validateRequest = (async (event: unknown) => {
      received = event;
      return { ...normalised, Dropped: undefined, When: new Date(0) };
    }) as LambdaHandler;
    const workflow = createLocalWorkflow({ handlers: { ...succeedingHandlers, validateRequest } });

    // Act
    const execution = await workflow.run({ ReplicationGroupId: 'Orders-Cache' });

    // Assess
    expect(received).toEqual({ ReplicationGroupId: 'Orders-Cache' });
    const stored = execution.history.find(
      (event) => event.type === 'StateExited' && event.state.name === 'ValidateRequest',
    );
    expect(stored && 'state' in stored ? stored.state.output : undefined).toEqual({
      request: { ...normalised, When: '1970-01-01T00:00:00.000Z' },
      // Kept beside it for the log lines and the time limit; the run is anonymous, hence a UUID.
      execution: { Name: expect.stringMatching(/^[0-9a-f-]{36}$/), StartTime: expect.any(String) },
    });
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: available.Result });
  });

  it('reports a function error with the Cause AWS gives: {"errorType","errorMessage","trace"}', async () => {
    // Prepare
    const workflow = createLocalWorkflow({
      handlers: {
        ...succeedingHandlers,
        createReplicationGroup: failing('ClusterQuotaForCustomerExceededFault', 'Too many nodes.'),
      },
    });

    // Act
    const execution = await workflow.run({});

    // Assess: the caught error, as the Task's Catch stored it at $.error.
    const caught = caughtBy(execution, 'CreateClusterModeDisabled');
    expect(caught?.Error).toBe('ClusterQuotaForCustomerExceededFault');
    const cause = JSON.parse(caught?.Cause ?? '{}') as Record<string, unknown>;
    expect(cause).toMatchObject({
      errorType: 'ClusterQuotaForCustomerExceededFault',
      errorMessage: 'Too many nodes.',
    });
    expect(cause.trace).toEqual(
      expect.arrayContaining([expect.stringContaining('ClusterQuotaForCustomerExceededFault')]),
    );
    // The execution's own cause is just the message a person can act on.
    expect(execution.error).toEqual({
      Error: 'ClusterQuotaForCustomerExceededFault',
      Cause: 'Too many nodes.',
    });
  });

  it('streams progress events with elapsed time and counts every state entered and retry as a transition', async () => {
    // Prepare
    let calls = 0;
    const flaky = (async () => {
      calls += 1;
      if (calls === 1) {
        const error = new Error('Rate exceeded');
        error.name = 'Throttling';
        throw error;
      }
      return { ReplicationGroupId: 'orders-cache', Status: 'creating', Created: true };
    }) as LambdaHandler;
    const workflow = createLocalWorkflow({
      handlers: { ...succeedingHandlers, createReplicationGroup: flaky },
      retryIntervalOverrides: 0,
    });
    const received: ProgressEvent[] = [];

    // Act
    const execution = await workflow.run({}, { onEvent: (event) => received.push(event) });

    // Assess
    expect(received).toEqual(execution.events);
    expect(received).toContainEqual(
      expect.objectContaining({
        type: 'StateRetried',
        state: 'CreateClusterModeDisabled',
        error: 'Throttling',
        message: 'Rate exceeded',
        attempt: 1,
      }),
    );
    for (const event of received) expect(event.elapsedMs).toBeGreaterThanOrEqual(0);
    const entered = received.filter((event) => event.type === 'StateEntered').length;
    expect(execution.transitions).toBe(entered + 1);
  });

  it('keeps a cause that is not a function error as it is (a Task timing out)', async () => {
    // Prepare
    const definition = withState(loadDefinition(), 'ValidateRequest', { TimeoutSeconds: 1 });
    const never = (() => new Promise(() => undefined)) as LambdaHandler;
    const workflow = createLocalWorkflow({
      definition,
      handlers: { validateRequest: never },
      retryIntervalOverrides: 0,
    });

    // Act
    const execution = await workflow.run({});

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toEqual({
      Error: 'States.Timeout',
      Cause: caughtBy(execution, 'ValidateRequest')?.Cause,
    });
    expect(statesEntered(execution)).toEqual([
      'ValidateRequest',
      'NotifyFailure',
      'RouteFailure',
      'ProvisioningFailed',
    ]);
  });

  it('ends a function error in its Fail state in four transitions, NotifyFailure decoding its cause', async () => {
    // Prepare
    const problems = { problems: [{ field: 'NumCacheClusters', message: 'must be 1 to 6' }] };
    const workflow = createLocalWorkflow({
      handlers: { validateRequest: failing('ValidationError', JSON.stringify(problems)) },
    });

    // Act
    const execution = await workflow.run({});

    // Assess
    expect(execution.error).toEqual({ Error: 'ValidationError', Cause: JSON.stringify(problems) });
    expect(statesEntered(execution)).toEqual([
      'ValidateRequest',
      'NotifyFailure',
      'RouteFailure',
      'ValidationError',
    ]);
    expect(execution.transitions).toBe(4);
  });

  it('still ends with the caught error, and a cause, when NotifyFailure fails too', async () => {
    // Prepare
    const workflow = createLocalWorkflow({
      handlers: {
        validateRequest: failing('ValidationError', '{"problems":[]}'),
        notifyResult: failing('ResultNotDelivered', 'EventBridge refused the event'),
      },
    });

    // Act
    const execution = await workflow.run({});

    // Assess
    expect(execution.error).toEqual({
      Error: 'ValidationError',
      Cause:
        'ValidationError could not be reported (ResultNotDelivered); its cause is in the execution history.',
    });
    expect(statesEntered(execution)).toEqual([
      'ValidateRequest',
      'NotifyFailure',
      'FailureNotReported',
      'RouteFailure',
      'ValidationError',
    ]);
  });

  it('ends in ResultNotDelivered with a cause when NotifySuccess times out, whatever it caught', async () => {
    // Prepare
    const definition = withState(loadDefinition(), 'NotifySuccess', { TimeoutSeconds: 1 });
    const never = (() => new Promise(() => undefined)) as LambdaHandler;
    const workflow = createLocalWorkflow({
      definition,
      handlers: { ...succeedingHandlers, notifyResult: never },
      retryIntervalOverrides: 0,
    });

    // Act
    const execution = await workflow.run({});

    // Assess
    const exited = execution.history.find(
      (event) => event.type === 'StateExited' && event.state.name === 'NotifySuccess',
    );
    expect(exited && 'state' in exited ? exited.state.output : undefined).toMatchObject({
      notificationError: { Error: 'States.Timeout' },
    });
    expect(execution.error).toEqual({
      Error: 'ResultNotDelivered',
      Cause: definition.States.ResultNotDelivered?.Cause,
    });
    expect(execution.error?.Cause).toMatch(/^The replication group is available/);
    expect(statesEntered(execution).slice(-2)).toEqual(['NotifySuccess', 'ResultNotDelivered']);
  });

  it('waits as the definition says unless told otherwise', async () => {
    // Prepare: WaitBeforeFirstCheck reads its duration from the request's polling settings.
    const handlers = {
      ...succeedingHandlers,
      validateRequest: stub({ ...normalised, Polling: { InitialWaitSeconds: 1 } }),
    };

    // Act
    const waited = await createLocalWorkflow({ handlers }).run({});
    const skipped = await createLocalWorkflow({ handlers, waitTimeOverrides: 0 }).run({});

    // Assess
    expect(waited.durationMs).toBeGreaterThanOrEqual(1000);
    expect(skipped.durationMs).toBeLessThan(1000);
  });
});
