import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CfnResponse, createResponseSender } from '../../shared/entrances/cfnResponse';
import {
  type BridgeConfig,
  executionName,
  handleCustomResource,
} from '../../shared/entrances/customResource';
import { loadEvent } from '../fixtures/entrances/load';
import { capturingLog } from '../support/log';
import { type ResponseServer, startResponseServer } from './responseServer';

const PROVISION_ARN =
  'arn:aws:states:eu-west-1:123456789012:stateMachine:elasticache-provisioner-dev-provision';
const TEARDOWN_ARN =
  'arn:aws:states:eu-west-1:123456789012:stateMachine:elasticache-provisioner-dev-teardown';
const DEADLINE_ARN =
  'arn:aws:states:eu-west-1:123456789012:stateMachine:elasticache-provisioner-dev-deadline';
/** When the bridge receives the request, in these tests. */
const RECEIVED_AT = Date.parse('2026-12-04T10:00:00.000Z');

const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);
const smMock = mockClient(SecretsManagerClient);

const { log, lines: logLines } = capturingLog();

let server: ResponseServer;

function deps(
  config: BridgeConfig = {
    provisionStateMachineArn: PROVISION_ARN,
    teardownStateMachineArn: TEARDOWN_ARN,
    deadlineStateMachineArn: DEADLINE_ARN,
  },
) {
  return {
    now: () => RECEIVED_AT,
    sfn: new SFNClient({ region: 'eu-west-1' }),
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    respond: createResponseSender({ clock: { sleep: async () => {} }, logger: log }),
    logger: log,
    config,
  };
}

function event(name: 'create-event' | 'update-event' | 'delete-event'): CloudFormationCustomResourceEvent {
  return loadEvent(name, server.url);
}

/** The StartExecution calls of the workflows, or of the deadline. */
function starts(of: 'workflow' | 'deadline' = 'workflow') {
  return sfnMock
    .commandCalls(StartExecutionCommand)
    .filter((call) => (call.args[0].input.stateMachineArn === DEADLINE_ARN) === (of === 'deadline'));
}

function startedInput(of: 'workflow' | 'deadline' = 'workflow'): Record<string, unknown> {
  const call = starts(of)[0];
  return JSON.parse(call?.args[0].input.input ?? '{}') as Record<string, unknown>;
}

function answers(): CfnResponse[] {
  return server.received.map((request) => JSON.parse(request.body) as CfnResponse);
}

beforeAll(async () => {
  server = await startResponseServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
  smMock.reset();
  smMock.on(CreateSecretCommand).resolves({});
  smMock.on(DeleteSecretCommand).resolves({});
  server.received.length = 0;
  logLines.length = 0;
  sfnMock
    .on(StartExecutionCommand)
    .resolves({ executionArn: `${PROVISION_ARN.replace('stateMachine', 'execution')}:x` });
  cfnMock
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [{ StackName: 's', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] });
});

