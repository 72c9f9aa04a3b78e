/**
 * Service Catalog end to end, locally: CloudFormation's custom-resource requests go to the deployed
 * bridge handler (functions/customResource), which starts the real state machines through the local
 * Step Functions endpoint; the workflows run on the real handlers against the local ElastiCache and
 * Secrets Manager, and answer the request's ResponseURL, a local HTTP server standing in for the
 * pre-signed S3 URL, which receives and checks the PUT.
 */
import { CreateReplicationGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { CfnResponse } from '../../shared/entrances/cfnResponse';
import { DATA_KEYS } from '../../shared/entrances/notify';
import { type EventFixture, loadEvent } from '../fixtures/entrances/load';
import { executionsOf, mutatingCalls, resultEvents, until, useBridgeEnvironment } from './support/local';

const { env, server, invokeBridge } = useBridgeEnvironment();

type Properties = Record<string, unknown>;

/** A CloudFormation request from the fixtures, answering to the local server. */
function request(
  name: EventFixture,
  requestId: string,
  properties: (given: Properties) => Properties = (given) => given,
): CloudFormationCustomResourceEvent {
  const event = loadEvent(name, server.url);
  return {
    ...event,
    RequestId: requestId,
    ResourceProperties: properties(event.ResourceProperties) as typeof event.ResourceProperties,
  } as CloudFormationCustomResourceEvent;
}

/** Hands the request to the bridge, and waits for the workflows it started to end. */
async function deliver(event: CloudFormationCustomResourceEvent): Promise<Record<string, unknown>> {
  const outcome = await invokeBridge(event);
  await env.standIn.waitForExecutions();
  return outcome as Record<string, unknown>;
}

/** The answers CloudFormation received for one request. */
function answersTo(requestId: string): CfnResponse[] {
  return server.received
    .map((received) => JSON.parse(received.body) as CfnResponse)
    .filter((answer) => answer.RequestId === requestId);
}

const READ_ONLY = 'on ~app:* -@all +@read';

/** The product's properties with one replica more and a read-only app user. */
function changedProperties(properties: Properties): Properties {
  const rbac = properties.Rbac as { Users: Properties[] };
  return {
    ...properties,
    NumCacheClusters: '3',
    Rbac: { ...rbac, Users: rbac.Users.map((user) => ({ ...user, AccessString: READ_ONLY })) },
  };
}

const provisionArn = () => env.stateMachineArns.provision;
const teardownArn = () => env.stateMachineArns.teardown;

describe("a Service Catalog product's resource, from Create to Delete", () => {
  const STACK_ID =
    'arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijk/1f2e3d4c-0000-1111-2222-333344445555';

  it('Create starts the provisioning workflow, which answers SUCCESS with the endpoints, port, ARN and secret ARNs', async () => {
    // Prepare
    const create = request('create-event', 'create-1');

    // Act
    const outcome = await deliver(create);

    // Assess: the bridge only started the workflow; the workflow answered once, when it ended.
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
    const [execution] = executionsOf(env, provisionArn());
    expect(execution?.executionArn).toBe(outcome.ExecutionArn);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(server.received.map((received) => received.method)).toEqual(['PUT']);
    // The URL is signed for an empty content type, and to its own path and query.
    expect(server.received[0]?.headers['content-type'] ?? '').toBe('');
    expect(server.url.endsWith(server.received[0]?.path ?? '-')).toBe(true);
    const group = env.standIn.state.replicationGroups.get('orders-cache');
    const primary = group?.nodes?.primaryEndpoint;
    const secret = [...env.standIn.state.secrets.values()].find(
      (item) => item.name === 'elasticache-provisioner/orders/orders-app',
    );
    expect(group?.status).toBe('available');
    expect(primary).toBeDefined();
    expect(secret).toBeDefined();
    const [answer] = answersTo('create-1');
    expect(answer).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'orders-cache',
      StackId: STACK_ID,
      RequestId: 'create-1',
      LogicalResourceId: 'ReplicationGroup',
      Data: expect.objectContaining({
        ReplicationGroupId: 'orders-cache',
        Arn: group?.arn,
        ClusterMode: 'disabled',
        EndpointAddress: primary?.address,
        Port: String(primary?.port),
        PrimaryEndpointAddress: primary?.address,
        ReaderEndpointAddress: expect.any(String),
        ConfigurationEndpointAddress: '',
        TransitEncryptionEnabled: 'true',
        UserGroupId: 'orders',
        'PasswordSecretArn.orders-app': secret?.arn,
      }),
    });
    // Every attribute the product's outputs may read is there, whatever applies.
    expect(Object.keys(answer?.Data ?? {})).toEqual(expect.arrayContaining([...DATA_KEYS]));
    expect(answer?.Data?.PasswordSecretArns?.split(',')).toContain(secret?.arn);
  });

  it('publishes "ElastiCache Provisioning Succeeded" with the request id as CorrelationId, never the ResponseURL', () => {
    // Act
    const [event] = resultEvents(env, 'ElastiCache Provisioning Succeeded');

    // Assess
    expect(event).toMatchObject({
      EventBusName: 'default',
      Resources: [env.standIn.state.replicationGroups.get('orders-cache')?.arn],
      Detail: {
        ReplicationGroupId: 'orders-cache',
        CorrelationId: 'create-1',
        CustomResource: { RequestType: 'Create', RequestId: 'create-1', StackId: STACK_ID },
      },
    });
    expect(JSON.stringify(env.standIn.state.publishedEvents)).not.toContain('X-Amz-Signature');
  });

  it('a redelivered Create starts nothing new and answers nothing more', async () => {
    // Prepare
    const answered = server.received.length;

    // Act
    const outcome = await deliver(request('create-event', 'create-1'));

    // Assess
    expect(outcome).toMatchObject({ Action: 'already-started', Workflow: 'provision' });
    expect(executionsOf(env, provisionArn())).toHaveLength(1);
    expect(server.received).toHaveLength(answered);
  });

  it('Update with the same properties confirms the group and answers SUCCESS with the same PhysicalResourceId, changing nothing', async () => {
    // Prepare
    env.standIn.putStack(STACK_ID, 'UPDATE_IN_PROGRESS');
    // Apart from the secret that holds the ResponseURL until the workflow answers (and is then gone).
    const secretsNow = () => [...env.standIn.state.secrets.keys()];
    const elastiCacheChanges = () => mutatingCalls(env).filter((action) => !action.endsWith('Secret'));
    const changesBefore = elastiCacheChanges();
    const secretsBefore = secretsNow();

    // Act
    const outcome = await deliver(request('update-event', 'update-1'));

    // Assess
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
    expect(executionsOf(env, provisionArn()).at(-1)?.status).toBe('SUCCEEDED');
    expect(answersTo('update-1')).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        PhysicalResourceId: 'orders-cache',
        Data: expect.objectContaining({ ReplicationGroupId: 'orders-cache', UserGroupId: 'orders' }),
      }),
    ]);
    expect(elastiCacheChanges()).toEqual(changesBefore);
    expect(secretsNow()).toEqual(secretsBefore);
  });

  it('Update that changes properties changes the group in place and answers SUCCESS with the same PhysicalResourceId', async () => {
    // Prepare: one replica more, and the app user may only read.
    const changed = request('update-event', 'update-2', changedProperties);

    // Act
    const outcome = await deliver(changed);

    // Assess
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
    const execution = executionsOf(env, provisionArn()).at(-1);
    expect(execution?.status, `${execution?.error}: ${execution?.cause}`).toBe('SUCCEEDED');
    expect(answersTo('update-2')).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'orders-cache' }),
    ]);
    expect(
      env.standIn.state.replicationGroups.get('orders-cache')?.nodes?.nodeGroups[0]?.members,
    ).toHaveLength(3);
    expect(env.standIn.state.users.get('orders-app')?.accessString).toBe(READ_ONLY);
    expect(resultEvents(env, 'ElastiCache Provisioning Succeeded').at(-1)?.Detail).toMatchObject({
      CorrelationId: 'update-2',
      Changes: expect.arrayContaining([{ field: 'NumCacheClusters', current: 2, requested: 3 }]),
    });
  });

  it('Update that changes what cannot change in place answers FAILED naming it, and touches nothing', async () => {
    // Prepare
    const refused = request('update-event', 'update-3', (properties) => ({
      ...changedProperties(properties),
      AtRestEncryptionEnabled: 'false',
    }));
    // Apart from the secret that holds the ResponseURL until the workflow answers (and is then gone).
    const elastiCacheChanges = () => mutatingCalls(env).filter((action) => !action.endsWith('Secret'));
    const changesBefore = elastiCacheChanges();

    // Act
    await deliver(refused);

    // Assess
    const [answer] = answersTo('update-3');
    expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'orders-cache' });
    expect(answer?.Reason).toContain('AtRestEncryptionEnabled');
    expect(answer?.Reason).toContain('nothing was changed');
    expect(elastiCacheChanges()).toEqual(changesBefore);
  });

  it('the rollback of a failed Update takes the group back to the old properties', async () => {
    // Prepare: CloudFormation rolls the stack back; the Update carries the properties of before update-2.
    env.standIn.putStack(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    const rollback = request('update-event', 'update-4');
    if (rollback.RequestType !== 'Update') throw new Error('fixture');
    rollback.OldResourceProperties = changedProperties(
      rollback.OldResourceProperties,
    ) as typeof rollback.OldResourceProperties;

    // Act
    await deliver(rollback);

    // Assess
    expect(answersTo('update-4')).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'orders-cache' }),
    ]);
    expect(
      env.standIn.state.replicationGroups.get('orders-cache')?.nodes?.nodeGroups[0]?.members,
    ).toHaveLength(2);
    expect(env.standIn.state.users.get('orders-app')?.accessString).toBe('on ~app:* -@all +@read +@write');
  });

  it('Delete starts the teardown, which removes the group, its user group, users and generated secrets, and answers SUCCESS', async () => {
    // Prepare
    const secretNames = [
      'elasticache-provisioner/orders/orders-app',
      'elasticache-provisioner/orders/orders-default',
    ];

    // Act
    const outcome = await deliver(request('delete-event', 'delete-1'));

    // Assess
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'teardown' });
    const teardown = executionsOf(env, teardownArn()).at(-1);
    expect(teardown?.status, `${teardown?.error}: ${teardown?.cause}`).toBe('SUCCEEDED');
    expect(answersTo('delete-1')).toEqual([
      {
        Status: 'SUCCESS',
        PhysicalResourceId: 'orders-cache',
        StackId: STACK_ID,
        RequestId: 'delete-1',
        LogicalResourceId: 'ReplicationGroup',
      },
    ]);
    const state = env.standIn.state;
    expect(state.replicationGroups.has('orders-cache')).toBe(false);
    expect(state.userGroups.has('orders')).toBe(false);
    // Users go on `deleting` for a moment, as in ElastiCache; the teardown does not wait for that.
    for (const userId of ['orders-app', 'orders-default']) {
      expect(state.users.get(userId)?.status ?? 'gone', userId).toMatch(/^(deleting|gone)$/);
    }
    // Deleted without a recovery window: they are gone at once.
    for (const name of secretNames) expect(state.secrets.has(name), name).toBe(false);
    expect(resultEvents(env, 'ElastiCache Teardown Succeeded').at(-1)?.Detail).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      Deleted: { ReplicationGroup: true, UserGroups: ['orders'] },
      CorrelationId: 'delete-1',
    });
  });

  it('Delete again, once everything is gone, answers SUCCESS too', async () => {
    // Prepare
    await until(
      () => !env.standIn.state.users.has('orders-app') && !env.standIn.state.users.has('orders-default'),
    );

    // Act
    const outcome = await deliver(request('delete-event', 'delete-2'));

    // Assess
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'teardown' });
    expect(answersTo('delete-2')).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'orders-cache' }),
    ]);
    expect(resultEvents(env, 'ElastiCache Teardown Succeeded').at(-1)?.Detail).toMatchObject({
      Deleted: { ReplicationGroup: false, UserGroups: [], Users: [], Secrets: [] },
      CorrelationId: 'delete-2',
    });
  });
});

