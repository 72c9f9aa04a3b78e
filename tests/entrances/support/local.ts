/**
 * The local AWS the entrance tests run against: the stand-in (simulated nodes, for speed) with its
 * EventBridge, Step Functions and CloudFormation, the real handlers and the real state machines.
 * One per test file: the handlers' SDK clients keep the first endpoints they see.
 */
import { afterAll, beforeAll } from 'vitest';
import type { LocalEnvironment, LocalEnvironmentOptions } from '../../../local/environment';
import { startLocalEnvironment } from '../../../local/environment';
import type { ExecutionRecord, PublishedEvent } from '../../../local/standin';
import { invokeAsLambda, type LambdaHandler } from '../../../local/workflow/lambda';
import { type ResponseServer, startResponseServer } from '../responseServer';

export async function startEntranceEnvironment(
  options: Pick<LocalEnvironmentOptions, 'timeScale' | 'delays'> = {},
): Promise<LocalEnvironment> {
  return startLocalEnvironment({
    ...options,
    nodes: 'simulated',
    // Wait states take 20 ms and retries no time; the handlers' own sleeps are scaled down as in every
    // local run. A teardown's limit counts at least its scheduled waits (26 minutes for a Service Catalog
    // Delete: 52 checks), so its checks must take some real time for the stand-in's deletions to finish.
    executions: { waitTimeOverrides: 20, retryIntervalOverrides: 0 },
  });
}

export interface ResultEvent {
  Source: string;
  DetailType: string;
  EventBusName: string;
  Resources: string[];
  Detail: Record<string, unknown>;
}

/** The result events the workflows published on the local EventBridge, oldest first. */
export function resultEvents(env: LocalEnvironment, detailType?: string): ResultEvent[] {
  return env.standIn.state.publishedEvents
    .filter((event: Readonly<PublishedEvent>) => event.Source === 'elasticache-provisioner')
    .filter((event) => detailType === undefined || event.DetailType === detailType)
    .map((event) => ({
      Source: event.Source,
      DetailType: event.DetailType,
      EventBusName: event.EventBusName,
      Resources: [...event.Resources],
      Detail: JSON.parse(event.Detail) as Record<string, unknown>,
    }));
}

/** The executions of a state machine, in start order. */
export function executionsOf(env: LocalEnvironment, stateMachineArn: string): Readonly<ExecutionRecord>[] {
  return [...env.standIn.state.executions.values()].filter(
    (execution) => execution.stateMachineArn === stateMachineArn,
  );
}

/** Calls a deployed handler as Lambda would (middy wiring included); errors come back as Lambda reports them. */
export function invoke(handler: unknown, event: unknown, functionName: string): Promise<unknown> {
  return invokeAsLambda(handler as LambdaHandler, event, { functionName, timeoutMs: 60_000 });
}

/** ElastiCache and Secrets Manager calls that change something, as the stand-in saw them. */
export function mutatingCalls(env: LocalEnvironment): string[] {
  return env.standIn.calls
    .filter((call) => call.service === 'elasticache' || call.service === 'secretsmanager')
    .map((call) => call.action)
    .filter((action) => /^(Create|Modify|Delete|Put|Add|Remove|Tag|Untag|Restore)/.test(action));
}

/**
 * For a test file: the local environment, a response server standing in for CloudFormation's URLs,
 * and the deployed bridge handler, started before its tests and closed after them. What it returns
 * stands for the started ones.
 */
export function useBridgeEnvironment(options: Pick<LocalEnvironmentOptions, 'timeScale' | 'delays'> = {}): {
  env: LocalEnvironment;
  server: ResponseServer;
  invokeBridge(event: unknown): Promise<unknown>;
} {
  const started: { env?: LocalEnvironment; server?: ResponseServer; bridge?: unknown } = {};
  beforeAll(async () => {
    started.env = await startEntranceEnvironment(options);
    started.server = await startResponseServer();
    // Loaded only now: its SDK clients and state machine ARNs come from the local environment.
    started.bridge = (await import('../../../functions/customResource')).handler;
  });
  afterAll(async () => {
    await started.server?.close();
    await started.env?.close();
  });
  const standFor = <T extends object>(get: () => T | undefined): T =>
    new Proxy({} as T, {
      get(_, key) {
        const target = get();
        if (!target) throw new Error('started in beforeAll; use it inside hooks and tests');
        return Reflect.get(target, key);
      },
    });
  return {
    env: standFor(() => started.env),
    server: standFor(() => started.server),
    invokeBridge: (event) => invoke(started.bridge, event, 'customResource'),
  };
}

/** Resolves once `condition` holds (the stand-in's statuses and the executions move on their own clock). */
export async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
