/**
 * The deadline's answer: at the ServiceTimeout less its margin, a request its workflow has not answered
 * is answered FAILED, and the workflow stopped; a request already answered is left alone.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { answerAtDeadline, readDeadlineInput } from '../../shared/entrances/answerDeadline';
import { type CfnResponse, createResponseSender } from '../../shared/entrances/cfnResponse';
import type { DeadlineInput } from '../../shared/entrances/deadline';
import { ResultNotDelivered, ValidationError } from '../../shared/errors';
import { loadState } from '../fixtures/entrances/load';
import { capturingLog } from '../support/log';
import { rejection } from '../support/rejection';
import { useResponseServer } from './responseServer';

const sfn = mockClient(SFNClient);
const sm = mockClient(SecretsManagerClient);
const eb = mockClient(EventBridgeClient);
const server = useResponseServer();

const { log, lines: logLines } = capturingLog();

/** What the bridge started the deadline with, for the Create of tests/fixtures/entrances/create-event.json. */
function deadlineFor(change: (input: DeadlineInput) => void = () => {}): DeadlineInput {
  const input = readDeadlineInput(loadState('deadline-input'));
  change(input);
  return input;
}

const EXECUTION_NAME = 'create-ReplicationGroup-0123456789abcdef0123456789abcdef01234567';

function deps() {
  return {
    sfn: new SFNClient({ region: 'eu-west-1' }),
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    eventBridge: new EventBridgeClient({ region: 'eu-west-1' }),
    respond: createResponseSender({ clock: { sleep: async () => {} }, logger: log, attempts: 1 }),
    logger: log,
    config: { source: 'elasticache-provisioner', eventBusName: 'default' },
  };
}

function answers(): CfnResponse[] {
  return server.received.map((received) => JSON.parse(received.body) as CfnResponse);
}

/** The Detail of the one result event published. */
function publishedDetail(): Record<string, unknown> {
  const entry = eb.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
  return JSON.parse(entry?.Detail ?? '{}') as Record<string, unknown>;
}

beforeEach(() => {
  sfn.reset();
  sm.reset();
  eb.reset();
  logLines.length = 0;
  sm.on(GetSecretValueCommand, {
    SecretId: `elasticache-provisioner-response-url/${EXECUTION_NAME}`,
  }).resolves({ SecretString: server.url });
  sm.on(DeleteSecretCommand).resolves({});
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
  sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('the deadline of a custom-resource request', () => {
  it('does nothing when the workflow answered in time: nothing stopped, answered or published', async () => {
    // Prepare: the workflow deleted the kept URL when it answered.
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));

    // Act
    const outcome = await answerAtDeadline(deps(), deadlineFor());

    // Assess
    expect(outcome).toEqual({ Action: 'answered-by-workflow' });
    expect(sfn).not.toHaveReceivedCommand(StopExecutionCommand);
    expect(eb).not.toHaveReceivedCommand(PutEventsCommand);
    expect(server.received).toHaveLength(0);
  });

  it('stops a workflow that has not answered and answers its Create FAILED, naming the group for the rollback', async () => {
    // Act
    const outcome = await answerAtDeadline(deps(), deadlineFor());

    // Assess: stopped first, so it changes nothing more and cannot answer a second time.
    const execution = deadlineFor().Execution;
    expect(sfn).toHaveReceivedCommandWith(StopExecutionCommand, {
      executionArn: execution,
      error: 'DeadlineReached',
    });
    expect(answers()).toEqual([
      {
        Status: 'FAILED',
        // The rollback's Delete removes the group, had the stopped workflow made it.
        PhysicalResourceId: 'orders-cache',
        StackId:
          'arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abcdefghijk/1f2e3d4c-0000-1111-2222-333344445555',
        RequestId: '6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0001',
        LogicalResourceId: 'ReplicationGroup',
        Reason:
          'DeadlineReached: The provisioning workflow had not answered 57 minutes after the request, and ' +
          `CloudFormation waits 3600 s (ServiceTimeout): its execution was stopped. (execution ${execution})`,
      },
    ]);
    expect(sm).toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: `elasticache-provisioner-response-url/${EXECUTION_NAME}`,
    });
    expect(publishedDetail()).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      Error: 'DeadlineReached',
      ExecutionArn: execution,
      CorrelationId: '6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0001',
    });
    expect(eb).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'ElastiCache Provisioning Failed' })],
    });
    expect(outcome).toMatchObject({ Action: 'answered', Stopped: true, CloudFormation: 'FAILED' });
  });

  it('answers an Update or a Delete with the id CloudFormation knows the resource by', async () => {
    // Prepare
    const remove = deadlineFor((input) => {
      input.Workflow = 'teardown';
      input.Input.CustomResource = {
        ...(input.Input.CustomResource as object),
        RequestType: 'Delete',
        PhysicalResourceId: 'orders-cache',
      };
    });

    // Act
    await answerAtDeadline(deps(), remove);

    // Assess
    expect(answers()[0]).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'orders-cache',
      Reason: expect.stringMatching(/^DeadlineReached: The teardown workflow had not answered/),
    });
    expect(eb).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'ElastiCache Teardown Failed' })],
    });
  });

  it('still answers when the execution can be neither read nor stopped, saying so', async () => {
    // Prepare
    const missing = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
    sfn.on(DescribeExecutionCommand).rejects(missing());
    sfn.on(StopExecutionCommand).rejects(missing());

    // Act
    const outcome = await answerAtDeadline(deps(), deadlineFor());

    // Assess
    expect(answers()[0]?.Reason).toContain(
      'its execution could not be stopped: stop it before acting on the stack',
    );
    expect(outcome).toMatchObject({ Action: 'answered', Stopped: false });
    expect(logLines.join('\n')).toContain('ExecutionDoesNotExist');
  });

  it('answers for a workflow that ended without answering (its answer failed), stopping nothing', async () => {
    // Prepare
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });

    // Act
    const outcome = await answerAtDeadline(deps(), deadlineFor());

    // Assess
    expect(sfn).not.toHaveReceivedCommand(StopExecutionCommand);
    expect(answers()[0]?.Reason).toMatch(
      /^DeadlineReached: The provisioning workflow had not answered 57 minutes after the request, and CloudFormation waits 3600 s \(ServiceTimeout\): its execution had ended FAILED without answering\. \(execution /,
    );
    expect(outcome).toMatchObject({ Action: 'answered', Stopped: false, CloudFormation: 'FAILED' });
  });

  it('fails with ResultNotDelivered, keeping the URL, when CloudFormation refuses the answer', async () => {
    // Prepare: an expired URL is answered 403.
    server.answerWith(403);

    // Act
    const error = await rejection(answerAtDeadline(deps(), deadlineFor()));

    // Assess
    expect(error).toBeInstanceOf(ResultNotDelivered);
    expect(sm).not.toHaveReceivedCommand(DeleteSecretCommand);
  });

  it.each([
    ['Execution', { Execution: '' }],
    ['Workflow', { Workflow: 'unknown' }],
  ])('refuses an input without a valid %s rather than take it as answered', (field, change) => {
    // Prepare
    const input = { ...loadState('deadline-input'), ...change };

    // Act
    const read = () => readDeadlineInput(input);

    // Assess
    expect(read).toThrow(ValidationError);
    expect(read).toThrow(field);
  });

  it('never logs the ResponseURL', async () => {
    // Act
    await answerAtDeadline(deps(), deadlineFor());

    // Assess
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain('s3cr3t-signature');
  });
});