describe('custom resource Create', () => {
  it('starts the provisioning workflow under a name derived from the request, with the envelope', async () => {
    // Prepare
    const create = event('create-event');

    // Act
    const outcome = await handleCustomResource(deps(), create);

    // Assess
    const name = executionName({ ...create, RequestType: 'Create' });
    expect(name).toMatch(/^create-ReplicationGroup-[0-9a-f]{40}$/);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: PROVISION_ARN,
      name,
    });
    const {
      ServiceToken: _token,
      FinalSnapshotIdentifier: _snapshot,
      ...request
    } = create.ResourceProperties;
    expect(startedInput()).toEqual({
      ...request,
      CustomResource: {
        RequestType: 'Create',
        StackId: create.StackId,
        RequestId: create.RequestId,
        LogicalResourceId: 'ReplicationGroup',
      },
    });
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision', ExecutionName: name });
    // The workflow answers CloudFormation, not the bridge, on the URL kept outside the execution.
    expect(server.received).toHaveLength(0);
    expect(smMock).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: `elasticache-provisioner-response-url/${name}`,
      SecretString: server.url,
    });
    expect(logLines.join('\n')).not.toContain('s3cr3t-signature');
  });

  it('starts nothing new for a redelivered Create: Step Functions refuses the reused execution name', async () => {
    // Prepare
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    // Act
    const outcome = await handleCustomResource(deps(), event('create-event'));

    // Assess: the deadline and the workflow the first delivery started stand; nothing else is called.
    expect(outcome).toMatchObject({ Action: 'already-started', Workflow: 'provision' });
    expect(starts('deadline')).toHaveLength(1);
    expect(starts('workflow')).toHaveLength(1);
    expect(sfnMock.calls()).toHaveLength(2);
    expect(server.received).toHaveLength(0);
  });

  it.each([
    [undefined, '52'],
    ['1800', '22'],
  ])(
    'gives a Create with ServiceTimeout %s and no time limit the longest CloudFormation can wait for (%s minutes)',
    async (serviceTimeout, minutes) => {
      // Prepare
      const create = event('create-event');
      delete create.ResourceProperties.Polling;
      if (serviceTimeout) create.ResourceProperties.ServiceTimeout = serviceTimeout;

      // Act
      await handleCustomResource(deps(), create);

      // Assess: counted from the execution's start, it leaves 8 minutes to answer within ServiceTimeout.
      expect(startedInput().Polling).toEqual({ TimeoutMinutes: minutes });
    },
  );

  it('refuses a time limit CloudFormation cannot wait for, naming the field and starting nothing', async () => {
    // Prepare
    const create = event('create-event');
    create.ResourceProperties.Polling = { TimeoutMinutes: '90' };

    // Act
    const outcome = await handleCustomResource(deps(), create);

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    expect(answers()).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: expect.stringMatching(
          /^Polling\.TimeoutMinutes: 90 is more than the 52 minutes .* Set it to 52 or less\.$/,
        ),
        PhysicalResourceId: 'elasticache-provisioner:not-created:6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0001',
      }),
    ]);
    expect(outcome).toMatchObject({ Action: 'answered', Status: 'FAILED' });
  });

  it('refuses properties holding a password before starting anything', async () => {
    // Prepare
    const create = event('create-event');
    create.ResourceProperties.Rbac.Users[0].Password = 'hunter2hunter2hunter2';

    // Act
    await handleCustomResource(deps(), create);

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    const [answer] = answers();
    expect(answer).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringContaining('Rbac.Users[0].Password'),
    });
    expect(server.received[0]?.body).not.toContain('hunter2');
  });

  it('answers FAILED through the ResponseURL when StartExecution fails, so the stack does not wait an hour', async () => {
    // Prepare
    sfnMock
      .on(StartExecutionCommand, { stateMachineArn: PROVISION_ARN })
      .rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }));

    // Act
    const outcome = await handleCustomResource(deps(), event('create-event'));

    // Assess
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.method).toBe('PUT');
    expect(answers()[0]).toEqual({
      Status: 'FAILED',
      Reason:
        'Could not start the provision workflow: StateMachineDoesNotExist: State Machine Does Not Exist',
      PhysicalResourceId: 'elasticache-provisioner:not-created:6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0001',
      StackId: event('create-event').StackId,
      RequestId: '6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0001',
      LogicalResourceId: 'ReplicationGroup',
    });
    expect(outcome).toMatchObject({ Action: 'answered', Status: 'FAILED' });
    // The deadline started first finds no URL kept, and answers nothing.
    expect(smMock).toHaveReceivedCommandTimes(DeleteSecretCommand, 1);
  });

  it('starts the deadline first, to answer by the ServiceTimeout less its margin, with the workflow it watches', async () => {
    // Prepare
    const create = event('create-event');
    create.ResourceProperties.ServiceTimeout = '1800';
    delete create.ResourceProperties.Polling;

    // Act
    await handleCustomResource(deps(), create);

    // Assess
    const name = executionName({ ...create, RequestType: 'Create' });
    const [first, second] = sfnMock.commandCalls(StartExecutionCommand);
    expect(first?.args[0].input).toMatchObject({ stateMachineArn: DEADLINE_ARN, name });
    expect(second?.args[0].input).toMatchObject({ stateMachineArn: PROVISION_ARN, name });
    expect(startedInput('deadline')).toEqual({
      AnswerBy: '2026-12-04T10:27:00.000Z',
      Workflow: 'provision',
      Execution: `arn:aws:states:eu-west-1:123456789012:execution:elasticache-provisioner-dev-provision:${name}`,
      Input: startedInput('workflow'),
      ServiceTimeoutSeconds: 1800,
    });
    expect(JSON.stringify(startedInput('deadline'))).not.toContain(server.url);
  });

  it('starts nothing and answers FAILED naming the deadline when the deadline cannot be started', async () => {
    // Prepare
    sfnMock
      .on(StartExecutionCommand, { stateMachineArn: DEADLINE_ARN })
      .rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }));

    // Act
    const outcome = await handleCustomResource(deps(), event('create-event'));

    // Assess: a workflow never runs without its deadline.
    expect(starts('workflow')).toHaveLength(0);
    expect(answers()[0]).toMatchObject({
      Status: 'FAILED',
      Reason:
        'Could not start the deadline of the provision workflow: StateMachineDoesNotExist: State Machine Does Not Exist',
    });
    expect(smMock).toHaveReceivedCommandTimes(DeleteSecretCommand, 1);
    expect(outcome).toMatchObject({ Action: 'answered', Status: 'FAILED' });
  });

  it('refuses a ServiceTimeout too short to provision in, naming it and starting nothing', async () => {
    // Prepare
    const create = event('create-event');
    create.ResourceProperties.ServiceTimeout = '600';

    // Act
    await handleCustomResource(deps(), create);

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    expect(answers()[0]).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(/^ServiceTimeout: 600 s is too short .* Set it to 900 or more/),
    });
  });

  it('answers FAILED when the bridge does not know the deadline state machine', async () => {
    // Act
    await handleCustomResource(
      deps({ provisionStateMachineArn: PROVISION_ARN, teardownStateMachineArn: TEARDOWN_ARN }),
      event('create-event'),
    );

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    expect(answers()[0]).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringContaining('DEADLINE_STATE_MACHINE_ARN'),
    });
  });

  it('answers FAILED when the bridge does not know the state machine', async () => {
    // Act
    await handleCustomResource(
      deps({ provisionStateMachineArn: '', teardownStateMachineArn: TEARDOWN_ARN }),
      event('create-event'),
    );

    // Assess
    expect(answers()[0]).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringContaining('PROVISION_STATE_MACHINE_ARN'),
    });
  });
});

