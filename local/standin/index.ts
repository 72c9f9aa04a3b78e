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
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cacheClusterOperations } from './cacheClusters';
import {
  CLOUDFORMATION_VERSION,
  CLOUDFORMATION_XMLNS,
  CloudFormationStacks,
  cloudFormationOperations,
  type StackRecord,
} from './cloudFormation';
import type { QueryOperation } from './context';
import { type EventRule, type PublishedEvent, putEvents } from './eventBridge';
import {
  type FaultCounts,
  FaultInjector,
  type FaultKind,
  type FaultPlan,
  type StandInService,
} from './faults';
import { type NodeBackend, simulatedNodeBackend } from './nodeBackend';
import { replicationGroupOperations } from './replicationGroups';
import { type JsonOperation, secretsManagerOperations } from './secretsManager';
import {
  type ExecutionRecord,
  type ExecutionRunner,
  LocalStepFunctions,
  stepFunctionsOperations,
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
import { userOperations } from './users';
import { ec, QueryParams, queryErrorResponse, queryResponse, ServiceError } from './wire';

export type { StackRecord } from './cloudFormation';
export type { DeliveredEvent, EventRule, PublishedEvent } from './eventBridge';
export type { FaultCounts, FaultKind, FaultPlan, StandInService } from './faults';
export type {
  NodeBackend,
  NodeBackendGroup,
  NodeBackendMember,
  NodeBackendNodeGroup,
  NodeBackendSpec,
  NodeBackendUser,
  NodeEndpoint,
  PlannedNodeGroup,
  SimulatedNodeBackend,
  SimulatedNodeBackendOptions,
  SimulatedNodeGroup,
} from './nodeBackend';
export { plannedNodeGroups, simulatedNodeBackend, slotRanges } from './nodeBackend';
export { ENGINE_VERSIONS } from './rules';
export type {
  EngineEvent,
  ExecutionHistoryEvent,
  ExecutionOutcome,
  ExecutionRecord,
  ExecutionRequest,
  ExecutionRunner,
  ExecutionStatus,
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
}

/** One request as the stand-in saw it; never holds parameters, so never a password. */
export interface StandInCall {
  service: StandInService;
  action: string;
  /** Clock time of arrival. */
  at: number;
  status: number;
  errorCode?: string;
  /** Set when the error was injected by the fault plan. */
  fault?: FaultKind;
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
  /** Waits for background node work (starts, ACL changes, stops) to finish. */
  settle(): Promise<void>;
  /** Stops running executions, the server and every node started. */
  close(): Promise<void>;
}

const QUERY_OPERATIONS: Record<string, QueryOperation> = {
  ...userOperations,
  ...replicationGroupOperations,
  ...cacheClusterOperations,
};

/** The region of the SigV4 credential scope: `Credential=AKID/20240101/us-east-1/elasticache/aws4_request`. */
function regionOf(authorization: string | undefined): string | undefined {
  return authorization ? /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization)?.[1] : undefined;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function internalError(error: unknown): ServiceError {
  const message = error instanceof Error ? error.message : 'Unexpected failure';
  return new ServiceError('InternalFailure', `The stand-in failed: ${message}`, { status: 500 });
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const host = options.host ?? '127.0.0.1';
  const defaultRegion = options.region ?? 'us-east-1';
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
  const eventRules = [...(options.eventRules ?? [])];
  const stepFunctions = new LocalStepFunctions({
    stateMachines: { ...options.stateMachines },
    now: () => clock.now(),
  });
  const stacks = new CloudFormationStacks(() => clock.now());

  function send(
    response: ServerResponse,
    status: number,
    contentType: string,
    body: string,
    headers = {},
  ): void {
    response.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    response.end(body);
  }

  /** Injected latency and failures, common to both services. */
  async function injectFaults(service: StandInService, action: string) {
    const latency = faults.latencyFor(service, action);
    if (latency > 0) await sleep(latency);
    return faults.requestFault(service, action);
  }

  async function handleQuery(body: string, region: string, response: ServerResponse, at: number) {
    const requestId = randomUUID();
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    if (params.get('Version') === CLOUDFORMATION_VERSION) {
      return handleCloudFormation(action, params, response, at, requestId);
    }
    const call: StandInCall = { service: 'elasticache', action, at, status: 200 };
    calls.push(call);
    let result: string;
    try {
      const fault = await injectFaults('elasticache', action);
      if (fault?.kind === 'throttling') {
        call.fault = 'throttling';
        throw new ServiceError('Throttling', 'Rate exceeded', { status: 400 });
      }
      if (fault?.kind === 'serverError') {
        call.fault = 'serverError';
        throw new ServiceError(fault.code, 'The service is unavailable. Please try again later.', {
          status: fault.status,
        });
      }
      const operation = QUERY_OPERATIONS[action];
      if (!operation) throw ec.invalidAction(action);
      await store.advance();
      result = queryResponse(
        action,
        operation({ store, params: new QueryParams(params), region, faults }),
        requestId,
      );
    } catch (caught) {
      const error = caught instanceof ServiceError ? caught : internalError(caught);
      call.status = error.status;
      call.errorCode = error.code;
      send(response, error.status, 'text/xml', queryErrorResponse(error, requestId), {
        'x-amzn-requestid': requestId,
      });
      return;
    }
    send(response, 200, 'text/xml', result, { 'x-amzn-requestid': requestId });
  }

  async function handleJson(
    target: string,
    body: string,
    region: string,
    response: ServerResponse,
    at: number,
  ) {
    const requestId = randomUUID();
    const action = target.slice('secretsmanager.'.length);
    const call: StandInCall = { service: 'secretsmanager', action, at, status: 200 };
    calls.push(call);
    let result: string;
    try {
      const fault = await injectFaults('secretsmanager', action);
      if (fault?.kind === 'throttling') {
        call.fault = 'throttling';
        throw new ServiceError('ThrottlingException', 'Rate exceeded', { status: 400 });
      }
      if (fault?.kind === 'serverError') {
        call.fault = 'serverError';
        const code = fault.status === 500 ? 'InternalServiceError' : 'ServiceUnavailable';
        throw new ServiceError(code, 'The service is unavailable. Please try again later.', {
          status: fault.status,
        });
      }
      const operation: JsonOperation | undefined = secretsManagerOperations[action];
      if (!operation) throw new ServiceError('UnknownOperationException', `Unknown operation ${action}.`);
      let parsed: unknown;
      try {
        parsed = body === '' ? {} : JSON.parse(body);
      } catch {
        throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
      }
      result = JSON.stringify(operation({ store, body: (parsed ?? {}) as Record<string, unknown>, region }));
    } catch (caught) {
      const error = caught instanceof ServiceError ? caught : internalError(caught);
      call.status = error.status;
      call.errorCode = error.code;
      const payload = JSON.stringify({ __type: error.code, message: error.message, Message: error.message });
      send(response, error.status, 'application/x-amz-json-1.1', payload, {
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': error.code,
      });
      return;
    }
    send(response, 200, 'application/x-amz-json-1.1', result, { 'x-amzn-requestid': requestId });
  }

  async function handleCloudFormation(
    action: string,
    params: URLSearchParams,
    response: ServerResponse,
    at: number,
    requestId: string,
  ) {
    const call: StandInCall = { service: 'cloudformation', action, at, status: 200 };
    calls.push(call);
    let result: string;
    try {
      const fault = await injectFaults('cloudformation', action);
      if (fault) throw injectedError(call, fault, 'Throttling');
      const operation = cloudFormationOperations[action];
      if (!operation) {
        throw new ServiceError('InvalidAction', `The action ${action} is not valid for this web service.`);
      }
      result = queryResponse(
        action,
        operation(stacks, new QueryParams(params)),
        requestId,
        CLOUDFORMATION_XMLNS,
      );
    } catch (caught) {
      const error = caught instanceof ServiceError ? caught : internalError(caught);
      call.status = error.status;
      call.errorCode = error.code;
      send(response, error.status, 'text/xml', queryErrorResponse(error, requestId, CLOUDFORMATION_XMLNS), {
        'x-amzn-requestid': requestId,
      });
      return;
    }
    send(response, 200, 'text/xml', result, { 'x-amzn-requestid': requestId });
  }

  /** Turns an injected fault into the error the service sends (`throttlingCode` differs per service). */
  function injectedError(
    call: StandInCall,
    fault: NonNullable<Awaited<ReturnType<typeof injectFaults>>>,
    throttlingCode: string,
  ): ServiceError {
    if (fault.kind === 'throttling') {
      call.fault = 'throttling';
      return new ServiceError(throttlingCode, 'Rate exceeded', { status: 400 });
    }
    call.fault = 'serverError';
    return new ServiceError(fault.code, 'The service is unavailable. Please try again later.', {
      status: fault.status,
    });
  }

  /** EventBridge (JSON 1.1) and Step Functions (JSON 1.0). */
  async function handleEntranceJson(
    service: 'events' | 'states',
    action: string,
    body: string,
    region: string,
    response: ServerResponse,
    at: number,
  ) {
    const requestId = randomUUID();
    const contentType = service === 'events' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
    const call: StandInCall = { service, action, at, status: 200 };
    calls.push(call);
    let result: string;
    try {
      const fault = await injectFaults(service, action);
      if (fault) throw injectedError(call, fault, 'ThrottlingException');
      let parsed: Record<string, unknown>;
      try {
        parsed = (body === '' ? {} : (JSON.parse(body) ?? {})) as Record<string, unknown>;
      } catch {
        throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
      }
      if (service === 'events') {
        if (action !== 'PutEvents')
          throw new ServiceError('UnknownOperationException', `Unknown operation ${action}.`);
        result = JSON.stringify(
          await putEvents({
            body: parsed,
            region,
            now: clock.now(),
            rules: eventRules,
            published: publishedEvents,
            startExecution: async (stateMachineArn, event) => {
              try {
                return stepFunctions.start(stateMachineArn, undefined, JSON.stringify(event)).executionArn;
              } catch {
                return undefined;
              }
            },
          }),
        );
      } else {
        const operation = stepFunctionsOperations[action];
        if (!operation) throw new ServiceError('UnknownOperationException', `Unknown operation ${action}.`);
        result = JSON.stringify(operation(stepFunctions, parsed));
      }
    } catch (caught) {
      const error = caught instanceof ServiceError ? caught : internalError(caught);
      call.status = error.status;
      call.errorCode = error.code;
      const payload = JSON.stringify({ __type: error.code, message: error.message });
      send(response, error.status, contentType, payload, {
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': error.code,
      });
      return;
    }
    send(response, 200, contentType, result, { 'x-amzn-requestid': requestId });
  }

  const server = createServer((request, response) => {
    const at = clock.now();
    readBody(request)
      .then((body) => {
        const region = regionOf(request.headers.authorization) ?? defaultRegion;
        const target = request.headers['x-amz-target'];
        if (typeof target === 'string' && target.startsWith('secretsmanager.')) {
          return handleJson(target, body, region, response, at);
        }
        if (typeof target === 'string' && target.startsWith('AWSEvents.')) {
          return handleEntranceJson('events', target.slice('AWSEvents.'.length), body, region, response, at);
        }
        if (typeof target === 'string' && target.startsWith('AWSStepFunctions.')) {
          const action = target.slice('AWSStepFunctions.'.length);
          return handleEntranceJson('states', action, body, region, response, at);
        }
        return handleQuery(body, region, response, at);
      })
      .catch((error: unknown) => {
        if (!response.headersSent) send(response, 500, 'text/plain', internalError(error).message);
      });
  });

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
    async close() {
      // Executions still running would call a server that is gone.
      await stepFunctions.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}
