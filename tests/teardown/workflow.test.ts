/**
 * The real teardown ASL, executed by aws-local-stepfunctions, each Task calling this project's
 * handler (middy wiring included) with the SDK clients mocked.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  DeleteReplicationGroupCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elasticache';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as deleteReplicationGroup } from '../../functions/deleteReplicationGroup';
import { handler as deleteUserGroups } from '../../functions/deleteUserGroups';
import { handler as deleteUsers } from '../../functions/deleteUsers';
import { handler as notifyResult } from '../../functions/notifyResult';
import { handler as validateTeardownRequest } from '../../functions/validateTeardownRequest';
import { type AslDefinition, loadDefinition, taskFunctions } from '../../local/workflow/definition';
import { invokeAsLambda, type LambdaHandler } from '../../local/workflow/lambda';
import { type ResponseServer, startResponseServer } from '../entrances/responseServer';
import { notFound } from '../support/aws';
import { ARN, managedTags } from './helpers';

/** asl-validator ships no type declarations: the part of its API used here. */
const validateAsl = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText(separator?: string): string };

const ASL_PATH = fileURLToPath(new URL('../../statemachines/teardown.asl.json', import.meta.url));

const HANDLERS: Record<string, LambdaHandler> = {
  validateTeardownRequest: validateTeardownRequest as LambdaHandler,
  deleteReplicationGroup: deleteReplicationGroup as LambdaHandler,
  deleteUserGroups: deleteUserGroups as LambdaHandler,
  deleteUsers: deleteUsers as LambdaHandler,
  notifyResult: notifyResult as LambdaHandler,
};

const ec = mockClient(ElastiCacheClient);
const sm = mockClient(SecretsManagerClient);
const eb = mockClient(EventBridgeClient);

let definition: AslDefinition;
let machine: StateMachine;
let server: ResponseServer;

interface Outcome {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { Error: string; Cause: string };
  entered: string[];
}

const TEARDOWN_EXECUTION_ARN =
  'arn:aws:states:eu-west-1:123456789012:execution:elasticache-provisioner-dev-teardown:teardown-test';

async function run(input: unknown): Promise<Outcome> {
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(taskFunctions(definition)).map(([task, fn]) => [
      task,
      async (parameters: unknown) => {
        const handler = HANDLERS[fn];
        if (!handler) throw new Error(`no handler for ${fn}`);
        const payload = (parameters as { Payload?: unknown }).Payload;
        return { Payload: await invokeAsLambda(handler, payload, { functionName: fn, timeoutMs: 30_000 }) };
      },
    ]),
  );
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: taskResourceLocalHandlers as never,
      waitTimeOverrides: { WaitForReplicationGroupDeletion: 0, WaitForUserGroupDeletion: 0 },
      retryIntervalOverrides: Object.fromEntries(
        Object.keys(taskResourceLocalHandlers).map((task) => [task, 0]),
      ),
    },
    // Step Functions always sets it; the result events name the execution.
    context: { Execution: { Id: TEARDOWN_EXECUTION_ARN, Name: 'teardown-test' } },
  });
  const entered: string[] = [];
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') entered.push(event.state.name);
    }
  })();
  let outcome: Omit<Outcome, 'entered'>;
  try {
    outcome = { status: 'SUCCEEDED', output: await execution.result };
  } catch (err) {
    if (!(err instanceof ExecutionError && err.cause instanceof Error)) throw err;
    outcome = { status: 'FAILED', error: { Error: err.cause.name, Cause: err.cause.message } };
  }
  await logging;
  return { ...outcome, entered };
}

function publishedEvents(): { DetailType?: string; Detail: Record<string, unknown> }[] {
  return eb.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => ({
      DetailType: entry.DetailType,
      Detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
    })),
  );
}