describe('custom resource Delete', () => {
  it("starts the teardown workflow for the physical id, keeping a group that is not the provisioner's", async () => {
    // Prepare
    const remove = event('delete-event');

    // Act
    const outcome = await handleCustomResource(deps(), remove);

    // Assess
    const name = executionName({ ...remove, RequestType: 'Delete' });
    expect(name).toMatch(/^delete-ReplicationGroup-[0-9a-f]{40}$/);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: TEARDOWN_ARN, name });
    expect(startedInput()).toEqual({
      ReplicationGroupId: 'orders-cache',
      IfNotManaged: 'keep',
      Rbac: { UserGroupId: 'orders', UserIds: ['orders-app', 'orders-default'] },
      FinalSnapshotIdentifier: 'orders-cache-final',
      // Two waits (the group, then its user groups) of half the 52 minutes each: answered within the hour.
      Polling: { TimeoutMinutes: 26 },
      CustomResource: {
        RequestType: 'Delete',
        StackId: remove.StackId,
        RequestId: remove.RequestId,
        LogicalResourceId: 'ReplicationGroup',
        PhysicalResourceId: 'orders-cache',
      },
    });
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'teardown' });
    expect(server.received).toHaveLength(0);
  });

  it('answers SUCCESS at once when the Create was refused before anything existed', async () => {
    // Prepare
    const remove = {
      ...event('delete-event'),
      PhysicalResourceId: 'elasticache-provisioner:not-created:abc',
    };

    // Act
    await handleCustomResource(deps(), remove);

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    expect(answers()).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        PhysicalResourceId: 'elasticache-provisioner:not-created:abc',
      }),
    ]);
  });

  it('deletes although the properties hold a password: the refused Create left nothing, and nothing is passed on', async () => {
    // Prepare
    const remove = {
      ...event('delete-event'),
      PhysicalResourceId: 'elasticache-provisioner:not-created:abc',
    };
    remove.ResourceProperties.Rbac.Users[0].Password = 'hunter2hunter2hunter2';

    // Act
    await handleCustomResource(deps(), remove);

    // Assess
    expect(answers()).toEqual([expect.objectContaining({ Status: 'SUCCESS' })]);
    expect(server.received[0]?.body).not.toContain('hunter2');
  });

  it('removes only the RBAC resources when the Create failed before the replication group was created', async () => {
    // Prepare
    const remove = { ...event('delete-event'), PhysicalResourceId: 'elasticache-provisioner:rbac-only:abc' };

    // Act
    await handleCustomResource(deps(), remove);

    // Assess
    expect(startedInput()).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      KeepReplicationGroup: true,
      Rbac: { UserGroupId: 'orders', UserIds: ['orders-app', 'orders-default'] },
    });
    expect(startedInput()).not.toHaveProperty('FinalSnapshotIdentifier');
  });
});

