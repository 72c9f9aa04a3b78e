import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CfnResponse,
  createResponseSender,
  MAX_RESPONSE_BYTES,
} from '../../shared/entrances/cfnResponse';
import {
  DATA_KEYS,
  type NotifyConfig,
  type NotifyInput,
  notifyConfigFromEnv,
  notifyResult,
} from '../../shared/entrances/notify';
import { loadState } from '../fixtures/entrances/load';
import { capturingLog } from '../support/log';
import { rejection } from '../teardown/helpers';
import { startResponseServer, useResponseServer } from './responseServer';

const eb = mockClient(EventBridgeClient);
const sm = mockClient(SecretsManagerClient);
/** The execution the bridge kept the ResponseURL for. */
const EXECUTION = 'create-ReplicationGroup-0123456789abcdef0123456789abcdef01234567';
/** Its ARN (`$$.Execution.Id`), which ends with its name. */
const EXECUTION_ARN = executionArn(EXECUTION);

function executionArn(name: string): string {
  return `arn:aws:states:eu-west-1:123456789012:execution:elasticache-provisioner-dev-provision:${name}`;
}

/** The ResponseURL the bridge kept for EXECUTION. */
function keptUrl(url: string): void {
  sm.on(GetSecretValueCommand, { SecretId: `elasticache-provisioner-response-url/${EXECUTION}` }).resolves({
    SecretString: url,
  });
}

/** Keeps for EXECUTION a URL nothing listens at: that of a server just closed. */
async function keepUrlNobodyListensAt(): Promise<void> {
  const closed = await startResponseServer();
  await closed.close();
  keptUrl(closed.url);
}

const { log, lines: logLines } = capturingLog();

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abc/1f2e3d4c';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:elasticache-provisioner/orders';

const server = useResponseServer();

function deps(config: NotifyConfig = { source: 'elasticache-provisioner', eventBusName: 'default' }) {
  return {
    respond: createResponseSender({ clock: { sleep: async () => {} }, logger: log }),
    eventBridge: new EventBridgeClient({ region: 'eu-west-1' }),
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    logger: log,
    config,
  };
}

function envelope(requestType: 'Create' | 'Update' | 'Delete', physicalResourceId?: string) {
  return {
    RequestType: requestType,
    StackId: STACK_ID,
    RequestId: `request-${requestType.toLowerCase()}`,
    LogicalResourceId: 'ReplicationGroup',
    ...(physicalResourceId ? { PhysicalResourceId: physicalResourceId } : {}),
  };
}

/**
 * notifyResult as the Task of EXECUTION calls it; for a provisioning started by a custom-resource
 * Create unless `call` says otherwise.
 */
function notify(call: Pick<NotifyInput, 'Outcome' | 'State'> & Partial<NotifyInput>, config?: NotifyConfig) {
  return notifyResult(deps(config), {
    Workflow: 'provision',
    Input: { CustomResource: envelope('Create') },
    Execution: EXECUTION_ARN,
    ...call,
  });
}

/** A provisioning Create that succeeded, notified by the execution named `executionName`. */
function succeededCreate(
  executionName = EXECUTION,
  customResource: Record<string, unknown> = envelope('Create'),
) {
  return notify({
    Outcome: 'Succeeded',
    State: loadState('provision-succeeded-state'),
    Input: { CustomResource: customResource },
    Execution: executionArn(executionName),
  });
}

/** The state document of a provisioning success, and the result in it; safe to change. */
function provisioningSuccess() {
  const state = loadState('provision-succeeded-state');
  return { state, result: (state.poll as { Result: Record<string, unknown> }).Result };
}

/** The input a provisioning Catch leaves: the document with {Error, Cause} at $.error. */
function failedProvisioning(error: string, message: string, keep: 'validated' | 'created' | 'raw') {
  const state = loadState('provision-succeeded-state');
  delete state.poll;
  if (keep !== 'created') delete state.replicationGroup;
  const document: Record<string, unknown> = keep === 'raw' ? { ReplicationGroupId: 'Orders-Cache' } : state;
  document.error = {
    Error: error,
    Cause: JSON.stringify({ errorType: error, errorMessage: message, trace: ['at x'] }),
  };
  return document;
}

