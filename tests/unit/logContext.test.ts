import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { describe, expect, it, vi } from 'vitest';
import { logContext, runKeysOf } from '../../shared/logContext';
import { loadEvent, loadState } from '../fixtures/entrances/load';

const EXECUTION_ARN =
  'arn:aws:states:eu-west-1:123456789012:execution:elasticache-provisioner-dev-provision:create-x';

describe('the run keys of an event', () => {
  it('come from the state document: the execution name and the request CorrelationId', () => {
    // Prepare
    const document = loadState('provision-succeeded-state');
    const state = { ...document, execution: { Name: 'ticket-7-run' } };

    // Act
    const keys = runKeysOf(state);

    // Assess
    expect(keys).toEqual({
      ExecutionName: 'ticket-7-run',
      CorrelationId: (document.request as { CorrelationId: string }).CorrelationId,
    });
  });

  it("come from notifyResult's input: the execution ARN's name and the document's CorrelationId", () => {
    // Act
    const keys = runKeysOf({
      Workflow: 'provision',
      Outcome: 'Failed',
      State: { request: { CorrelationId: 'ticket-7' } },
      Execution: EXECUTION_ARN,
    });

    // Assess
    expect(keys).toEqual({ ExecutionName: 'create-x', CorrelationId: 'ticket-7' });
  });

  it("come from the deadline's input: its workflow's execution name and request id", () => {
    // Act
    const keys = runKeysOf(loadState('deadline-input'));

    // Assess
    expect(keys).toEqual({
      ExecutionName: 'create-ReplicationGroup-0123456789abcdef0123456789abcdef01234567',
      CorrelationId: '6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0001',
    });
  });

  it('come from a raw request, an EventBridge event and a custom-resource event', () => {
    // Assess
    expect(runKeysOf({ ReplicationGroupId: 'x', CorrelationId: 'ticket-7' })).toEqual({
      CorrelationId: 'ticket-7',
    });
    expect(
      runKeysOf({ 'detail-type': 'ElastiCache Provisioning Requested', id: 'event-1', detail: {} }),
    ).toEqual({
      CorrelationId: 'event-1',
    });
    expect(runKeysOf(loadEvent('create-event', 'http://127.0.0.1:1/'))).toEqual({
      CorrelationId: '6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0001',
    });
  });

  it('are empty for anything else', () => {
    expect(runKeysOf(undefined)).toEqual({});
    expect(runKeysOf('text')).toEqual({});
  });
});

describe('logContext', () => {
  it('puts the run keys on every line of an invocation, and on none of the next one', async () => {
    // Prepare: the lines as Lambda would ship them (stdout, one JSON object each).
    const lines: Record<string, unknown>[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      for (const line of String(chunk).split('\n')) if (line.startsWith('{')) lines.push(JSON.parse(line));
      return true;
    });
    const logger = new Logger({ serviceName: 'test', logLevel: 'INFO' });
    const handler = middy<unknown, void>()
      .use(logContext(logger))
      .handler(async () => {
        logger.info('working');
      });
    const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as never;

    // Act
    await handler({ execution: { Name: 'run-1' }, request: { CorrelationId: 'ticket-7' } }, context);
    await handler({ ReplicationGroupId: 'other' }, context);

    write.mockRestore();

    // Assess
    expect(lines[0]).toMatchObject({ message: 'working', ExecutionName: 'run-1', CorrelationId: 'ticket-7' });
    expect(lines[1]).not.toHaveProperty('ExecutionName');
    expect(lines[1]).not.toHaveProperty('CorrelationId');
  });
});