describe('custom resource Update', () => {
  it('sends unchanged properties through the provisioning workflow, which answers with the same physical id', async () => {
    // Prepare: only the delete-time setting and the service token differ.
    const update = event('update-event');
    if (update.RequestType !== 'Update') throw new Error('fixture');
    update.ResourceProperties.FinalSnapshotIdentifier = 'another-final';

    // Act
    const outcome = await handleCustomResource(deps(), update);

    // Assess
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
    expect(startedInput().CustomResource).toMatchObject({
      RequestType: 'Update',
      PhysicalResourceId: 'orders-cache',
    });
    expect(startedInput()).not.toHaveProperty('FinalSnapshotIdentifier');
    expect(server.received).toHaveLength(0);
  });

  it('sends changed properties through the provisioning workflow, which changes the group in place and answers', async () => {
    // Prepare
    const update = event('update-event');
    if (update.RequestType !== 'Update') throw new Error('fixture');
    update.ResourceProperties.NumCacheClusters = '3';
    update.ResourceProperties.CacheNodeType = 'cache.r7g.large';

    // Act
    const outcome = await handleCustomResource(deps(), update);

    // Assess
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
    expect(startedInput()).toMatchObject({ NumCacheClusters: '3', CacheNodeType: 'cache.r7g.large' });
    expect(startedInput().CustomResource).toMatchObject({
      RequestType: 'Update',
      PhysicalResourceId: 'orders-cache',
    });
    expect(server.received).toHaveLength(0);
  });

  it('refuses another ReplicationGroupId (a replacement) naming it, touching nothing', async () => {
    // Prepare
    const update = event('update-event');
    if (update.RequestType !== 'Update') throw new Error('fixture');
    update.ResourceProperties.ReplicationGroupId = 'payments-cache';

    // Act
    const outcome = await handleCustomResource(deps(), update);

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    expect(answers()).toEqual([
      {
        Status: 'FAILED',
        Reason: expect.stringMatching(
          /^Changing ReplicationGroupId \("Orders-Cache" -> "payments-cache"\) requires replacing the resource/,
        ),
        PhysicalResourceId: 'orders-cache',
        StackId: update.StackId,
        RequestId: update.RequestId,
        LogicalResourceId: 'ReplicationGroup',
      },
    ]);
    expect(outcome).toMatchObject({ Action: 'answered', Status: 'FAILED' });
  });

  it('treats a change of case in ReplicationGroupId as no change: ElastiCache stores ids lower-cased', async () => {
    const update = event('update-event');
    if (update.RequestType !== 'Update') throw new Error('fixture');
    update.ResourceProperties.ReplicationGroupId = 'orders-cache';

    const outcome = await handleCustomResource(deps(), update);

    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
  });

  it('lets the rollback of a failed change through: the workflow takes the group back to the old properties', async () => {
    // Prepare: the failed Update asked for 3 nodes; the rollback asks for the 2 of before.
    const update = event('update-event');
    if (update.RequestType !== 'Update') throw new Error('fixture');
    update.OldResourceProperties.NumCacheClusters = '3';
    update.OldResourceProperties.ReplicationGroupId = 'payments-cache';
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 's', StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', CreationTime: new Date() }],
    });

    // Act
    const outcome = await handleCustomResource(deps(), update);

    // Assess
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: update.StackId });
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
    expect(startedInput()).toMatchObject({ NumCacheClusters: '2', ReplicationGroupId: 'Orders-Cache' });
  });
});

