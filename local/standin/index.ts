/**
 * A local ElastiCache + Secrets Manager the real AWS SDK v3 talks to (client `endpoint` or
 * `AWS_ENDPOINT_URL_ELASTICACHE` / `AWS_ENDPOINT_URL_SECRETS_MANAGER`). One HTTP server answers
 * both: Secrets Manager requests carry `X-Amz-Target: secretsmanager.<Action>`, ElastiCache ones
 * are form-encoded Query requests.
 *
 * It also answers what the entrances call, so that no local run reaches AWS: EventBridge PutEvents
 * (`AWSEvents.<Action>`, with rules that start state machines), Step Functions executions
 * (`AWSStepFunctions.<Action>`, run in this process by the runners it is given) and CloudFormation
 * DescribeStacks (a Query request with `Version=2010-05-15`).
 *
 * Each protocol is a table of operations (`./protocols`: add an operation as one table entry);
 * plain HTTP routes such as a page at `/` are `routes` (`./http`), tried before the protocols.
 */
import type { AddressInfo } from 'node:net';
import { CloudFormationStacks, type StackRecord } from './cloudFormation';
import type { EventRule, PublishedEvent } from './eventBridge';
import { type FaultCounts, FaultInjector, type FaultPlan } from './faults';
import { createStandInServer, type HttpRoute, type StandInCall } from './http';
import { type NodeBackend, simulatedNodeBackend } from './nodeBackend';
import { standInProtocols } from './protocols';
import { type RotationFunction, SecretRotations } from './rotation';
import {
  type ExecutionRecord,
  type ExecutionRunner,
  LocalStepFunctions,
  type StateMachineDescription,
} from './stepFunctions';
import {
  DEFAULT_DELAYS,
  DEFAULT_QUOTAS,
  type EventRecord,
  type ReplicationGroupRecord,
  type SecretRecord,
  type StandInClock,
  type StandInDelays,
  type StandInQuotas,
  Store,
  type UserGroupRecord,
  type UserRecord,
} from './store';

export type { StackRecord } from './cloudFormation';
export type { DeliveredEvent, EventRule, PublishedEvent } from './eventBridge';
export type { FaultCounts, FaultKind, FaultPlan, StandInService } from './faults';
export type { HttpRoute, StandInCall } from './http';
export type * from './nodeBackend';
export { plannedNodeGroups, simulatedNodeBackend, slotRanges } from './nodeBackend';
export type { WireAnswer, WireRequest } from './protocols';
export type { RotationFunction, RotationInvocation } from './rotation';
export { ENGINE_VERSIONS } from './rules';
export type {
  EngineEvent,
  ExecutionHistoryEvent,
  ExecutionOutcome,
  ExecutionRecord,
  ExecutionRequest,
  ExecutionRunner,
  ExecutionStatus,
  StateMachineDescription,
} from './stepFunctions';
export { executionArnOf } from './stepFunctions';
export type {
  EventRecord,
  ReplicationGroupRecord,
  SecretRecord,
  StandInClock,
  StandInDelays,
  StandInQuotas,
  Tag,
  UserGroupRecord,
  UserRecord,
} from './store';
export { DEFAULT_DELAYS, DEFAULT_QUOTAS } from './store';

export interface StandInOptions {
  /** 0 (default): a free port. */
  port?: number;
  host?: string;
  delays?: Partial<StandInDelays>;
  quotas?: Partial<StandInQuotas>;
  /** Default: the simulated backend (no processes). */
  nodes?: NodeBackend;
  faults?: FaultPlan;
  /** Time as status progressions see it (default `Date.now`). */
  clock?: StandInClock;
  /** Region used when a request carries no signature (default us-east-1). */
  region?: string;
  /** Step Functions: how to run an execution of each state machine, by ARN. */
  stateMachines?: Record<string, ExecutionRunner>;
  /** EventBridge rules whose target is one of `stateMachines`. */
  eventRules?: EventRule[];
  /** What DescribeStateMachine answers for each of `stateMachines` (the definition as deployed). */
  stateMachineDefinitions?: Record<string, StateMachineDescription>;
  /** State machines whose executions only wait to act later: `waitForExecutions` does not wait for them. */
  timerStateMachines?: string[];
  /** Plain HTTP routes (pages, non-AWS APIs), answered before any AWS protocol. */
  routes?: HttpRoute[];
  /** Secrets Manager: the rotation functions RotateSecret may name, by Lambda ARN. */
  rotationFunctions?: Record<string, RotationFunction>;
}

