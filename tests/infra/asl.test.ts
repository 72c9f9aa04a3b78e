import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AslDefinition,
  type AslState,
  DEFINITION_PATHS,
  invokedFunction,
  loadDefinition,
  statesOfType,
} from '../../local/workflow/definition';
import { WORKFLOW_ERROR_NAMES } from '../../shared/errors';
import { MAX_SECONDS_CHECKING_PER_INVOCATION } from '../../shared/provision/polling';
import { validateAsl } from './support/aslValidator';

const definition = loadDefinition();
const definitions = [
  ['provision', definition],
  ['teardown', loadDefinition(DEFINITION_PATHS.teardown)],
] as const;

type Task = readonly [name: string, state: AslState];
const tasksOf = (asl: AslDefinition): Task[] =>
  statesOfType(asl, 'Task').map((name) => [name, asl.States[name] as AslState] as const);
/** The Tasks doing the work, each invoked with the whole state document. */
const workTasksOf = (asl: AslDefinition) => tasksOf(asl).filter(([, state]) => !isNotifyTask(state));
/** The Tasks handing the outcome over (CloudFormation, EventBridge) as an execution ends. */
const notifyTasksOf = (asl: AslDefinition) => tasksOf(asl).filter(([, state]) => isNotifyTask(state));
const isNotifyTask = (state: AslState) => invokedFunction(state) === 'notifyResult';

/** Every Task of both definitions, labelled for the test names. */
const allTasks = definitions.flatMap(([workflow, asl]) =>
  tasksOf(asl).map(([name, state]) => [`${workflow}: ${name}`, state] as const),
);
const allWorkTasks = definitions.flatMap(([workflow, asl]) =>
  workTasksOf(asl).map(([name, state]) => [`${workflow}: ${name}`, state] as const),
);
const allNotifyTasks = definitions.flatMap(([workflow, asl]) =>
  notifyTasksOf(asl).map(([name, state]) => [`${workflow}: ${name}`, workflow, state] as const),
);

const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];
/** Errors of the contract (section 4) that end a provisioning under their own name. */
const PROVISIONING_ERRORS = [
  'ValidationError',
  'ConflictError',
  'ReplicationGroupCreateFailed',
  'ProvisioningTimedOut',
] as const satisfies readonly (typeof WORKFLOW_ERROR_NAMES)[number][];
/** Tasks whose resources may not be ready yet (a user or group still changing). */
const WAITS_FOR_READINESS = [
  'EnsureUsers',
  'EnsureGroup',
  'CreateClusterModeDisabled',
  'CreateClusterModeEnabled',
];

function retrierFor(state: AslState, error: string) {
  return state.Retry?.find((retrier) => retrier.ErrorEquals.includes(error));
}

function successors(state: AslState): string[] {
  return [
    ...(state.Next ? [state.Next] : []),
    ...(state.Default ? [state.Default] : []),
    ...(state.Choices ?? []).map((choice) => choice.Next),
    ...(state.Catch ?? []).map((catcher) => catcher.Next),
  ];
}

/** The states that may lead to `target`, by name. */
function predecessors(asl: AslDefinition, target: string): string[] {
  return Object.entries(asl.States)
    .filter(([, state]) => successors(state).includes(target))
    .map(([name]) => name);
}

function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...allKeys(inner)]);
}

function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(allStrings);
}

