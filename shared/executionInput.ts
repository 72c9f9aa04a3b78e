/**
 * What an execution is started with, unwrapped in one place for both workflows. The input is either the
 * request itself (console, SDK, CLI), the EventBridge event an EventBridge rule passes on (its `detail`
 * is the request), or the custom resource's properties plus the envelope the workflow answers
 * CloudFormation with. The event id, or the custom resource's RequestId, becomes the CorrelationId unless
 * the request carries its own, so the execution can be traced back to what started it.
 */
import { type CustomResourceEnvelope, splitCustomResourceInput } from './entrances/customResourceEnvelope';
import { isRecord } from './json';

export function isEventBridgeEvent(
  input: unknown,
): input is { 'detail-type': unknown; source: unknown; detail: unknown; id?: unknown } {
  return isRecord(input) && 'detail-type' in input && 'source' in input && 'detail' in input;
}

export interface ExecutionInput {
  /** The request as sent (a custom resource's properties are still all strings). */
  body: unknown;
  /** The CorrelationId to use when the request names none. */
  correlationId?: string;
  /** Set when the custom-resource bridge started the execution. */
  envelope?: CustomResourceEnvelope;
}

export function unwrapExecutionInput(input: unknown): ExecutionInput {
  const custom = splitCustomResourceInput(input);
  if (custom) {
    return { body: custom.properties, correlationId: custom.envelope.RequestId, envelope: custom.envelope };
  }
  if (isEventBridgeEvent(input)) {
    const { detail, id } = input;
    return { body: detail, ...(typeof id === 'string' && id !== '' ? { correlationId: id } : {}) };
  }
  return { body: input };
}

/** The body with the default CorrelationId filled in, when it is an object that names none. */
export function withCorrelationId(body: unknown, correlationId: string | undefined): unknown {
  if (!isRecord(body) || body.CorrelationId !== undefined || correlationId === undefined) return body;
  return { ...body, CorrelationId: correlationId };
}

/** The request an EventBridge event or a direct start carries (not a custom resource's: see validate.ts). */
export function unwrapRequest(input: unknown): unknown {
  if (!isEventBridgeEvent(input)) return input;
  const { body, correlationId } = unwrapExecutionInput(input);
  return withCorrelationId(body, correlationId);
}
