/**
 * Connecting to the provisioned nodes as an application would: node-redis, TLS with the group's
 * CA, and passwords read from (local) Secrets Manager with the AWS SDK.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createClient, createCluster } from 'redis';
import type { Endpoint, ProvisioningResult } from '../../../shared/provision/state';
import { passwordIn } from '../../support/secrets';

export interface Credentials {
  username: string;
  password: string;
}

/** How to reach a group's nodes: its CA when TLS is on, and who to authenticate as. */
export interface Access {
  ca?: string;
  credentials?: Credentials;
}

/** Generated passwords: at least 32 letters and digits (contract, section 1). */
export const GENERATED_PASSWORD = /^[A-Za-z0-9]{32,}$/;

/** Credentials of every user with a password secret, by UserName, read with GetSecretValue. */
export async function readCredentials(
  result: ProvisioningResult,
  secretsManagerUrl: string,
): Promise<Record<string, Credentials>> {
  const secretsManager = new SecretsManagerClient({
    endpoint: secretsManagerUrl,
    region: 'us-east-1',
    // The stand-in does not check signatures; the SDK still signs.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const entries = await Promise.all(
      result.Users.filter((user) => user.PasswordSecretArn).map(async (user) => {
        const { SecretString } = await secretsManager.send(
          new GetSecretValueCommand({ SecretId: user.PasswordSecretArn }),
        );
        return [
          user.UserName,
          { username: user.UserName, password: passwordIn(SecretString ?? '') },
        ] as const;
      }),
    );
    return Object.fromEntries(entries);
  } finally {
    secretsManager.destroy();
  }
}

export function credentialsOf(all: Record<string, Credentials>, userName: string): Credentials {
  const credentials = all[userName];
  if (!credentials) throw new Error(`No password secret for ${userName}`);
  return credentials;
}

export function configurationEndpointOf(result: ProvisioningResult): Endpoint {
  if (!('Configuration' in result.Endpoints)) throw new Error('The result has no configuration endpoint');
  return result.Endpoints.Configuration;
}

export function primaryAndReaderOf(result: ProvisioningResult): { primary: Endpoint; reader: Endpoint } {
  if (!('Primary' in result.Endpoints) || !result.Endpoints.Reader) {
    throw new Error('The result has no primary and reader endpoints');
  }
  return { primary: result.Endpoints.Primary, reader: result.Endpoints.Reader };
}

export function asEndpoint(node: { address: string; port: number }): Endpoint {
  return { Address: node.address, Port: node.port };
}

function socketFor(endpoint: Endpoint, ca: string | undefined) {
  const plain = {
    host: endpoint.Address,
    port: endpoint.Port,
    connectTimeout: 3000,
    reconnectStrategy: false as const,
  };
  return ca ? { ...plain, tls: true as const, ca } : plain;
}

/** A connected client to one node; connecting authenticates, so a refusal rejects here. */
export async function connectNode(endpoint: Endpoint, access: Access = {}) {
  const client = createClient({ socket: socketFor(endpoint, access.ca), ...access.credentials });
  // Failures reach the caller through the rejected command or connect().
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export type NodeClient = Awaited<ReturnType<typeof connectNode>>;

export async function withNode<T>(
  endpoint: Endpoint,
  access: Access,
  use: (client: NodeClient) => Promise<T>,
): Promise<T> {
  const client = await connectNode(endpoint, access);
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

/** 'connected', or the reason the connection (TLS handshake or authentication) was refused. */
export async function connectionOutcome(endpoint: Endpoint, access: Access = {}): Promise<string> {
  try {
    const client = await connectNode(endpoint, access);
    client.destroy();
    return 'connected';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** A cluster client discovering the shards from the configuration endpoint. */
export async function connectCluster(configuration: Endpoint, access: Access = {}) {
  const { host: _host, port: _port, ...defaults } = socketFor(configuration, access.ca);
  const cluster = createCluster({
    rootNodes: [{ socket: socketFor(configuration, access.ca) }],
    defaults: { socket: defaults, ...access.credentials },
  });
  cluster.on('error', () => undefined);
  await cluster.connect();
  return cluster;
}

/**
 * The index of the primary that serves `key`: asked directly (no cluster client), the others answer
 * MOVED. Tells which shard a key landed on without trusting the client's own slot map.
 */
export async function shardServing(key: string, primaries: readonly NodeClient[]): Promise<number> {
  const serving: number[] = [];
  for (const [index, primary] of primaries.entries()) {
    try {
      await primary.get(key);
      serving.push(index);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('MOVED'))) throw err;
    }
  }
  if (serving.length !== 1) throw new Error(`${key} is served by ${serving.length} primaries`);
  return serving[0] as number;
}

/** Reads until `done` accepts the value or the time is up (replication is asynchronous); returns the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(20);
  }
}

/** Keys under the app's `~app:*` pattern whose hash tags spread them over many slots. */
export function keysAcrossSlots(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `app:{tag${index}}`);
}