describe.each(definitions)('the %s state machine definition (statemachines/*.asl.json)', (workflow, asl) => {
  it('is valid Amazon States Language', () => {
    // Act
    const { isValid, errorsText } = validateAsl(asl);

    // Assess
    expect(isValid, errorsText()).toBe(true);
  });

  it('uses JSONPath only: no JSONata, no variables, nothing the local engine would silently ignore', () => {
    // Assess
    const keys = allKeys(asl);
    for (const ignored of ['QueryLanguage', 'Assign', 'Arguments', 'Output', 'Items', 'HeartbeatSeconds']) {
      expect(keys).not.toContain(ignored);
    }
    expect(allStrings(asl).filter((text) => text.startsWith('{%'))).toEqual([]);
  });

  it('takes the partition from the deployment: no Task names the aws partition itself', () => {
    // Prepare
    const file = readFileSync(DEFINITION_PATHS[workflow], 'utf8');

    // Assess
    expect(file).not.toContain('arn:aws:');
    for (const [name, state] of tasksOf(JSON.parse(file) as AslDefinition)) {
      expect(state.Resource, name).toBe(`arn:\${AWS::Partition}:states:::lambda:invoke`);
    }
  });

  it('reaches every state from StartAt', () => {
    // Prepare
    const reached = new Set<string>();
    const pending = [asl.StartAt];

    // Act
    while (pending.length > 0) {
      const name = pending.pop() as string;
      if (reached.has(name)) continue;
      reached.add(name);
      pending.push(...successors(asl.States[name] as AslState));
    }

    // Assess
    expect([...reached].sort()).toEqual(Object.keys(asl.States).sort());
  });

  it('ends only in Fail states whose error is one of the workflow errors, or keeps the error it caught', () => {
    // Assess
    for (const name of statesOfType(asl, 'Fail')) {
      const state = asl.States[name] as AslState;
      if (state.Error !== undefined) expect(WORKFLOW_ERROR_NAMES, name).toContain(state.Error);
      else expect(state.ErrorPath, name).toBe('$.error.Error');
    }
  });

  it('decodes a caught error in notifyResult, not in states: NotifyFailure stores it where the Fail states read it', () => {
    // Assess: the Catches lead straight to NotifyFailure, which stores the readable {Error, Cause} at $.error.
    expect(asl.States.NotifyFailure).toMatchObject({
      ResultSelector: { 'Error.$': '$.Payload.Error', 'Cause.$': '$.Payload.Cause' },
      ResultPath: '$.error',
      Next: 'RouteFailure',
    });
    expect(statesOfType(asl, 'Pass')).toEqual(['FailureNotReported']);
    for (const name of statesOfType(asl, 'Fail').filter((fail) => fail !== 'ResultNotDelivered')) {
      expect(asl.States[name]?.CausePath, name).toBe('$.error.Cause');
    }
  });

  it('gives the Fail states a cause that exists when NotifyFailure itself fails, whatever was caught', () => {
    // Prepare: an error caught without a Cause (a Task timing out) must still reach a Fail state that reads one.
    const fallback = asl.States.FailureNotReported as AslState;

    // Assess: the fallback reads only what every caught error has, its name.
    expect(fallback).toMatchObject({ Type: 'Pass', ResultPath: '$.error', Next: 'RouteFailure' });
    expect(Object.keys(fallback.Parameters ?? {}).sort()).toEqual(['Cause.$', 'Error.$']);
    const paths = allStrings(fallback.Parameters).flatMap((text) => text.match(/\$[\w.]*/g) ?? []);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(path).toMatch(/^\$\.(error|notificationError)\.Error$/);
  });

  it('hands every outcome over before ending: success through NotifySuccess, failure through NotifyFailure', () => {
    // Prepare
    const [succeed] = statesOfType(asl, 'Succeed');

    // Assess: the Succeed state is reached only from NotifySuccess, the failure routing only from NotifyFailure.
    expect(statesOfType(asl, 'Succeed')).toHaveLength(1);
    expect(predecessors(asl, succeed as string)).toEqual(['NotifySuccess']);
    expect(asl.States.NotifySuccess).toMatchObject({
      ResultSelector: { 'notification.$': '$.Payload' },
      ResultPath: '$.notification',
    });
    expect(predecessors(asl, 'RouteFailure').sort()).toEqual(['FailureNotReported', 'NotifyFailure']);
    expect(predecessors(asl, 'NotifyFailure').sort()).toEqual(
      workTasksOf(asl)
        .map(([name]) => name)
        .sort(),
    );
    // A failure to notify after a failure still ends with the original error.
    expect(asl.States.NotifyFailure?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.notificationError', Next: 'FailureNotReported' },
    ]);
    expect(predecessors(asl, 'FailureNotReported')).toEqual(['NotifyFailure']);
    expect(asl.States.NotifySuccess?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.notificationError', Next: 'ResultNotDelivered' },
    ]);
    // A fixed cause: what NotifySuccess caught may carry none, and a Fail state cannot read a missing one.
    expect(asl.States.ResultNotDelivered).toMatchObject({ Type: 'Fail', Error: 'ResultNotDelivered' });
    expect(asl.States.ResultNotDelivered?.Cause).toMatch(/NotifySuccess shows why in the execution history/);
    expect(asl.States.ResultNotDelivered).not.toHaveProperty('CausePath');
  });
});

