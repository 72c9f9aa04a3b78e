/**
 * EventBridge (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`): the events are recorded, and those a
 * rule matches start the rule's state machine with the whole event as input, as a rule whose target
 * is a state machine does.
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID } from './store';
import { ServiceError } from './wire';

/** One event as EventBridge accepted it. */
export interface PublishedEvent {
  EventId: string;
  EventBusName: string;
  Source: string;
  DetailType: string;
  /** The Detail as sent (a JSON text). */
  Detail: string;
  Resources: string[];
  /** Epoch milliseconds. */
  Time: number;
  /** Executions that rules started for it. */
  StartedExecutions: string[];
}

/** A rule matching on the bus, `source` and `detail-type` (exact values), with a state machine target. */
export interface EventRule {
  name: string;
  /** Default: `default`. */
  eventBusName?: string;
  source: string[];
  detailType: string[];
  stateMachineArn: string;
}

/** What a rule's target sees: the event as EventBridge delivers it. */
export interface DeliveredEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface PutEventsContext {
  body: Record<string, unknown>;
  region: string;
  now: number;
  rules: readonly EventRule[];
  published: PublishedEvent[];
  /** Starts a rule's target: the execution ARN, or undefined when it could not be started. */
  startExecution: (stateMachineArn: string, event: DeliveredEvent) => Promise<string | undefined>;
}

/** PutEvents accepts 1 to 10 entries. */
const MAX_ENTRIES = 10;
const DEFAULT_BUS = 'default';

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export async function putEvents(context: PutEventsContext): Promise<Record<string, unknown>> {
  const entries = context.body.Entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
    );
  }
  const results: EntryResult[] = [];
  for (const raw of entries) {
    results.push(await putEntry(context, (raw ?? {}) as Record<string, unknown>));
  }
  return {
    FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
    Entries: results,
  };
}

async function putEntry(context: PutEventsContext, entry: Record<string, unknown>): Promise<EntryResult> {
  const { Source, DetailType, Detail } = entry;
  if (typeof Source !== 'string' || typeof DetailType !== 'string' || typeof Detail !== 'string') {
    return {
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameters Source, DetailType and Detail are required.',
    };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(Detail);
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  const busName = busNameOf(entry.EventBusName);
  const event: PublishedEvent = {
    EventId: randomUUID(),
    EventBusName: busName,
    Source,
    DetailType,
    Detail,
    Resources: Array.isArray(entry.Resources)
      ? entry.Resources.filter((item): item is string => typeof item === 'string')
      : [],
    Time: timeOf(entry.Time) ?? context.now,
    StartedExecutions: [],
  };
  context.published.push(event);

  const delivered: DeliveredEvent = {
    version: '0',
    id: event.EventId,
    'detail-type': DetailType,
    source: Source,
    account: ACCOUNT_ID,
    time: new Date(event.Time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: context.region,
    resources: event.Resources,
    detail,
  };
  for (const rule of context.rules) {
    if ((rule.eventBusName ?? DEFAULT_BUS) !== busName) continue;
    if (!rule.source.includes(Source) || !rule.detailType.includes(DetailType)) continue;
    // A target that cannot be invoked does not fail PutEvents: EventBridge retries or drops it on its side.
    const executionArn = await context.startExecution(rule.stateMachineArn, delivered);
    if (executionArn) event.StartedExecutions.push(executionArn);
  }
  return { EventId: event.EventId };
}

/** A bus name, or the name in a bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>). */
function busNameOf(value: unknown): string {
  if (typeof value !== 'string' || value === '') return DEFAULT_BUS;
  const match = /:event-bus\/(.+)$/.exec(value);
  return match?.[1] ?? value;
}

/** The SDK sends `Time` as epoch seconds. */
function timeOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined;
}