function cfnBodies(): CfnResponse[] {
  return server.received.map((request) => JSON.parse(request.body) as CfnResponse);
}

function events() {
  return eb.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}

beforeEach(() => {
  eb.reset();
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  sm.reset();
  sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'none', $metadata: {} }));
  sm.on(DeleteSecretCommand).resolves({});
  keptUrl(server.url);
  logLines.length = 0;
});

describe('notifyResult after a provisioning success', () => {
  it('PUTs SUCCESS with the endpoints, secrets and ids as Data to the ResponseURL', async () => {
    // Act
    const output = await notify({
      Outcome: 'Succeeded',
      State: loadState('provision-succeeded-state'),
      Input: { ReplicationGroupId: 'Orders-Cache', CustomResource: envelope('Create') },
    });

    // Assess
    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request?.method).toBe('PUT');
    expect(request?.path).toContain('X-Amz-Signature=s3cr3t-signature');
    expect(request?.headers['content-type']).toBe('');
    expect(request?.bytes).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    const body = cfnBodies()[0];
    expect(body).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'orders-cache',
      StackId: STACK_ID,
      RequestId: 'request-create',
      LogicalResourceId: 'ReplicationGroup',
      Data: {
        ReplicationGroupId: 'orders-cache',
        Arn: 'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders-cache',
        ClusterMode: 'disabled',
        EndpointAddress: 'master.orders-cache.abc123.euw1.cache.amazonaws.com',
        Port: '6379',
        PrimaryEndpointAddress: 'master.orders-cache.abc123.euw1.cache.amazonaws.com',
        ReaderEndpointAddress: 'replica.orders-cache.abc123.euw1.cache.amazonaws.com',
        ConfigurationEndpointAddress: '',
        TransitEncryptionEnabled: 'true',
        UserGroupId: 'orders',
        UserGroupIds: 'orders',
        UserIds: 'orders-app,orders-default',
        PasswordSecretArns: `${SECRET}/orders-app-AbCdEf,${SECRET}/orders-default-GhIjKl`,
        DataTruncated: 'false',
        'PasswordSecretArn.orders-app': `${SECRET}/orders-app-AbCdEf`,
        'PasswordSecretArn.orders-default': `${SECRET}/orders-default-GhIjKl`,
      },
    });
    expect(output).toEqual({
      CloudFormation: 'SUCCESS',
      EventBridge: 'published',
      DetailType: 'ElastiCache Provisioning Succeeded',
    });
  });

  it('publishes the contract result with the CorrelationId on the configured bus and source', async () => {
    // Prepare
    const { state, result } = provisioningSuccess();

    // Act
    await notify(
      { Outcome: 'Succeeded', State: state, Input: {} },
      { source: 'platform.caches', eventBusName: 'platform-bus' },
    );

    // Assess
    expect(server.received).toHaveLength(0);
    expect(eb).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          Source: 'platform.caches',
          DetailType: 'ElastiCache Provisioning Succeeded',
          EventBusName: 'platform-bus',
          Resources: [result.ARN],
        }),
      ],
    });
    expect(JSON.parse(events()[0]?.Detail ?? '{}')).toEqual({ ...result, ExecutionArn: EXECUTION_ARN });
  });

  it('lists what a change in place changed, in the event', async () => {
    // Prepare
    const { state, result } = provisioningSuccess();
    result.Changes = [
      { field: 'NumCacheClusters', current: 2, requested: 3 },
      { field: 'Rbac.Users[orders-iam]', current: 'member of orders', requested: null },
    ];

    // Act
    await notify({ Outcome: 'Succeeded', State: state, Input: {} });

    // Assess
    expect(JSON.parse(events()[0]?.Detail ?? '{}').Changes).toEqual(result.Changes);
  });

  it('answers an Update with the PhysicalResourceId CloudFormation knows', async () => {
    // Act
    await notify({
      Outcome: 'Succeeded',
      State: loadState('provision-succeeded-state'),
      Input: { CustomResource: envelope('Update', 'orders-cache') },
    });

    // Assess
    expect(cfnBodies()[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'orders-cache' });
  });

  it('gives the configuration endpoint of a cluster-mode-enabled group, every Data key still present', async () => {
    // Prepare
    const { state, result } = provisioningSuccess();
    result.ClusterMode = 'enabled';
    result.Endpoints = {
      Configuration: { Address: 'clustercfg.orders-cache.abc.cache.amazonaws.com', Port: 6380 },
    };

    // Act
    await notify({ Outcome: 'Succeeded', State: state });

    // Assess
    const data = cfnBodies()[0]?.Data ?? {};
    expect(Object.keys(data)).toEqual(expect.arrayContaining([...DATA_KEYS]));
    expect(data).toMatchObject({
      EndpointAddress: 'clustercfg.orders-cache.abc.cache.amazonaws.com',
      ConfigurationEndpointAddress: 'clustercfg.orders-cache.abc.cache.amazonaws.com',
      Port: '6380',
      PrimaryEndpointAddress: '',
      ReaderEndpointAddress: '',
    });
  });

  it('keeps the response within 4096 bytes for a group of 100 users, saying the Data is truncated', async () => {
    // Prepare
    const { state, result } = provisioningSuccess();
    result.Users = Array.from({ length: 100 }, (_, index) => ({
      UserId: `orders-user-${index}`,
      UserName: `user${index}`,
      PasswordSecretArn: `${SECRET}/orders-user-${index}-AbCdEf`,
    }));

    // Act
    await notify({ Outcome: 'Succeeded', State: state });

    // Assess
    expect(server.received[0]?.bytes).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    const data = cfnBodies()[0]?.Data ?? {};
    expect(Object.keys(data)).toEqual(expect.arrayContaining([...DATA_KEYS]));
    expect(data.DataTruncated).toBe('true');
    expect(data.PrimaryEndpointAddress).toBe('master.orders-cache.abc123.euw1.cache.amazonaws.com');
    // The event carries every user: it is the full result.
    expect(JSON.parse(events()[0]?.Detail ?? '{}').Users).toHaveLength(100);
  });

  it('never forwards a password, even one that slipped into the state document', async () => {
    // Prepare
    const state = loadState('provision-succeeded-state');
    const result = (state.poll as { Result: { Users: Record<string, unknown>[] } }).Result;
    const leaked = 'Sup3rS3cretPassw0rdThatMustNotLeak';
    if (result.Users[0]) result.Users[0].Password = leaked;
    (state.request as Record<string, unknown>).AuthToken = leaked;

    // Act
    await notify({ Outcome: 'Succeeded', State: state });

    // Assess
    const everything = [server.received[0]?.body, events()[0]?.Detail, ...logLines].join('\n');
    expect(everything).not.toContain(leaked);
    expect(everything).not.toMatch(/"(Password|Passwords|AuthToken)"/);
  });
});