describe('a Create that cannot succeed', () => {
  /** Create properties for another group, without RBAC. */
  const plainGroup = (id: string) => (properties: Properties) => {
    const { Rbac: _rbac, ...rest } = properties;
    return { ...rest, ReplicationGroupId: id, TransitEncryptionEnabled: 'false' };
  };

  it('is answered FAILED with the reason by the workflow when ElastiCache reports create-failed', async () => {
    // Prepare
    env.standIn.setFaults({ createFails: true });
    const create = request('create-event', 'create-failing', plainGroup('failing-cache'));

    // Act
    const outcome = await deliver(create).finally(() => env.standIn.setFaults({}));

    // Assess: the group exists (create-failed), so its PhysicalResourceId lets the rollback Delete remove it.
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
    const [answer] = answersTo('create-failing');
    expect(answer).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'failing-cache' });
    expect(answer?.Reason).toMatch(/^ReplicationGroupCreateFailed: /);
    expect(answer?.Data).toBeUndefined();
    expect(resultEvents(env, 'ElastiCache Provisioning Failed').at(-1)?.Detail).toMatchObject({
      ReplicationGroupId: 'failing-cache',
      Error: 'ReplicationGroupCreateFailed',
      CorrelationId: 'create-failing',
    });
  });

  it('is answered FAILED with every problem when the request is invalid, marked as nothing created', async () => {
    // Prepare
    const create = request('create-event', 'create-invalid', (properties) => ({
      ...plainGroup('invalid-cache')(properties),
      NumCacheClusters: '9',
    }));

    // Act
    await deliver(create);

    // Assess
    expect(answersTo('create-invalid')).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        PhysicalResourceId: 'elasticache-provisioner:not-created:create-invalid',
        Reason: expect.stringMatching(/^ValidationError: NumCacheClusters: /),
      }),
    ]);
    expect(env.standIn.state.replicationGroups.has('invalid-cache')).toBe(false);
  });

  it('is answered FAILED by the workflow when the replication group exists already, changing nothing', async () => {
    // Prepare: a group someone else made.
    const elastiCache = new ElastiCacheClient({});
    await elastiCache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'someone-elses-cache',
        ReplicationGroupDescription: 'not ours',
        NumCacheClusters: 1,
        CacheNodeType: 'cache.t3.small',
        Engine: 'redis',
      }),
    );

    // Act
    const outcome = await deliver(
      request('create-event', 'create-existing', plainGroup('Someone-Elses-Cache')),
    );

    // Assess: refused by validation, before anything is created; the rollback Delete will be a no-op.
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
    expect(answersTo('create-existing')).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        PhysicalResourceId: 'elasticache-provisioner:not-created:create-existing',
        Reason: expect.stringContaining(
          'ConflictError: Replication group someone-elses-cache already exists',
        ),
      }),
    ]);
    expect(env.standIn.state.replicationGroups.get('someone-elses-cache')).toMatchObject({
      description: 'not ours',
      numCacheClusters: 1,
    });
  });
});