export interface StandInState {
  users: ReadonlyMap<string, Readonly<UserRecord>>;
  userGroups: ReadonlyMap<string, Readonly<UserGroupRecord>>;
  replicationGroups: ReadonlyMap<string, Readonly<ReplicationGroupRecord>>;
  secrets: ReadonlyMap<string, Readonly<SecretRecord>>;
  /** What DescribeEvents reports, oldest first. */
  events: readonly Readonly<EventRecord>[];
  /** What PutEvents accepted (EventBridge), oldest first. */
  publishedEvents: readonly Readonly<PublishedEvent>[];
  /** Step Functions executions by ARN, in start order. */
  executions: ReadonlyMap<string, Readonly<ExecutionRecord>>;
  /** CloudFormation stacks declared with `putStack`. */
  stacks: ReadonlyMap<string, Readonly<StackRecord>>;
}

export interface StandIn {
  url: string;
  elastiCacheUrl: string;
  secretsManagerUrl: string;
  eventBridgeUrl: string;
  stepFunctionsUrl: string;
  cloudFormationUrl: string;
  nodes: NodeBackend;
  /** The records, statuses brought up to date first (no passwords, no secret values). */
  readonly state: StandInState;
  readonly calls: readonly StandInCall[];
  readonly faultsInjected: Readonly<FaultCounts>;
  /** The CA of a replication group's TLS nodes, once they run (real nodes only). */
  caCertificatePath(replicationGroupId: string): string | undefined;
  /** Replaces the fault plan (and reseeds its generator). */
  setFaults(plan: FaultPlan): void;
  /** Applies due status changes, as a request would. */
  advance(): Promise<void>;
  /** Declares a CloudFormation stack (by its id) with a status, or changes its status. */
  putStack(stackId: string, status: string): void;
  /** The execution, by ARN. */
  execution(executionArn: string): Readonly<ExecutionRecord> | undefined;
  /** Resolves once no execution runs, including those started while waiting. */
  waitForExecutions(): Promise<void>;
  /** Resolves once no secret rotation runs. */
  waitForRotations(): Promise<void>;
  /** Waits for background node work (starts, ACL changes, stops) to finish. */
  settle(): Promise<void>;
  /** Stops running executions, the server and every node started. */
  close(): Promise<void>;
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const clock = options.clock ?? { now: () => Date.now() };
  const faults = new FaultInjector(options.faults);
  const nodes = options.nodes ?? simulatedNodeBackend();
  const store = new Store({
    clock,
    delays: { ...DEFAULT_DELAYS, ...options.delays },
    quotas: { ...DEFAULT_QUOTAS, ...options.quotas },
    nodes,
    faults,
  });
  const calls: StandInCall[] = [];
  const publishedEvents: PublishedEvent[] = [];
  const stepFunctions = new LocalStepFunctions({
    stateMachines: { ...options.stateMachines },
    ...(options.stateMachineDefinitions ? { definitions: options.stateMachineDefinitions } : {}),
    ...(options.timerStateMachines ? { timers: options.timerStateMachines } : {}),
    now: () => clock.now(),
  });
  const stacks = new CloudFormationStacks(() => clock.now());
  const rotations = new SecretRotations(options.rotationFunctions);
  const protocols = standInProtocols({
    rotations,
    store,
    faults,
    stepFunctions,
    stacks,
    eventRules: [...(options.eventRules ?? [])],
    publishedEvents,
    now: () => clock.now(),
  });
  const server = createStandInServer({
    routes: options.routes ?? [],
    protocols,
    faults,
    calls,
    now: () => clock.now(),
    defaultRegion: options.region ?? 'us-east-1',
  });
  const host = options.host ?? '127.0.0.1';

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;

  return {
    url,
    elastiCacheUrl: url,
    secretsManagerUrl: url,
    eventBridgeUrl: url,
    stepFunctionsUrl: url,
    cloudFormationUrl: url,
    nodes,
    get state(): StandInState {
      store.step();
      return {
        users: store.users,
        userGroups: store.userGroups,
        replicationGroups: store.replicationGroups,
        secrets: store.secrets,
        events: store.events,
        publishedEvents,
        executions: stepFunctions.executions,
        stacks: stacks.stacks,
      };
    },
    calls,
    faultsInjected: faults.counts,
    caCertificatePath: (replicationGroupId) =>
      store.replicationGroups.get(replicationGroupId.toLowerCase())?.nodes?.caCertificatePath,
    setFaults: (plan) => faults.setPlan(plan),
    advance: () => store.advance(),
    settle: () => store.settle(),
    putStack: (stackId, status) => {
      stacks.put(stackId, status);
    },
    execution: (executionArn) => stepFunctions.executions.get(executionArn),
    waitForExecutions: () => stepFunctions.idle(),
    waitForRotations: () => rotations.idle(),
    async close() {
      // Executions and rotations still running would call a server that is gone.
      await stepFunctions.close();
      await rotations.idle();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}