describe('notifyResult after a provisioning failure', () => {
  it('PUTs FAILED with the error name, its message and the execution as Reason, keeping the group id as physical id', async () => {
    // Prepare
    const message =
      'Replication group orders-cache is create-failed. Delete it before running the workflow again.';

    // Act
    await notify({
      Outcome: 'Failed',
      State: failedProvisioning('ReplicationGroupCreateFailed', message, 'created'),
    });

    // Assess
    expect(cfnBodies()).toEqual([
      {
        Status: 'FAILED',
        Reason: `ReplicationGroupCreateFailed: ${message} (execution ${EXECUTION_ARN})`,
        PhysicalResourceId: 'orders-cache',
        StackId: STACK_ID,
        RequestId: 'request-create',
        LogicalResourceId: 'ReplicationGroup',
      },
    ]);
    expect(events()[0]).toMatchObject({ DetailType: 'ElastiCache Provisioning Failed' });
    expect(JSON.parse(events()[0]?.Detail ?? '{}')).toEqual({
      ReplicationGroupId: 'orders-cache',
      Error: 'ReplicationGroupCreateFailed',
      Cause: message,
      CorrelationId: '6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0001',
      ExecutionArn: EXECUTION_ARN,
      CustomResource: {
        RequestType: 'Create',
        StackId: STACK_ID,
        RequestId: 'request-create',
        LogicalResourceId: 'ReplicationGroup',
      },
    });
    expect(logLines.join('\n')).toContain(EXECUTION_ARN);
  });

  it('returns the error as the execution fails with it: a function error has its errorMessage as Cause', async () => {
    // Prepare
    const message = 'Replication group orders-cache already exists';

    // Act
    const output = await notify({
      Outcome: 'Failed',
      State: failedProvisioning('ConflictError', message, 'validated'),
    });

    // Assess
    expect(output).toEqual({
      CloudFormation: 'FAILED',
      EventBridge: 'published',
      DetailType: 'ElastiCache Provisioning Failed',
      Error: 'ConflictError',
      Cause: message,
    });
  });

  it.each([
    ['an error caught without a Cause (a Task timing out)', undefined, 'No cause was reported.'],
    [
      'a cause that is not a function error',
      'Task timed out after 90 seconds',
      'Task timed out after 90 seconds',
    ],
  ])('returns %s with a Cause a person reads', async (_, cause, readable) => {
    // Prepare
    const state = failedProvisioning('States.Timeout', '', 'validated');
    state.error = { Error: 'States.Timeout', ...(cause === undefined ? {} : { Cause: cause }) };

    // Act
    const output = await notify({ Outcome: 'Failed', State: state });

    // Assess
    expect(output).toMatchObject({ Error: 'States.Timeout', Cause: readable });
    expect(JSON.parse(events()[0]?.Detail ?? '{}')).toMatchObject({
      Error: 'States.Timeout',
      Cause: readable,
    });
  });

  it('names the execution in the success event', async () => {
    // Act
    await notify({ Outcome: 'Succeeded', State: loadState('provision-succeeded-state'), Input: {} });

    // Assess
    expect(events()[0]).toMatchObject({ DetailType: 'ElastiCache Provisioning Succeeded' });
    expect(JSON.parse(events()[0]?.Detail ?? '{}')).toMatchObject({ ExecutionArn: EXECUTION_ARN });
  });

  it('lists every validation problem in the Reason, with a physical id that makes the rollback Delete a no-op', async () => {
    // Prepare
    const problems = [
      { field: 'NumCacheClusters', message: 'must be 1 to 6' },
      { field: 'Rbac.Users[0].AccessString', message: 'password directives are refused' },
    ];

    // Act
    const output = await notify({
      Outcome: 'Failed',
      State: failedProvisioning('ValidationError', JSON.stringify({ problems }), 'raw'),
      Input: { ReplicationGroupId: 'Orders-Cache', CustomResource: envelope('Create') },
    });

    // Assess
    expect(cfnBodies()[0]).toMatchObject({
      Status: 'FAILED',
      Reason: `ValidationError: NumCacheClusters: must be 1 to 6; Rbac.Users[0].AccessString: password directives are refused (execution ${EXECUTION_ARN})`,
      PhysicalResourceId: 'elasticache-provisioner:not-created:request-create',
    });
    expect(JSON.parse(events()[0]?.Detail ?? '{}')).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      Error: 'ValidationError',
      Problems: problems,
      CorrelationId: 'request-create',
    });
    // The execution's Cause stays the JSON the command line reads the problems from.
    expect(output).toMatchObject({ Error: 'ValidationError', Cause: JSON.stringify({ problems }) });
  });

  it('marks a Create that failed before the group was created as holding RBAC resources only', async () => {
    // Act
    await notify({
      Outcome: 'Failed',
      State: failedProvisioning('ConflictError', 'user orders-app exists with UserName "x"', 'validated'),
    });

    // Assess
    expect(cfnBodies()[0]?.PhysicalResourceId).toBe('elasticache-provisioner:rbac-only:request-create');
  });

  it('shortens a long cause so the response stays within 4096 bytes', async () => {
    // Prepare
    const message = `"quoted" é ${'x'.repeat(6000)}`;

    // Act
    await notify({ Outcome: 'Failed', State: failedProvisioning('ConflictError', message, 'created') });

    // Assess
    expect(server.received[0]?.bytes).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(server.received[0]?.bytes).toBeGreaterThan(MAX_RESPONSE_BYTES - 100);
    expect(cfnBodies()[0]?.Reason).toMatch(/^ConflictError: "quoted" é x+…$/);
  });

  it('reports a success without its result as a failure rather than answering SUCCESS without Data', async () => {
    // Act
    const output = await notify({
      Outcome: 'Succeeded',
      State: { request: { ReplicationGroupId: 'orders-cache' } },
    });

    // Assess
    expect(output).toMatchObject({ CloudFormation: 'FAILED', DetailType: 'ElastiCache Provisioning Failed' });
    expect(cfnBodies()[0]?.Reason).toMatch(/^ResultMissing: /);
  });
});

