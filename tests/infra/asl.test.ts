import { describe, expect, it } from 'vitest';
import { type AslState, loadDefinition, statesOfType } from '../../local/workflow/definition';
import { WORKFLOW_ERROR_NAMES } from '../../shared/errors';
import { MAX_SECONDS_CHECKING_PER_INVOCATION } from '../../shared/polling';
import type { ProvisionState } from '../../shared/state';
import { validateAsl } from './support/aslValidator';

const definition = loadDefinition();
const tasks = statesOfType(definition, 'Task').map(
  (name) => [name, definition.States[name] as AslState] as const,
);

const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
/** Errors of the contract (section 4) that end an execution under their own name. */
const CONTRACT_ERRORS = WORKFLOW_ERROR_NAMES.filter((name) => name !== 'ResourceNotReady');
/** Where each function's result is kept; `satisfies` ties the list to the state document's type. */
const RESULT_KEYS = [
  'users',
  'userGroup',
  'replicationGroup',
  'poll',
] as const satisfies readonly (keyof ProvisionState)[];
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

describe('the provisioning state machine definition (statemachines/provision.asl.json)', () => {
  it('is valid Amazon States Language', () => {
    // Act
    const { isValid, errorsText } = validateAsl(definition);

    // Assess
    expect(isValid, errorsText()).toBe(true);
  });

  it('uses JSONPath only: no JSONata, no variables, nothing the local engine would silently ignore', () => {
    // Assess
    const keys = allKeys(definition);
    for (const ignored of ['QueryLanguage', 'Assign', 'Arguments', 'Output', 'Items', 'HeartbeatSeconds']) {
      expect(keys).not.toContain(ignored);
    }
    expect(allStrings(definition).filter((text) => text.startsWith('{%'))).toEqual([]);
  });

  it('reaches every state from StartAt', () => {
    // Prepare
    const reached = new Set<string>();
    const pending = [definition.StartAt];

    // Act
    while (pending.length > 0) {
      const name = pending.pop() as string;
      if (reached.has(name)) continue;
      reached.add(name);
      pending.push(...successors(definition.States[name] as AslState));
    }

    // Assess
    expect([...reached].sort()).toEqual(Object.keys(definition.States).sort());
  });

  it.each(tasks)(
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

  it.each(tasks)('%s has a timeout', (_, state) => {
    expect(state.TimeoutSeconds).toBeGreaterThan(0);
  });

  it.each(tasks)('%s retries the transient Lambda service errors with backoff and jitter', (_, state) => {
    // Assess
    for (const error of LAMBDA_SERVICE_ERRORS) {
      expect(retrierFor(state, error), error).toMatchObject({
        BackoffRate: expect.any(Number),
        JitterStrategy: 'FULL',
      });
    }
  });

  it.each(tasks)('%s retries ElastiCache throttling with capped backoff and jitter', (_, state) => {
    // Assess
    const retrier = retrierFor(state, 'Throttling');
    expect(retrier).toMatchObject({ JitterStrategy: 'FULL', MaxDelaySeconds: expect.any(Number) });
    expect(retrier?.BackoffRate).toBeGreaterThan(1);
    expect(retrier?.MaxAttempts).toBeGreaterThanOrEqual(3);
  });

  it.each(tasks)('%s catches every error into $.error, keeping the state document', (_, state) => {
    // Assess
    expect(state.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ExplainFailure' },
    ]);
  });

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

  it('keeps each function result under its own key of the state document', () => {
    // Assess: Lambda results arrive as {Payload}; the Task wraps the payload under its key and the
    // Pass state that follows puts it in place.
    const stored = tasks
      .filter(([name]) => name !== 'ValidateRequest')
      .map(([, state]) => {
        const key = (state.ResultPath ?? '').replace('$.', '');
        expect(state.ResultSelector).toEqual({ [`${key}.$`]: '$.Payload' });
        const store = definition.States[state.Next ?? ''];
        expect(store).toMatchObject({
          Type: 'Pass',
          Parameters: { 'document.$': `States.JsonMerge($, $.${key}, false)` },
          OutputPath: '$.document',
        });
        return key;
      });
    expect([...new Set(stored)].sort()).toEqual([...RESULT_KEYS].sort());
    expect(definition.States.ValidateRequest).toMatchObject({ ResultSelector: { 'request.$': '$.Payload' } });
    expect(definition.States.ValidateRequest?.ResultPath).toBeUndefined();
  });

  it('ends successfully with the provisioning result alone', () => {
    expect(definition.States.ProvisioningSucceeded).toEqual(
      expect.objectContaining({ Type: 'Succeed', OutputPath: '$.poll.Result' }),
    );
  });

  it.each(CONTRACT_ERRORS)(
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

  it('has no Fail state but the failure endings, and every one is reached only through RouteFailure', () => {
    // Assess
    const fails = statesOfType(definition, 'Fail');
    expect(fails.sort()).toEqual([...CONTRACT_ERRORS, 'ProvisioningFailed'].sort());
    for (const [name, state] of Object.entries(definition.States)) {
      if (name === 'RouteFailure') continue;
      for (const next of successors(state)) expect(fails, `${name} -> ${next}`).not.toContain(next);
    }
  });
});