/** A replication group that is available, then deleting, then gone; one user group, three users of ours. */
function existingResources(): void {
  ec.on(DescribeReplicationGroupsCommand)
    .resolvesOnce({
      ReplicationGroups: [
        {
          ReplicationGroupId: 'orders-cache',
          Status: 'available',
          ARN: ARN.replicationGroup('orders-cache'),
          UserGroupIds: ['orders'],
        },
      ],
    })
    .resolvesOnce({
      ReplicationGroups: [
        { ReplicationGroupId: 'orders-cache', Status: 'deleting', ARN: ARN.replicationGroup('orders-cache') },
      ],
    })
    .rejects(notFound.replicationGroup());
  ec.on(DeleteReplicationGroupCommand).resolves({ ReplicationGroup: { Status: 'deleting' } });
  const activeGroup = {
    UserGroupId: 'orders',
    Status: 'active',
    ARN: ARN.userGroup('orders'),
    UserIds: ['default', 'orders-app', 'orders-iam'],
    ReplicationGroups: [],
  };
  ec.on(DescribeUserGroupsCommand)
    .resolvesOnce({ UserGroups: [activeGroup] })
    .resolvesOnce({ UserGroups: [activeGroup] })
    .resolvesOnce({
      UserGroups: [{ UserGroupId: 'orders', Status: 'deleting', ARN: ARN.userGroup('orders') }],
    })
    .rejects(notFound.userGroup());
  ec.on(DeleteUserGroupCommand).resolves({ Status: 'deleting' });
  for (const id of ['orders-app', 'orders-iam']) {
    ec.on(DescribeUsersCommand, { UserId: id }).resolves({
      Users: [{ UserId: id, Status: 'active', ARN: ARN.user(id), UserGroupIds: [] }],
    });
  }
  ec.on(DeleteUserCommand).resolves({ Status: 'deleting' });
  ec.on(ListTagsForResourceCommand).resolves({ TagList: managedTags() });
  sm.on(DescribeSecretCommand).rejects(notFound.secret('not found'));
  sm.on(DescribeSecretCommand, { SecretId: 'elasticache-provisioner/orders/orders-app' }).resolves({
    ARN: ARN.secret('elasticache-provisioner/orders/orders-app'),
    Tags: managedTags(),
  });
  sm.on(DeleteSecretCommand).resolves({});
}

beforeAll(async () => {
  definition = loadDefinition(ASL_PATH);
  machine = new StateMachine(definition as unknown as StateMachineDefinition);
  server = await startResponseServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  ec.reset();
  sm.reset();
  eb.reset();
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  server.received.length = 0;
});

describe('teardown state machine definition', () => {
  it('is valid ASL', () => {
    // Act
    const { isValid, errorsText } = validateAsl(structuredClone(definition), {
      checkArn: true,
      checkPaths: true,
    });

    // Assess
    expect(isValid, errorsText('\n')).toBe(true);
  });

  it('invokes every function through lambda:invoke with a time limit, retries and a catch-all', () => {
    const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, state] of tasks) {
      const retried = (state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals);
      expect(state.Resource, name).toBe('arn:aws:states:::lambda:invoke');
      expect(state.Parameters?.FunctionName, name).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
      expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
      expect(retried, name).toEqual(
        expect.arrayContaining([
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
          'Throttling',
        ]),
      );
      const throttling = state.Retry?.find((retrier) => retrier.ErrorEquals.includes('Throttling'));
      expect(throttling, name).toMatchObject({ BackoffRate: expect.any(Number), JitterStrategy: 'FULL' });
      expect(state.Catch, name).toEqual([
        expect.objectContaining({
          ErrorEquals: ['States.ALL'],
          ResultPath: expect.stringMatching(/^\$\.(error|notificationError)$/),
        }),
      ]);
    }
    expect(new Set(Object.values(taskFunctions(definition)))).toEqual(new Set(Object.keys(HANDLERS)));
  });

  it('ends every failure in a named Fail state after notifying', () => {
    const fails = Object.entries(definition.States).filter(([, state]) => state.Type === 'Fail');
    expect(fails.map(([name]) => name).sort()).toEqual([
      'ConflictError',
      'ResultNotDelivered',
      'TeardownFailed',
      'TeardownTimedOut',
      'ValidationError',
    ]);
    for (const [name, state] of fails) expect(state.Error ?? state.ErrorPath, name).toBeDefined();
  });
});

