/**
 * What every function puts on every log line: the Lambda context (Powertools), plus the execution
 * name and the CorrelationId read from the event, so one search finds all of a run's lines across
 * functions. The keys are dropped after each invocation: a warm container serves other executions.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import { asRecord } from './json';
import { executionNameOf } from './workflow';

export interface RunKeys {
  ExecutionName?: string;
  CorrelationId?: string;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The run an event belongs to, whatever the function: the state document (`execution.Name`,
 * `request.CorrelationId`), notifyResult's and the deadline's input (`Execution` ARN, `State`,
 * `Input`), a raw request or EventBridge event (`CorrelationId`, `detail`, `id`), or a
 * custom-resource event (`RequestId`, which the workflow takes as the default CorrelationId).
 */
export function runKeysOf(event: unknown): RunKeys {
  const input = asRecord(event);
  const state = asRecord(input.State ?? input);
  const executionArn = text(input.Execution);
  const executionName =
    text(asRecord(state.execution).Name) ??
    (executionArn === undefined ? undefined : executionNameOf(executionArn));
  const detail = asRecord(input.detail);
  // The deadline's input carries its workflow's execution input.
  const workflowInput = asRecord(input.Input);
  const correlationId =
    text(asRecord(state.request).CorrelationId) ??
    text(input.CorrelationId) ??
    text(workflowInput.CorrelationId) ??
    text(detail.CorrelationId) ??
    (input['detail-type'] !== undefined ? text(input.id) : undefined) ??
    text(input.RequestId) ??
    text(asRecord(input.CustomResource).RequestId) ??
    text(asRecord(workflowInput.CustomResource).RequestId);
  return {
    ...(executionName ? { ExecutionName: executionName } : {}),
    ...(correlationId ? { CorrelationId: correlationId } : {}),
  };
}

/** The run's keys on every line of one invocation. */
export function runKeys(logger: Pick<Logger, 'appendKeys'>): MiddlewareObj {
  return {
    before: (request) => {
      logger.appendKeys({ ...runKeysOf(request.event) });
    },
  };
}

/** The middlewares every handler starts with; `logEvent: false` where the event may hold a credential. */
export function logContext(logger: Logger, options: { logEvent?: boolean } = {}): MiddlewareObj[] {
  return [injectLambdaContext(logger, { ...options, resetKeys: true }), runKeys(logger)];
}
