/**
 * A local ElastiCache + Secrets Manager the real AWS SDK v3 talks to (client `endpoint` or
 * `AWS_ENDPOINT_URL_ELASTICACHE` / `AWS_ENDPOINT_URL_SECRETS_MANAGER`). One HTTP server answers
 * both: Secrets Manager requests carry `X-Amz-Target: secretsmanager.<Action>`, ElastiCache ones
 * are form-encoded Query requests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QueryOperation } from './context';
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
}

export interface StandIn {
  url: string;
  elastiCacheUrl: string;
  secretsManagerUrl: string;
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
  /** Waits for background node work (starts, ACL changes, stops) to finish. */
  settle(): Promise<void>;
  /** Stops the server and every node started. */
  close(): Promise<void>;
}

const QUERY_OPERATIONS: Record<string, QueryOperation> = { ...userOperations, ...replicationGroupOperations };

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

  const server = createServer((request, response) => {
    const at = clock.now();
    readBody(request)
      .then((body) => {
        const region = regionOf(request.headers.authorization) ?? defaultRegion;
        const target = request.headers['x-amz-target'];
        if (typeof target === 'string' && target.startsWith('secretsmanager.')) {
          return handleJson(target, body, region, response, at);
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
    nodes,
    get state(): StandInState {
      store.step();
      return {
        users: store.users,
        userGroups: store.userGroups,
        replicationGroups: store.replicationGroups,
        secrets: store.secrets,
        events: store.events,
      };
    },
    calls,
    faultsInjected: faults.counts,
    caCertificatePath: (replicationGroupId) =>
      store.replicationGroups.get(replicationGroupId.toLowerCase())?.nodes?.caCertificatePath,
    setFaults: (plan) => faults.setPlan(plan),
    advance: () => store.advance(),
    settle: () => store.settle(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}
