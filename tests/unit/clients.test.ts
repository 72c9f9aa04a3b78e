import { createServer, type Server, type Socket } from 'node:net';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_CONFIG } from '../../shared/aws/clients';

let server: Server;
let endpoint: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  // Accepts every connection and never answers: a stalled endpoint.
  server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('the SDK clients every function builds', () => {
  it('fail a call its endpoint never answers, rather than wait for Lambda to stop the function', async () => {
    // Prepare: the clients' own options, with the timeout shortened so the test is quick.
    const client = new ElastiCacheClient({
      ...CLIENT_CONFIG,
      maxAttempts: 1,
      requestHandler: { ...CLIENT_CONFIG.requestHandler, requestTimeout: 300 },
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    });
    const started = Date.now();

    // Act
    const outcome = client.send(new DescribeReplicationGroupsCommand({})).then(
      () => undefined,
      (err: unknown) => err,
    );

    // Assess
    expect(await outcome).toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5_000);
    client.destroy();
  });

  it('give each attempt seconds, well inside the shortest function timeout', () => {
    // Assess
    expect(CLIENT_CONFIG.requestHandler.requestTimeout).toBeLessThanOrEqual(10_000);
    expect(CLIENT_CONFIG.requestHandler.connectionTimeout).toBeLessThanOrEqual(5_000);
  });
});
