/**
 * The wire protocols the stand-in speaks, one table of operations each. A request is matched to the
 * first protocol that recognises it, its action looked up in that protocol's table, its parameters
 * decoded, the operation run, and its result or error encoded as that service would.
 *
 * To add an operation: add one entry to its service's table (`userOperations`,
 * `replicationGroupOperations`, `secretsManagerOperations`, `stepFunctionsOperations`,
 * `cloudFormationOperations`, or `eventBridgeOperations` below). To add a service: add one protocol
 * to `standInProtocols`. Plain HTTP routes (not AWS protocols) go in `./http` `HttpRoute`s.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  CLOUDFORMATION_VERSION,
  CLOUDFORMATION_XMLNS,
  type CloudFormationStacks,
  cloudFormationOperations,
} from './cloudFormation';
import type { QueryContext, QueryOperation } from './context';
import { type EventRule, type PublishedEvent, putEvents } from './eventBridge';
import type { FaultInjector, RequestFault, StandInService } from './faults';
import { replicationGroupOperations } from './replicationGroups';
import type { SecretRotations } from './rotation';
import { type JsonContext, secretsManagerOperations } from './secretsManager';
import { type LocalStepFunctions, stepFunctionsOperations } from './stepFunctions';
import type { Store } from './store';
import { userOperations } from './users';
import {
  ELASTICACHE_XMLNS,
  ec,
  QueryParams,
  queryErrorResponse,
  queryResponse,
  ServiceError,
  type XmlObject,
} from './wire';

/** One HTTP request as read off the socket. */
export interface WireRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** From the signature scope, or the stand-in's default. */
  region: string;
}