describe('execution names', () => {
  it('stay within 80 allowed characters whatever the logical id, and differ per request', () => {
    // Prepare
    const base = {
      RequestType: 'Create' as const,
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1',
      LogicalResourceId: 'A very long logical id with spaces & symbols: ümlaut / slashes and more and more',
      RequestId: 'r-1',
    };

    // Act
    const names = [executionName(base), executionName({ ...base, RequestId: 'r-2' }), executionName(base)];

    // Assess
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(names[0]).not.toBe(names[1]);
    expect(names[0]).toBe(names[2]);
  });
});

describe('custom resource Update of ReplicationGroupId, by the stack status', () => {
  const stackStatus = (status: string) =>
    cfnMock.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 's', StackStatus: status as 'UPDATE_IN_PROGRESS', CreationTime: new Date() }],
    });
  /** The Update that asks for another ReplicationGroupId than the resource's group. */
  function renamingUpdate() {
    const update = event('update-event');
    if (update.RequestType !== 'Update') throw new Error('fixture');
    update.ResourceProperties.ReplicationGroupId = 'payments-cache';
    return update;
  }

  it('refuses it when the stack status cannot be read: FAILED naming the field, nothing started', async () => {
    // Prepare
    const update = renamingUpdate();
    cfnMock.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('not authorized to perform cloudformation:DescribeStacks'), {
        name: 'AccessDenied',
      }),
    );

    // Act
    const outcome = await handleCustomResource(deps(), update);

    // Assess
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: update.StackId });
    expect(outcome).toMatchObject({
      Action: 'answered',
      Status: 'FAILED',
      PhysicalResourceId: 'orders-cache',
    });
    expect(answers()).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: expect.stringMatching(
          /^Changing ReplicationGroupId \("Orders-Cache" -> "payments-cache"\) requires replacing .* nothing was changed/,
        ),
        PhysicalResourceId: 'orders-cache',
      }),
    ]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    // No ResponseURL is kept for a workflow that will not run.
    expect(smMock).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
    expect(logLines.join('\n')).toContain('Could not read the stack status');
  });

  it('refuses it, then lets the rollback CloudFormation sends next take the group back to the old properties', async () => {
    // Prepare: the refused Update, then the rollback Update CloudFormation sends for it (properties swapped,
    // the physical id the refusal answered).
    const forward = renamingUpdate();
    stackStatus('UPDATE_IN_PROGRESS');
    const refused = await handleCustomResource(deps(), forward);
    const rollback = {
      ...forward,
      RequestId: 'rollback-1',
      PhysicalResourceId: refused.Action === 'answered' ? refused.PhysicalResourceId : '',
      ResourceProperties: forward.OldResourceProperties,
      OldResourceProperties: forward.ResourceProperties,
    };
    stackStatus('UPDATE_ROLLBACK_IN_PROGRESS');

    // Act
    const outcome = await handleCustomResource(deps(), rollback);

    // Assess
    expect(refused).toMatchObject({ Action: 'answered', Status: 'FAILED' });
    expect(outcome).toMatchObject({ Action: 'started', Workflow: 'provision' });
    expect(starts('workflow')).toHaveLength(1);
    expect(startedInput()).toMatchObject({ ReplicationGroupId: 'Orders-Cache', NumCacheClusters: '2' });
    expect(startedInput().CustomResource).toMatchObject({
      RequestType: 'Update',
      PhysicalResourceId: 'orders-cache',
    });
  });
});
