/**
 * An HTTP proxy in front of the local stand-in that throttles like the AWS APIs do: one token bucket per
 * service action; a request finding its bucket empty is answered HTTP 400 `Throttling` in the ElastiCache
 * Query-protocol XML error format (Secrets Manager: `ThrottlingException` in JSON 1.1), which the SDK's
 * retry strategy and the state machine's Retry must absorb.
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BucketSpec {
  /** Tokens the bucket holds when full: the burst allowed. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly spec: BucketSpec,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = spec.capacity;
    this.last = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(
      this.spec.capacity,
      this.tokens + ((now - this.last) / 1000) * this.spec.refillPerSecond,
    );
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type Service = 'elasticache' | 'secretsmanager';

export interface ActionStats {
  service: Service;
  action: string;
  requests: number;
  throttled: number;
}

export interface ThrottleProxy {
  url: string;
  stats(): ActionStats[];
  close(): Promise<void>;
}

export interface ThrottleProxyOptions {
  /** Base URL of the stand-in. */
  target: string;
  /** The bucket of an action; undefined: never throttled. */
  bucketFor(service: Service, action: string): BucketSpec | undefined;
}

const ELASTICACHE_XMLNS = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

/** ElastiCache's throttling answer, byte for byte the Query protocol's error document. */
export function elastiCacheThrottlingBody(requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${ELASTICACHE_XMLNS}"><Error>` +
    '<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>' +
    `</Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function actionOf(request: IncomingMessage, body: Buffer): { service: Service; action: string } {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('secretsmanager.')) {
    return { service: 'secretsmanager', action: target.slice('secretsmanager.'.length) };
  }
  return { service: 'elasticache', action: new URLSearchParams(body.toString('utf8')).get('Action') ?? '' };
}

export async function startThrottleProxy(options: ThrottleProxyOptions): Promise<ThrottleProxy> {
  const target = new URL(options.target);
  const buckets = new Map<string, TokenBucket | undefined>();
  const stats = new Map<string, ActionStats>();
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });

  function throttle(response: ServerResponse, service: Service): void {
    const requestId = randomUUID();
    if (service === 'elasticache') {
      const body = elastiCacheThrottlingBody(requestId);
      response.writeHead(400, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(body),
        'x-amzn-requestid': requestId,
      });
      response.end(body);
      return;
    }
    const body = JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' });
    response.writeHead(400, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': 'ThrottlingException',
    });
    response.end(body);
  }

  function forward(request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    const upstream = httpRequest(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: target.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (err) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(String(err));
    });
    upstream.end(body);
  }

  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        const { service, action } = actionOf(request, body);
        const key = `${service}:${action}`;
        const entry = stats.get(key) ?? { service, action, requests: 0, throttled: 0 };
        stats.set(key, entry);
        entry.requests += 1;
        if (!buckets.has(key)) {
          const spec = options.bucketFor(service, action);
          buckets.set(key, spec ? new TokenBucket(spec) : undefined);
        }
        const bucket = buckets.get(key);
        if (bucket && !bucket.take()) {
          entry.throttled += 1;
          throttle(response, service);
          return;
        }
        forward(request, body, response);
      })
      .catch((err: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(String(err));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => [...stats.values()].sort((a, b) => b.requests - a.requests),
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