describe('notifyResult after a teardown', () => {
  it('answers a Delete with SUCCESS and the physical id it was given, and publishes Teardown Succeeded', async () => {
    // Act
    await notify({
      Workflow: 'teardown',
      Outcome: 'Succeeded',
      State: loadState('teardown-succeeded-state'),
      Input: { ReplicationGroupId: 'orders-cache', CustomResource: envelope('Delete', 'orders-cache') },
    });

    // Assess
    expect(cfnBodies()).toEqual([
      {
        Status: 'SUCCESS',
        PhysicalResourceId: 'orders-cache',
        StackId: STACK_ID,
        RequestId: 'request-delete',
        LogicalResourceId: 'ReplicationGroup',
      },
    ]);
    expect(events()[0]?.DetailType).toBe('ElastiCache Teardown Succeeded');
    expect(JSON.parse(events()[0]?.Detail ?? '{}')).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      Deleted: { ReplicationGroup: true, UserGroups: ['orders'], Users: ['orders-app', 'orders-default'] },
      CorrelationId: '6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0003',
    });
  });

  it('answers a failed Delete with FAILED, publishes Teardown Failed and returns the error', async () => {
    // Prepare
    const state = loadState('teardown-succeeded-state');
    delete state.result;
    state.error = {
      Error: 'TeardownTimedOut',
      Cause: 'Replication group orders-cache is still deleting after 120 minutes',
    };

    // Act
    const output = await notify({
      Workflow: 'teardown',
      Outcome: 'Failed',
      State: state,
      Input: { CustomResource: envelope('Delete', 'orders-cache') },
    });

    // Assess
    expect(cfnBodies()[0]).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'orders-cache',
      Reason: `TeardownTimedOut: Replication group orders-cache is still deleting after 120 minutes (execution ${EXECUTION_ARN})`,
    });
    expect(events()[0]?.DetailType).toBe('ElastiCache Teardown Failed');
    expect(output).toMatchObject({
      Error: 'TeardownTimedOut',
      Cause: 'Replication group orders-cache is still deleting after 120 minutes',
    });
  });
});