describe('every Task of both state machines', () => {
  it.each(allWorkTasks)(
    '%s invokes its function through lambda:invoke with the whole state document',
    (_, state) => {
      // Assess
      expect(state.Resource).toBe('arn:aws:states:::lambda:invoke');
      expect(state.Parameters).toEqual({
        FunctionName: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
        'Payload.$': '$',
      });
    },
  );

  it.each(allNotifyTasks)(
    '%s passes notifyResult its outcome, the state document, the execution input and its ARN',
    (name, workflow, state) => {
      // Assess
      expect(state.Resource).toBe('arn:aws:states:::lambda:invoke');
      expect(state.Parameters).toEqual({
        FunctionName: { 'Fn::GetAtt': ['notifyResult', 'Arn'] },
        Payload: {
          Workflow: workflow,
          Outcome: name.endsWith('NotifySuccess') ? 'Succeeded' : 'Failed',
          'State.$': '$',
          // Where the custom-resource envelope is, whatever the states did to the document.
          'Input.$': '$$.Execution.Input',
          // The execution's ARN, named in the result event and a failure's CloudFormation answer; it
          // ends with the name the bridge kept the ResponseURL under.
          'Execution.$': '$$.Execution.Id',
        },
      });
    },
  );

  it.each(allTasks)('%s has a timeout', (_, state) => {
    expect(state.TimeoutSeconds).toBeGreaterThan(0);
  });

  it.each(allTasks)('%s retries the transient Lambda service errors with backoff and jitter', (_, state) => {
    // Assess
    for (const error of LAMBDA_SERVICE_ERRORS) {
      expect(retrierFor(state, error), error).toMatchObject({
        BackoffRate: expect.any(Number),
        JitterStrategy: 'FULL',
      });
    }
  });

  it.each(allTasks)(
    '%s retries a timed-out invocation once, then its Catch ends the run with a result',
    (_, state) => {
      // Assess: a Task past its TimeoutSeconds (States.Timeout) or a function past its own (Sandbox.Timedout).
      for (const error of ['States.Timeout', 'Sandbox.Timedout']) {
        expect(retrierFor(state, error), error).toMatchObject({ MaxAttempts: 1, JitterStrategy: 'FULL' });
      }
      expect(state.Catch?.[0]?.ErrorEquals).toEqual(['States.ALL']);
    },
  );

  it.each(allTasks)('%s retries throttling with capped backoff and jitter', (_, state) => {
    // Assess
    const retrier = retrierFor(state, 'Throttling');
    expect(retrier).toMatchObject({ JitterStrategy: 'FULL', MaxDelaySeconds: expect.any(Number) });
    expect(retrier?.BackoffRate).toBeGreaterThan(1);
    expect(retrier?.MaxAttempts).toBeGreaterThanOrEqual(3);
  });

  it.each(allWorkTasks)('%s catches every error into $.error, keeping the state document', (_, state) => {
    // Assess
    expect(state.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NotifyFailure' },
    ]);
  });
});

describe('the provisioning state machine definition (statemachines/provision.asl.json)', () => {
  it.each(WAITS_FOR_READINESS)('%s retries resources that are not ready yet', (name) => {
    // Assess
    const state = definition.States[name] as AslState;
    expect(retrierFor(state, 'ResourceNotReady')).toBeDefined();
    expect(retrierFor(state, 'InvalidUserGroupStateFault')).toBeDefined();
  });

  it('checks availability in an invocation that may sleep its full budget without timing out', () => {
    // Assess
    expect(definition.States.CheckAvailable?.TimeoutSeconds).toBeGreaterThan(
      MAX_SECONDS_CHECKING_PER_INVOCATION,
    );
  });

  it('takes each function result, which the function stores under its key, out of the Lambda response', () => {
    // Assess: the functions return the document with their result in place, so no state moves it.
    for (const [, asl] of definitions) {
      for (const [name, state] of workTasksOf(asl).filter(([name]) => !name.startsWith('Validate'))) {
        expect(state, name).toMatchObject({ OutputPath: '$.Payload' });
        expect(state.ResultSelector, name).toBeUndefined();
        expect(state.ResultPath, name).toBeUndefined();
      }
      const merging = statesOfType(asl, 'Pass').filter((name) =>
        JSON.stringify(asl.States[name]).includes('States.JsonMerge'),
      );
      expect(merging).toEqual([]);
    }
    expect(definition.States.ValidateRequest).toMatchObject({ ResultSelector: { 'request.$': '$.Payload' } });
    expect(definition.States.ValidateRequest?.ResultPath).toBeUndefined();
  });

  it('notifies once the group is available, then ends successfully with the provisioning result alone', () => {
    expect(definition.States.IsAvailable?.Choices).toContainEqual(
      expect.objectContaining({ Variable: '$.poll.Available', BooleanEquals: true, Next: 'NotifySuccess' }),
    );
    expect(definition.States.NotifySuccess?.Next).toBe('ProvisioningSucceeded');
    expect(definition.States.ProvisioningSucceeded).toEqual(
      expect.objectContaining({ Type: 'Succeed', OutputPath: '$.poll.Result' }),
    );
  });

  it.each(PROVISIONING_ERRORS)(
    'ends a %s in a Fail state of that name, with the cause a person can act on',
    (error) => {
      // Assess
      expect(definition.States[error]).toMatchObject({
        Type: 'Fail',
        Error: error,
        CausePath: '$.error.Cause',
      });
      expect(definition.States.RouteFailure?.Choices).toContainEqual({
        Variable: '$.error.Error',
        StringEquals: error,
        Next: error,
      });
    },
  );

  it('ends any other error in ProvisioningFailed under its own name', () => {
    expect(definition.States.RouteFailure?.Default).toBe('ProvisioningFailed');
    expect(definition.States.ProvisioningFailed).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
  });

  it('has no Fail state but the failure endings, each reached only through RouteFailure, and ResultNotDelivered', () => {
    // Assess
    const fails = statesOfType(definition, 'Fail');
    expect(fails.sort()).toEqual([...PROVISIONING_ERRORS, 'ProvisioningFailed', 'ResultNotDelivered'].sort());
    for (const [name, state] of Object.entries(definition.States)) {
      if (name === 'RouteFailure') continue;
      for (const next of successors(state)) {
        if (name === 'NotifySuccess' && next === 'ResultNotDelivered') continue;
        expect(fails, `${name} -> ${next}`).not.toContain(next);
      }
    }
  });
});
