import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalEnvironment } from '../../local/environment';
import type { LocalWorkflow } from '../../local/workflow';
import type { ProvisioningResult } from '../../shared/provision/state';
import { readJson } from '../support/fixtures';
import { executionsOf, resultEvents, startEntranceEnvironment, until } from './support/local';

let env: LocalEnvironment;
let provisioning: LocalWorkflow;

beforeAll(async () => {
  env = await startEntranceEnvironment();
  // Loaded only now, so the handlers' SDK clients are built against the local endpoints.
  const { createLocalWorkflow } = await import('../../local/workflow');
  provisioning = createLocalWorkflow({ waitTimeOverrides: 0, retryIntervalOverrides: 0 });
});

afterAll(async () => {
  await env?.close();
});

/** Puts one event on the local EventBridge, as a requester would, and waits for what its rules started. */
async function putEvent(detailType: string, detail: unknown): Promise<string> {
  const out = await new EventBridgeClient({}).send(
    new PutEventsCommand({
      Entries: [
        { Source: 'custom.elasticache-provisioner', DetailType: detailType, Detail: JSON.stringify(detail) },
      ],
    }),
  );
  expect(out.FailedEntryCount).toBe(0);
  await env.standIn.waitForExecutions();
  return out.Entries?.[0]?.EventId ?? '';
}

describe('from the console (StartExecution with the request)', () => {
  it('provisions the group and publishes "ElastiCache Provisioning Succeeded" with the result and CorrelationId', async () => {
    // Prepare
    const request = {
      ...readJson('events/cluster-mode-disabled-rbac.json'),
      CorrelationId: 'ticket-1234',
    };

    // Act
    const run = await provisioning.run(request);

    // Assess
    expect(run.status, JSON.stringify(run.error)).toBe('SUCCEEDED');
    const result = run.output as ProvisioningResult & { CorrelationId?: string };
    expect(result).toMatchObject({ Status: 'available', CorrelationId: 'ticket-1234' });
    expect(env.standIn.state.replicationGroups.get(result.ReplicationGroupId)?.status).toBe('available');
    const events = resultEvents(env).filter((event) => event.Detail.CorrelationId === 'ticket-1234');
    expect(events).toEqual([
      {
        Source: 'elasticache-provisioner',
        DetailType: 'ElastiCache Provisioning Succeeded',
        EventBusName: 'default',
        Resources: [result.ARN],
        Detail: expect.objectContaining({
          ReplicationGroupId: result.ReplicationGroupId,
          ARN: result.ARN,
          Endpoints: result.Endpoints,
          Users: result.Users,
          CorrelationId: 'ticket-1234',
        }),
      },
    ]);
    expect(events[0]?.Detail).not.toHaveProperty('CustomResource');
  });

  it('publishes "ElastiCache Provisioning Failed" with the error and CorrelationId when ElastiCache reports create-failed', async () => {
    // Prepare
    env.standIn.setFaults({ createFails: true });
    const request = {
      ReplicationGroupId: 'console-failing',
      NumCacheClusters: 1,
      CorrelationId: 'ticket-5678',
    };

    // Act
    const run = await provisioning.run(request).finally(() => env.standIn.setFaults({}));

    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error?.Error).toBe('ReplicationGroupCreateFailed');
    expect(resultEvents(env, 'ElastiCache Provisioning Failed')).toContainEqual(
      expect.objectContaining({
        Source: 'elasticache-provisioner',
        Resources: [],
        Detail: {
          ReplicationGroupId: 'console-failing',
          Error: 'ReplicationGroupCreateFailed',
          Cause: run.error?.Cause,
          CorrelationId: 'ticket-5678',
          // The execution to look at, named in every result.
          ExecutionArn: expect.stringMatching(/^arn:aws:states:.*:execution:/),
        },
      }),
    );
  });
});

describe('through the Step Functions API (StartExecution, StopExecution)', () => {
  it('stops an execution that waits for a group that never becomes available: ABORTED, and no result event', async () => {
    // Prepare
    env.standIn.setFaults({ neverAvailable: true });
    const sfn = new SFNClient({});
    const published = env.standIn.state.publishedEvents.length;
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: env.stateMachineArns.provision,
        name: 'never-available-1',
        input: JSON.stringify({ ReplicationGroupId: 'never-available', NumCacheClusters: 1 }),
      }),
    );
    await until(
      async () => env.standIn.state.replicationGroups.get('never-available')?.status === 'creating',
    );

    // Act
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'no longer needed' }));
    await env.standIn.waitForExecutions();
    env.standIn.setFaults({});

    // Assess
    const stopped = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'no longer needed' });
    const history = env.standIn.execution(executionArn ?? '')?.history ?? [];
    expect(history.at(-1)?.type).toBe('ExecutionAborted');
    expect(
      history.some(
        (event) => event.type === 'TaskStateEntered' && JSON.stringify(event).includes('NotifyFailure'),
      ),
    ).toBe(false);
    expect(env.standIn.state.publishedEvents).toHaveLength(published);
  });
});