describe('delivery', () => {
  it('tries again after 5xx answers', async () => {
    // Prepare
    server.answerWith(503, 500);

    // Act
    await succeededCreate();

    // Assess
    expect(server.received).toHaveLength(3);
    expect(new Set(server.received.map((request) => request.body)).size).toBe(1);
  });

  it('gives up at once on a 4xx, still publishes the event, and fails without revealing the URL', async () => {
    // Prepare
    server.answerWith(403);

    // Act
    const error = await rejection(succeededCreate());

    // Assess
    expect(error.name).toBe('ResultNotDelivered');
    expect(error.message).toContain('HTTP 403');
    expect(server.received).toHaveLength(1);
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect([error.message, ...logLines].join('\n')).not.toContain('s3cr3t-signature');
  });

  it('fails with ResultNotDelivered when nothing listens at the URL, after its attempts, without the URL', async () => {
    // Prepare
    await keepUrlNobodyListensAt();

    // Act
    const error = await rejection(succeededCreate());

    // Assess
    expect(error.name).toBe('ResultNotDelivered');
    expect(error.message).toMatch(/TypeError|ECONNREFUSED/);
    expect(logLines.filter((line) => line.includes('not accepted yet'))).toHaveLength(4);
    expect([error.message, ...logLines].join('\n')).not.toContain('s3cr3t-signature');
  });

  it('gives up on an attempt that gets no answer, and tries again', async () => {
    // Prepare
    server.answerWith(0);
    const respond = createResponseSender({
      clock: { sleep: async () => {} },
      logger: log,
      attemptTimeoutMs: 100,
    });
    const response: CfnResponse = {
      Status: 'SUCCESS',
      PhysicalResourceId: 'orders-cache',
      StackId: STACK_ID,
      RequestId: 'request-create',
      LogicalResourceId: 'ReplicationGroup',
    };

    // Act
    await respond(server.url, response);

    // Assess
    expect(server.received).toHaveLength(2);
    expect(logLines.some((line) => line.includes('TimeoutError'))).toBe(true);
  });

  it('fails when EventBridge refuses the event, after answering CloudFormation all the same', async () => {
    // Prepare
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized' }],
    });

    // Act
    const error = await rejection(
      notify({
        Workflow: 'teardown',
        Outcome: 'Succeeded',
        State: loadState('teardown-succeeded-state'),
        Input: { CustomResource: envelope('Delete', 'orders-cache') },
      }),
    );

    // Assess
    expect(error.name).toBe('ResultNotDelivered');
    expect(error.message).toContain('NotAuthorizedForSourceException');
    expect(cfnBodies()[0]?.Status).toBe('SUCCESS');
  });

  it('publishes nothing when the bus is "none" (local runs)', async () => {
    // Act
    const output = await notify(
      { Workflow: 'teardown', Outcome: 'Succeeded', State: loadState('teardown-succeeded-state'), Input: {} },
      { source: 'elasticache-provisioner', eventBusName: 'none' },
    );

    // Assess
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 0);
    expect(output).toEqual({
      CloudFormation: 'not-requested',
      EventBridge: 'disabled',
      DetailType: 'ElastiCache Teardown Succeeded',
    });
  });

  it('reads the source and the bus from the environment, with defaults', () => {
    expect(notifyConfigFromEnv({})).toEqual({ source: 'elasticache-provisioner', eventBusName: 'default' });
    expect(notifyConfigFromEnv({ RESULT_EVENT_SOURCE: 'platform.caches', RESULT_EVENT_BUS: 'bus' })).toEqual({
      source: 'platform.caches',
      eventBusName: 'bus',
    });
  });
});

