import { isRecord } from './fields';

/**
 * The execution input is either the request itself (console, SDK, CLI) or the EventBridge event an
 * EventBridge rule passes on, whose `detail` is the request. The event id becomes the CorrelationId
 * unless the request carries its own, so the execution can be traced back to the event.
 */
export function isEventBridgeEvent(
  input: unknown,
): input is { 'detail-type': unknown; source: unknown; detail: unknown; id?: unknown } {
  return isRecord(input) && 'detail-type' in input && 'source' in input && 'detail' in input;
}

export function unwrapRequest(input: unknown): unknown {
  if (!isEventBridgeEvent(input)) return input;
  const { detail, id } = input;
  if (isRecord(detail) && detail.CorrelationId === undefined && typeof id === 'string' && id !== '') {
    return { ...detail, CorrelationId: id };
  }
  return detail;
}