describe('teardown state machine run', () => {
  it('deletes the group, waits, then its user group, users and generated secret, and publishes the result', async () => {
    // Prepare
    existingResources();

    // Act
    const outcome = await run({ ReplicationGroupId: 'orders-cache', CorrelationId: 'ticket-7' });

    // Assess
    expect(outcome.error).toBeUndefined();
    expect(outcome.output).toEqual({
      ReplicationGroupId: 'orders-cache',
      Deleted: {
        ReplicationGroup: true,
        UserGroups: ['orders'],
        Users: ['orders-app', 'orders-iam'],
        Secrets: [ARN.secret('elasticache-provisioner/orders/orders-app')],
      },
      Kept: [],
      CorrelationId: 'ticket-7',
    });
    expect(outcome.entered.filter((state) => state === 'DeleteReplicationGroup')).toHaveLength(3);
    expect(outcome.entered.filter((state) => state === 'DeleteUserGroups')).toHaveLength(3);
    expect(ec).toHaveReceivedCommandTimes(DeleteReplicationGroupCommand, 1);
    expect(ec).toHaveReceivedCommandTimes(DeleteUserGroupCommand, 1);
    expect(ec).not.toHaveReceivedCommandWith(DeleteUserCommand, { UserId: 'default' });
    expect(publishedEvents()).toEqual([
      {
        DetailType: 'ElastiCache Teardown Succeeded',
        Detail: expect.objectContaining({ ReplicationGroupId: 'orders-cache', CorrelationId: 'ticket-7' }),
      },
    ]);
    expect(server.received).toHaveLength(0);
  });

  it("refuses a group that is not the provisioner's: ConflictError, nothing deleted, failure published", async () => {
    // Prepare
    ec.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [
        {
          ReplicationGroupId: 'orders-cache',
          Status: 'available',
          ARN: ARN.replicationGroup('orders-cache'),
        },
      ],
    });
    ec.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: 'team', Value: 'orders' }] });

    // Act
    const outcome = await run({ ReplicationGroupId: 'orders-cache' });

    // Assess
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.Error).toBe('ConflictError');
    expect(outcome.error?.Cause).toContain('was not created by elasticache-provisioner');
    expect(outcome.entered.at(-1)).toBe('ConflictError');
    expect(ec).toHaveReceivedCommandTimes(DeleteReplicationGroupCommand, 0);
    expect(ec).toHaveReceivedCommandTimes(DeleteUserGroupCommand, 0);
    expect(ec).toHaveReceivedCommandTimes(DeleteUserCommand, 0);
    expect(publishedEvents()).toEqual([
      {
        DetailType: 'ElastiCache Teardown Failed',
        Detail: expect.objectContaining({ ReplicationGroupId: 'orders-cache', Error: 'ConflictError' }),
      },
    ]);
  });

  it('fails an invalid request with ValidationError before any AWS call', async () => {
    // Act
    const outcome = await run({ ReplicationGroupId: 'orders--cache', Force: true });

    // Assess
    expect(outcome.error?.Error).toBe('ValidationError');
    expect(JSON.parse(outcome.error?.Cause ?? '{}').problems).toHaveLength(2);
    expect(ec.calls()).toHaveLength(0);
    expect(publishedEvents()[0]?.Detail).toMatchObject({
      Error: 'ValidationError',
      Problems: [
        expect.objectContaining({ field: 'Force' }),
        expect.objectContaining({ field: 'ReplicationGroupId' }),
      ],
    });
  });

  it('answers CloudFormation when a custom resource Delete started it, with the PhysicalResourceId it knows', async () => {
    // Prepare: the group is already gone, which is success.
    ec.on(DescribeReplicationGroupsCommand).rejects(notFound.replicationGroup());
    const envelope = {
      RequestType: 'Delete',
      ResponseURL: server.url,
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123-pp-abc/11111111-2222',
      RequestId: 'delete-request-1',
      LogicalResourceId: 'ReplicationGroup',
      PhysicalResourceId: 'orders-cache',
    };

    // Act
    const outcome = await run({
      ReplicationGroupId: 'orders-cache',
      IfNotManaged: 'keep',
      CustomResource: envelope,
    });

    // Assess
    expect(outcome.status).toBe('SUCCEEDED');
    expect(server.received).toHaveLength(1);
    expect(JSON.parse(server.received[0]?.body ?? '{}')).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'orders-cache',
      StackId: envelope.StackId,
      RequestId: 'delete-request-1',
      LogicalResourceId: 'ReplicationGroup',
    });
    expect(publishedEvents()[0]?.Detail).toMatchObject({ CorrelationId: 'delete-request-1' });
    expect(JSON.stringify(publishedEvents())).not.toContain('s3cr3t-signature');
  });
});