describe('from EventBridge', () => {
  it('runs the sample event as its rule delivers it: the detail is the request, the event id the CorrelationId', async () => {
    // Prepare: the sample names an existing secret; the local Secrets Manager gets one.
    const event = readJson<{ id: string; detail: { Rbac: { Users: { PasswordSecretId?: string }[] } } }>(
      'events/eventbridge-provisioning-requested.json',
    );
    const secret = await new SecretsManagerClient({}).send(
      new CreateSecretCommand({
        Name: 'orders-app',
        SecretString: JSON.stringify({ username: 'app', password: 'Str0ngPasswordForTheOrdersApp2025x' }),
      }),
    );
    const [appUser] = event.detail.Rbac.Users;
    if (appUser) appUser.PasswordSecretId = secret.ARN;

    // Act
    const run = await provisioning.run(event);

    // Assess
    expect(run.status, JSON.stringify(run.error)).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      CorrelationId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      Users: expect.arrayContaining([
        expect.objectContaining({ UserId: 'orders-app', PasswordSecretArn: secret.ARN }),
      ]),
    });
    expect(resultEvents(env, 'ElastiCache Provisioning Succeeded').at(-1)?.Detail).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      CorrelationId: event.id,
    });
  });

  it('starts the workflow for an event put on the bus, through the deployed rule; the EventId is the CorrelationId', async () => {
    // Act
    const eventId = await putEvent('ElastiCache Provisioning Requested', {
      ReplicationGroupId: 'events-cache',
      NumCacheClusters: 2,
    });

    // Assess
    const execution = executionsOf(env, env.stateMachineArns.provision).at(-1);
    expect(execution?.status).toBe('SUCCEEDED');
    // The rule hands the whole event over, as EventBridge does.
    expect(JSON.parse(execution?.input ?? '{}')).toMatchObject({
      id: eventId,
      source: 'custom.elasticache-provisioner',
      'detail-type': 'ElastiCache Provisioning Requested',
      detail: { ReplicationGroupId: 'events-cache' },
    });
    expect(JSON.parse(execution?.output ?? '{}')).toMatchObject({
      ReplicationGroupId: 'events-cache',
      Status: 'available',
      CorrelationId: eventId,
    });
    expect(resultEvents(env, 'ElastiCache Provisioning Succeeded').at(-1)?.Detail).toMatchObject({
      ReplicationGroupId: 'events-cache',
      CorrelationId: eventId,
    });
  });

  it('changes the group in place for a changed request put on the bus, listing the change in the result event', async () => {
    // Prepare: events-cache exists (previous test) with 2 nodes.
    const before = resultEvents(env, 'ElastiCache Provisioning Succeeded').length;

    // Act
    const eventId = await putEvent('ElastiCache Provisioning Requested', {
      ReplicationGroupId: 'events-cache',
      NumCacheClusters: 3,
    });

    // Assess
    const execution = executionsOf(env, env.stateMachineArns.provision).at(-1);
    expect(execution?.status, `${execution?.error}: ${execution?.cause}`).toBe('SUCCEEDED');
    expect(
      env.standIn.state.replicationGroups.get('events-cache')?.nodes?.nodeGroups[0]?.members,
    ).toHaveLength(3);
    const events = resultEvents(env, 'ElastiCache Provisioning Succeeded');
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)?.Detail).toMatchObject({
      ReplicationGroupId: 'events-cache',
      CorrelationId: eventId,
      Changes: [{ field: 'NumCacheClusters', current: 2, requested: 3 }],
    });
  });

  it('publishes "ElastiCache Provisioning Failed" with every problem for an invalid request, and creates nothing', async () => {
    // Act
    const eventId = await putEvent('ElastiCache Provisioning Requested', {
      ReplicationGroupId: 'events--invalid',
      NumCacheClusters: 9,
    });

    // Assess
    const execution = executionsOf(env, env.stateMachineArns.provision).at(-1);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ValidationError' });
    expect(resultEvents(env, 'ElastiCache Provisioning Failed').at(-1)?.Detail).toMatchObject({
      Error: 'ValidationError',
      CorrelationId: eventId,
      Problems: [
        expect.objectContaining({ field: 'ReplicationGroupId' }),
        expect.objectContaining({ field: 'NumCacheClusters' }),
      ],
    });
    expect(env.standIn.state.replicationGroups.has('events--invalid')).toBe(false);
  });

  it('tears a group down for an "ElastiCache Teardown Requested" event, and publishes what was deleted', async () => {
    // Act
    const eventId = await putEvent('ElastiCache Teardown Requested', { ReplicationGroupId: 'events-cache' });

    // Assess
    const [execution] = executionsOf(env, env.stateMachineArns.teardown);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(['deleting', undefined]).toContain(
      env.standIn.state.replicationGroups.get('events-cache')?.status,
    );
    expect(resultEvents(env, 'ElastiCache Teardown Succeeded').at(-1)?.Detail).toMatchObject({
      ReplicationGroupId: 'events-cache',
      Deleted: { ReplicationGroup: true },
      CorrelationId: eventId,
    });
  });

  it('starts nothing for events no rule matches', async () => {
    // Prepare
    const executions = env.standIn.state.executions.size;

    // Act
    await putEvent('ElastiCache Provisioning Succeeded', { ReplicationGroupId: 'events-cache' });

    // Assess
    expect(env.standIn.state.executions.size).toBe(executions);
  });
});
