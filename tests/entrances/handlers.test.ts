/**
 * The deployed handlers, middy wiring included: a custom resource's ResponseURL is a credential and
 * must not reach the logs even when event logging is switched on for the whole service.
 */
import {
  DescribeCacheEngineVersionsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { invokeAsLambda, type LambdaHandler } from '../../local/workflow/lambda';
import { loadEvent, loadState } from '../fixtures/entrances/load';
import { noGroupExists, notFound } from '../support/aws';

const sfn = mockClient(SFNClient);
const ec = mockClient(ElastiCacheClient);
const eb = mockClient(EventBridgeClient);
const sm = mockClient(SecretsManagerClient);

let written: string[] = [];

beforeEach(() => {
  vi.resetModules();
  vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
  vi.stubEnv('PROVISION_STATE_MACHINE_ARN', 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision');
  vi.stubEnv('DEADLINE_STATE_MACHINE_ARN', 'arn:aws:states:eu-west-1:123456789012:stateMachine:deadline');
  vi.stubEnv('RESULT_EVENT_BUS', 'default');
  written = [];
  // The logger writes info to stdout and warnings to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  }
  sfn.reset();
  ec.reset();
  eb.reset();
  sm.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

async function handlerOf(module: string): Promise<LambdaHandler> {
  return ((await import(`../../functions/${module}`)) as { handler: LambdaHandler }).handler;
}

describe('handlers receiving a ResponseURL', () => {
  it('customResource starts the workflow without logging the URL', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution' });
    sm.on(CreateSecretCommand).resolves({});
    ec.on(DescribeReplicationGroupsCommand).rejects(notFound.replicationGroup());
    const handler = await handlerOf('customResource');

    // Act
    const outcome = await invokeAsLambda(handler, loadEvent('create-event'), {
      functionName: 'customResource',
      timeoutMs: 60_000,
    });

    // Assess
    expect(outcome).toMatchObject({ Action: 'started' });
    expect(written.length).toBeGreaterThan(0);
    expect(written.join('')).not.toContain('s3cr3t-signature');
  });

  it('validateRequest validates the bridge input without logging the URL', async () => {
    // Prepare
    ec.on(DescribeCacheEngineVersionsCommand).resolves({
      CacheEngineVersions: [{ Engine: 'redis', EngineVersion: '7.1', CacheParameterGroupFamily: 'redis7' }],
    });
    noGroupExists(ec);
    const handler = await handlerOf('validateRequest');
    const event = loadEvent('create-event');
    const {
      ServiceToken: _token,
      FinalSnapshotIdentifier: _snapshot,
      ...properties
    } = event.ResourceProperties;
    const input = {
      ...properties,
      CustomResource: {
        RequestType: 'Create',
        ResponseURL: event.ResponseURL,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      },
    };

    // Act
    const request = await invokeAsLambda(handler, input, {
      functionName: 'validateRequest',
      timeoutMs: 30_000,
    });

    // Assess
    expect(request).toMatchObject({ ReplicationGroupId: 'orders-cache', CorrelationId: event.RequestId });
    expect(written.length).toBeGreaterThan(0);
    expect([JSON.stringify(request), ...written].join('')).not.toContain('s3cr3t-signature');
    // Not even redacted: the input is not logged at all.
    expect(written.join('')).not.toContain('Lambda invocation event');
  });

  it('notifyResult publishes without logging the URL', async () => {
    // Prepare
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    const { notifyResultHandler } = await import('../../functions/notifyResult');
    const handler = notifyResultHandler({ sleep: async () => {} }) as unknown as LambdaHandler;
    const event = loadEvent('delete-event');
    // The URL the bridge kept for the execution: nothing listens at it, so every attempt is logged.
    sm.on(GetSecretValueCommand).resolves({
      SecretString: 'http://127.0.0.1:9/response?X-Amz-Signature=s3cr3t-signature',
    });
    sm.on(DeleteSecretCommand).resolves({});

    // Act
    const input = {
      Workflow: 'teardown',
      Outcome: 'Succeeded',
      Execution:
        'arn:aws:states:eu-west-1:123456789012:execution:elasticache-provisioner-dev-teardown:delete-ReplicationGroup-0123456789abcdef0123456789abcdef01234567',
      State: loadState('teardown-succeeded-state'),
      Input: {
        CustomResource: {
          RequestType: 'Delete',
          StackId: event.StackId,
          RequestId: event.RequestId,
          LogicalResourceId: event.LogicalResourceId,
          PhysicalResourceId: 'orders-cache',
        },
      },
    };
    const error = await invokeAsLambda(handler, input, {
      functionName: 'notifyResult',
      timeoutMs: 60_000,
    }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );

    // Assess
    expect(error?.name).toBe('ResultNotDelivered');
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(written.filter((line) => line.includes('not accepted yet'))).toHaveLength(4);
    expect([error?.message, ...written].join('')).not.toContain('s3cr3t-signature');
  });
});
