/**
 * A real HTTP server on 127.0.0.1 standing in for the pre-signed S3 URL CloudFormation gives a
 * custom resource: it records every PUT and answers with the statuses a test queues.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface ReceivedResponse {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  bytes: number;
}

export interface ResponseServer {
  /** A URL shaped like CloudFormation's, with a signature in its query string. */
  url: string;
  received: ReceivedResponse[];
  /** Statuses for the next requests, in order (0: never answer); 200 once they are used up. */
  answerWith(...statuses: number[]): void;
  close(): Promise<void>;
}

export async function startResponseServer(): Promise<ResponseServer> {
  const received: ReceivedResponse[] = [];
  const queued: number[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: body.toString('utf8'),
        bytes: body.length,
      });
      const status = queued.shift() ?? 200;
      if (status === 0) return;
      response.statusCode = status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cloudformation-custom-resource-response-euwest1/arn%3Astack/ReplicationGroup?X-Amz-Signature=s3cr3t-signature&X-Amz-Expires=7200`,
    received,
    answerWith: (...statuses) => queued.push(...statuses),
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/**
 * One server for the test file, started before its tests and closed after them, with what it
 * received forgotten before each test.
 */
export function useResponseServer(): Omit<ResponseServer, 'close'> {
  let server: ResponseServer | undefined;
  beforeAll(async () => {
    server = await startResponseServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    if (server) server.received.length = 0;
  });
  const started = (): ResponseServer => {
    if (!server) throw new Error('the response server starts before the tests');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get received() {
      return started().received;
    },
    answerWith: (...statuses) => started().answerWith(...statuses),
  };
}
