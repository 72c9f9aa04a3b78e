import { readFileSync } from 'node:fs';
import { type CreateUserCommandInput, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import {
  type SimulatedNodeBackend,
  type SimulatedNodeBackendOptions,
  type StandIn,
  type StandInOptions,
  simulatedNodeBackend,
  startStandIn,
} from '../../local/standin';
import { rejection as rejectionOf } from '../support/rejection';

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Time the stand-in sees; moved by hand so status progressions are deterministic. */
export interface ManualClock {
  now(): number;
  tick(ms: number): void;
}

export function manualClock(start = Date.UTC(2025, 0, 1)): ManualClock {
  let now = start;
  return {
    now: () => now,
    tick: (ms) => {
      now += ms;
    },
  };
}

export interface ClientOptions {
  /** 1 (default): errors surface at once. */
  maxAttempts?: number;
  /** Backoff between attempts; kept tiny so retried tests stay fast. */
  retryDelayMs?: number;
}

/** The real SDK clients, pointed at the stand-in with dummy credentials. */
export function sdkClients(standIn: StandIn, options: ClientOptions = {}) {
  const maxAttempts = options.maxAttempts ?? 1;
  const config = {
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
    ...(options.retryDelayMs === undefined
      ? {}
      : { retryStrategy: new ConfiguredRetryStrategy(maxAttempts, options.retryDelayMs) }),
  };
  return { elastiCache: new ElastiCacheClient(config), secretsManager: new SecretsManagerClient(config) };
}

export interface TestStandIn {
  standIn: StandIn;
  clock: ManualClock;
  nodes: SimulatedNodeBackend;
  elastiCache: ElastiCacheClient;
  secretsManager: SecretsManagerClient;
}

/** Delays of 1 s on a manual clock: `clock.tick(1000)` completes any pending change. */
export async function startTestStandIn(
  options: StandInOptions = {},
  nodeOptions: SimulatedNodeBackendOptions = {},
): Promise<TestStandIn> {
  const clock = manualClock();
  const nodes = simulatedNodeBackend(nodeOptions);
  const second = 1000;
  const standIn = await startStandIn({
    clock,
    nodes,
    ...options,
    delays: {
      userCreateMs: second,
      userModifyMs: second,
      userDeleteMs: second,
      userGroupCreateMs: second,
      userGroupModifyMs: second,
      userGroupDeleteMs: second,
      replicationGroupCreateMs: second,
      replicationGroupDeleteMs: second,
      replicationGroupModifyMs: second,
      ...options.delays,
    },
  });
  return { standIn, clock, nodes, ...sdkClients(standIn) };
}

/**
 * A stand-in started before each test (or once for the file, `'all'`) and closed after it; the
 * returned object is filled in by the hook, so tests use it as they would the result of startTestStandIn.
 */
export function standInForTests(scope: 'each' | 'all' = 'each', options: StandInOptions = {}): TestStandIn {
  const env = {} as TestStandIn;
  const [before, after] = scope === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    Object.assign(env, await startTestStandIn(options));
  });
  after(async () => {
    await env.standIn.close();
  });
  return env;
}

/** Lets every pending change complete: time moves past the delays and node work settles. */
export async function completePending(env: TestStandIn, ms = 1000): Promise<void> {
  env.clock.tick(ms);
  await env.standIn.settle();
}

/**
 * How a call to the stand-in fails, once checked to be the service's answer: the SDK error class
 * (named as the class is) with the service's HTTP status.
 */
export async function serviceError(
  call: Promise<unknown>,
  errorClass: new (...args: never[]) => Error,
  httpStatus: number,
): Promise<Error & Record<string, unknown>> {
  const error = await rejectionOf(call);
  expect(error).toBeInstanceOf(errorClass);
  expect(error.name).toBe(errorClass.name);
  expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(httpStatus);
  return error;
}

/**
 * Listing 21 records 20 a page: a full first page, then a second with only `lastId` and no Marker
 * left. `idsOf` reads a page's ids.
 */
export async function expectTwoPages<Page extends { Marker?: string }>(
  describe: (paging: { MaxRecords: number; Marker?: string }) => Promise<Page>,
  idsOf: (page: Page) => (string | undefined)[] | undefined,
  lastId: string,
): Promise<void> {
  const first = await describe({ MaxRecords: 20 });
  const second = await describe({ MaxRecords: 20, Marker: first.Marker });
  expect(idsOf(first)).toHaveLength(20);
  expect(idsOf(second)).toEqual([lastId]);
  expect(second.Marker).toBeUndefined();
}

/** A redis user without a password, named as its id: for tests that only need some user to exist. */
export function passwordlessUser(
  userId: string,
  accessString: string,
  extra: Partial<CreateUserCommandInput> = {},
): CreateUserCommandInput {
  return {
    UserId: userId,
    UserName: userId,
    Engine: 'redis',
    AccessString: accessString,
    NoPasswordRequired: true,
    ...extra,
  };
}

export { rejectionOf };