describe('the ResponseURL the bridge kept for the execution', () => {
  it('is read by the execution name its ARN ends with, answered on, then deleted without a recovery window', async () => {
    // Act
    await succeededCreate();

    // Assess
    expect(server.received).toHaveLength(1);
    expect(sm).toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: `elasticache-provisioner-response-url/${EXECUTION}`,
      ForceDeleteWithoutRecovery: true,
    });
  });

  it('is kept when the answer did not go through, for the Task to try again', async () => {
    // Prepare
    await keepUrlNobodyListensAt();

    // Act
    const error = await rejection(succeededCreate());

    // Assess
    expect(error.name).toBe('ResultNotDelivered');
    expect(sm).not.toHaveReceivedCommand(DeleteSecretCommand);
  });

  it('missing (answered already) fails with ResultNotDelivered, the event published all the same', async () => {
    // Act
    const error = await rejection(succeededCreate('another-execution'));

    // Assess
    expect(error.name).toBe('ResultNotDelivered');
    expect(error.message).toContain('no CloudFormation ResponseURL is kept for execution another-execution');
    expect(server.received).toHaveLength(0);
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('is the only URL answered on: one in the execution input is ignored', async () => {
    // Prepare
    const elsewhere = await startResponseServer();

    // Act
    await succeededCreate(EXECUTION, { ...envelope('Create'), ResponseURL: elsewhere.url });
    await elsewhere.close();

    // Assess
    expect(elsewhere.received).toHaveLength(0);
    expect(server.received).toHaveLength(1);
  });
});