/** What is written back: status, content type, body and extra headers. */
export interface WireAnswer {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

/** A protocol as the dispatch sees it, its input type hidden by `defineProtocol`. */
export interface Protocol {
  service: StandInService;
  /** The action when the request speaks this protocol, else undefined. */
  actionOf(request: WireRequest): string | undefined;
  /** The error this service answers for an injected fault. */
  faultError(fault: RequestFault): ServiceError;
  /** Looks the action up, decodes, runs and encodes; throws `ServiceError`s. */
  answer(action: string, request: WireRequest, requestId: string): Promise<WireAnswer>;
  encodeError(error: ServiceError, requestId: string): WireAnswer;
}

export interface ProtocolSpec<Input, Output> {
  service: StandInService;
  actionOf(request: WireRequest): string | undefined;
  operations: Readonly<Record<string, (input: Input) => Output | Promise<Output>>>;
  unknownOperation(action: string): ServiceError;
  decode(request: WireRequest): Input;
  /** Runs after decoding, before the operation (ElastiCache brings statuses up to date). */
  beforeOperation?(): Promise<void>;
  encode(action: string, result: Output, requestId: string): Omit<WireAnswer, 'status'>;
  encodeError(error: ServiceError, requestId: string): WireAnswer;
  throttlingCode: string;
  /** The code of an injected server error (default: the fault's own). */
  serverErrorCode?(fault: Extract<RequestFault, { kind: 'serverError' }>): string;
}

export function defineProtocol<Input, Output>(spec: ProtocolSpec<Input, Output>): Protocol {
  return {
    service: spec.service,
    actionOf: spec.actionOf,
    encodeError: spec.encodeError,
    faultError(fault) {
      if (fault.kind === 'throttling')
        return new ServiceError(spec.throttlingCode, 'Rate exceeded', { status: 400 });
      const code = spec.serverErrorCode?.(fault) ?? fault.code;
      return new ServiceError(code, 'The service is unavailable. Please try again later.', {
        status: fault.status,
      });
    },
    async answer(action, request, requestId) {
      const operation = Object.hasOwn(spec.operations, action) ? spec.operations[action] : undefined;
      if (!operation) throw spec.unknownOperation(action);
      const input = spec.decode(request);
      await spec.beforeOperation?.();
      return { status: 200, ...spec.encode(action, await operation(input), requestId) };
    },
  };
}

const requestIdHeader = (requestId: string) => ({ 'x-amzn-requestid': requestId });

/** The Query protocol (form-encoded `Action=...`), answered in XML under `xmlns`. */
function queryProtocol<Input>(
  spec: Pick<ProtocolSpec<Input, XmlObject>, 'service' | 'actionOf' | 'operations' | 'beforeOperation'> & {
    xmlns: string;
    decode(params: QueryParams, request: WireRequest): Input;
    serverErrorCode?: ProtocolSpec<Input, XmlObject>['serverErrorCode'];
  },
): Protocol {
  return defineProtocol<Input, XmlObject>({
    ...spec,
    unknownOperation: (action) => ec.invalidAction(action),
    decode: (request) => spec.decode(new QueryParams(new URLSearchParams(request.body)), request),
    encode: (action, result, requestId) => ({
      contentType: 'text/xml',
      body: queryResponse(action, result, requestId, spec.xmlns),
      headers: requestIdHeader(requestId),
    }),
    encodeError: (error, requestId) => ({
      status: error.status,
      contentType: 'text/xml',
      body: queryErrorResponse(error, requestId, spec.xmlns),
      headers: requestIdHeader(requestId),
    }),
    throttlingCode: 'Throttling',
  });
}

/** The AWS JSON protocols (`X-Amz-Target: <prefix><Action>`), a JSON object in and out. */
function jsonProtocol<Input>(spec: {
  service: StandInService;
  targetPrefix: string;
  /** `application/x-amz-json-1.0` or `-1.1`. */
  contentType: string;
  operations: ProtocolSpec<Input, unknown>['operations'];
  decode(body: Record<string, unknown>, request: WireRequest): Input;
  /** Secrets Manager also sends the message as `Message`. */
  capitalMessage?: boolean;
  serverErrorCode?: ProtocolSpec<Input, unknown>['serverErrorCode'];
}): Protocol {
  return defineProtocol<Input, unknown>({
    ...spec,
    actionOf: (request) => {
      const target = request.headers['x-amz-target'];
      return typeof target === 'string' && target.startsWith(spec.targetPrefix)
        ? target.slice(spec.targetPrefix.length)
        : undefined;
    },
    unknownOperation: (action) =>
      new ServiceError('UnknownOperationException', `Unknown operation ${action}.`),
    decode: (request) => spec.decode(parseJsonBody(request.body), request),
    encode: (_action, result, requestId) => ({
      contentType: spec.contentType,
      body: JSON.stringify(result),
      headers: requestIdHeader(requestId),
    }),
    encodeError: (error, requestId) => ({
      status: error.status,
      contentType: spec.contentType,
      body: JSON.stringify({
        __type: error.code,
        message: error.message,
        ...(spec.capitalMessage ? { Message: error.message } : {}),
      }),
      headers: { ...requestIdHeader(requestId), 'x-amzn-errortype': error.code },
    }),
    throttlingCode: 'ThrottlingException',
  });
}

function parseJsonBody(body: string): Record<string, unknown> {
  try {
    return (body === '' ? {} : (JSON.parse(body) ?? {})) as Record<string, unknown>;
  } catch {
    throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
  }
}

function queryAction(request: WireRequest): { action: string; version: string | null } {
  const params = new URLSearchParams(request.body);
  return { action: params.get('Action') ?? '', version: params.get('Version') };
}

/** A table of two-argument operations with the first argument given, one entry per operation still. */
function givenFirst<First, Input, Output>(
  table: Readonly<Record<string, (first: First, input: Input) => Output>>,
  first: First,
): Record<string, (input: Input) => Output> {
  return Object.fromEntries(
    Object.entries(table).map(([action, operation]) => [action, (input: Input) => operation(first, input)]),
  );
}

/** What the protocols act on. */
export interface ProtocolDependencies {
  store: Store;
  faults: FaultInjector;
  stepFunctions: LocalStepFunctions;
  stacks: CloudFormationStacks;
  eventRules: readonly EventRule[];
  publishedEvents: PublishedEvent[];
  now: () => number;
  rotations: SecretRotations;
}

const queryOperations: Record<string, QueryOperation> = { ...userOperations, ...replicationGroupOperations };

interface EventBridgeInput {
  body: Record<string, unknown>;
  region: string;
}

function eventBridgeOperations(deps: ProtocolDependencies) {
  return {
    PutEvents: ({ body, region }: EventBridgeInput) =>
      putEvents({
        body,
        region,
        now: deps.now(),
        rules: deps.eventRules,
        published: deps.publishedEvents,
        startExecution: async (stateMachineArn, event) => {
          try {
            return deps.stepFunctions.start(stateMachineArn, undefined, JSON.stringify(event)).executionArn;
          } catch {
            return undefined;
          }
        },
      }),
  };
}

/** In the order they are tried: ElastiCache, the fallback, last. */
export function standInProtocols(deps: ProtocolDependencies): Protocol[] {
  return [
    jsonProtocol<JsonContext>({
      service: 'secretsmanager',
      targetPrefix: 'secretsmanager.',
      contentType: 'application/x-amz-json-1.1',
      operations: secretsManagerOperations,
      decode: (body, request) => ({
        store: deps.store,
        body,
        region: request.region,
        rotations: deps.rotations,
      }),
      capitalMessage: true,
      serverErrorCode: (fault) => (fault.status === 500 ? 'InternalServiceError' : 'ServiceUnavailable'),
    }),
    jsonProtocol<EventBridgeInput>({
      service: 'events',
      targetPrefix: 'AWSEvents.',
      contentType: 'application/x-amz-json-1.1',
      operations: eventBridgeOperations(deps),
      decode: (body, request) => ({ body, region: request.region }),
    }),
    jsonProtocol<Record<string, unknown>>({
      service: 'states',
      targetPrefix: 'AWSStepFunctions.',
      contentType: 'application/x-amz-json-1.0',
      operations: givenFirst(stepFunctionsOperations, deps.stepFunctions),
      decode: (body) => body,
    }),
    queryProtocol<QueryParams>({
      service: 'cloudformation',
      xmlns: CLOUDFORMATION_XMLNS,
      actionOf: (request) => {
        const { action, version } = queryAction(request);
        return version === CLOUDFORMATION_VERSION ? action : undefined;
      },
      operations: givenFirst(cloudFormationOperations, deps.stacks),
      decode: (params) => params,
    }),
    queryProtocol<QueryContext>({
      service: 'elasticache',
      xmlns: ELASTICACHE_XMLNS,
      actionOf: (request) => queryAction(request).action,
      operations: queryOperations,
      decode: (params, request) => ({
        store: deps.store,
        params,
        region: request.region,
        faults: deps.faults,
      }),
      beforeOperation: () => deps.store.advance(),
    }),
  ];
}
