/**
 * The stand-in's HTTP server: one request is read, checked against the plain HTTP routes first
 * (`HttpRoute`: for pages and APIs that are not AWS protocols, e.g. `GET /`), then dispatched to the
 * first AWS protocol that recognises it (see `./protocols`), with the fault plan applied and the call
 * recorded.
 *
 * To add a route: pass one more `HttpRoute` in `routes` (method, path, handler).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FaultInjector, FaultKind, StandInService } from './faults';
import type { Protocol, WireAnswer, WireRequest } from './protocols';
import { ServiceError } from './wire';

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

/** A plain HTTP route, answered before any AWS protocol is tried. */
export interface HttpRoute {
  method: string;
  /** The path without its query string, matched exactly. */
  path: string;
  handle(request: WireRequest): WireAnswer | Promise<WireAnswer>;
}

export interface DispatchOptions {
  routes: readonly HttpRoute[];
  protocols: readonly Protocol[];
  faults: FaultInjector;
  calls: StandInCall[];
  now: () => number;
  defaultRegion: string;
}

/** The region of the SigV4 credential scope: `Credential=AKID/20240101/us-east-1/elasticache/aws4_request`. */
function regionOf(authorization: string | undefined): string | undefined {
  return authorization ? /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization)?.[1] : undefined;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readRequest(request: IncomingMessage, defaultRegion: string): Promise<WireRequest> {
  return {
    method: request.method ?? 'GET',
    path: (request.url ?? '/').split('?')[0] ?? '/',
    headers: request.headers,
    body: await readBody(request),
    region: regionOf(request.headers.authorization) ?? defaultRegion,
  };
}

function send(response: ServerResponse, answer: WireAnswer): void {
  response.writeHead(answer.status, {
    'content-type': answer.contentType,
    'content-length': Buffer.byteLength(answer.body),
    ...answer.headers,
  });
  response.end(answer.body);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function internalError(error: unknown): ServiceError {
  const message = error instanceof Error ? error.message : 'Unexpected failure';
  return new ServiceError('InternalFailure', `The stand-in failed: ${message}`, { status: 500 });
}

/** Runs one AWS request through its protocol: faults first, then the operation; records the call. */
async function dispatchAws(
  options: DispatchOptions,
  protocol: Protocol,
  action: string,
  request: WireRequest,
  at: number,
): Promise<WireAnswer> {
  const requestId = randomUUID();
  const call: StandInCall = { service: protocol.service, action, at, status: 200 };
  options.calls.push(call);
  try {
    const latency = options.faults.latencyFor(protocol.service, action);
    if (latency > 0) await sleep(latency);
    const fault = options.faults.requestFault(protocol.service, action);
    if (fault) {
      call.fault = fault.kind;
      throw protocol.faultError(fault);
    }
    return await protocol.answer(action, request, requestId);
  } catch (caught) {
    const error = caught instanceof ServiceError ? caught : internalError(caught);
    call.status = error.status;
    call.errorCode = error.code;
    return protocol.encodeError(error, requestId);
  }
}

async function dispatch(options: DispatchOptions, request: WireRequest, at: number): Promise<WireAnswer> {
  const route = options.routes.find((r) => r.method === request.method && r.path === request.path);
  if (route) return route.handle(request);
  for (const protocol of options.protocols) {
    const action = protocol.actionOf(request);
    if (action !== undefined) return dispatchAws(options, protocol, action, request, at);
  }
  throw new Error(`No protocol recognises ${request.method} ${request.path}`);
}

export function createStandInServer(options: DispatchOptions): Server {
  return createServer((incoming, response) => {
    const at = options.now();
    readRequest(incoming, options.defaultRegion)
      .then((request) => dispatch(options, request, at))
      .then((answer) => send(response, answer))
      .catch((error: unknown) => {
        if (!response.headersSent) {
          send(response, {
            status: 500,
            contentType: 'text/plain',
            body: internalError(error).message,
            headers: {},
          });
        }
      });
  });
}
