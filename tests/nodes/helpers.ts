import { readFileSync } from 'node:fs';
import { createClient, createCluster } from 'redis';
import type { NodeBackendGroup, NodeBackendSpec, NodeBackendUser, NodeEndpoint } from '../../local/nodes';

export {
  acceptsConnections,
  isRunning,
  processesWorkingUnder as processesUnder,
  requireRedisServer,
} from '../support/processes';

import shapesJson from './fixtures/shapes.json';
import usersJson from './fixtures/users.json';

export const shapes = shapesJson as Record<keyof typeof shapesJson, NodeBackendSpec>;
export const rbacUsers = usersJson.rbacUsers as NodeBackendUser[];
export const reporter = usersJson.reporter as NodeBackendUser;
export const refusedRules = usersJson.refusedRules as NodeBackendUser;

export interface Credentials {
  username: string;
  password: string;
}

export function credentialsOf(userName: string, users: readonly NodeBackendUser[] = rbacUsers): Credentials {
  const user = users.find((candidate) => candidate.userName === userName);
  const password = user?.passwords[0];
  if (!password) throw new Error(`Fixture user ${userName} has no password`);
  return { username: userName, password };
}

export const admin = credentialsOf('admin');
export const app = credentialsOf('app');

export function membersOf(group: NodeBackendGroup) {
  return group.nodeGroups.flatMap((nodeGroup) => nodeGroup.members);
}

function socketOptions(group: NodeBackendGroup, endpoint: NodeEndpoint) {
  const base = { host: endpoint.address, port: endpoint.port, reconnectStrategy: false as const };
  return group.caCertificatePath
    ? { ...base, tls: true as const, ca: readFileSync(group.caCertificatePath, 'utf8') }
    : base;
}

/** A connected node-redis client; errors reach the caller through the rejected command. */
export async function openClient(group: NodeBackendGroup, endpoint: NodeEndpoint, credentials?: Credentials) {
  const client = createClient({ socket: socketOptions(group, endpoint), ...credentials });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Runs `use` with a client and always disconnects it. */
export async function withClient<T>(
  group: NodeBackendGroup,
  endpoint: NodeEndpoint,
  credentials: Credentials | undefined,
  use: (client: Awaited<ReturnType<typeof openClient>>) => Promise<T>,
): Promise<T> {
  const client = await openClient(group, endpoint, credentials);
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

/** Why a connection attempt failed, or 'connected'. */
export async function connectionOutcome(
  group: NodeBackendGroup,
  endpoint: NodeEndpoint,
  credentials?: Credentials,
): Promise<string> {
  const client = createClient({ socket: socketOptions(group, endpoint), ...credentials });
  client.on('error', () => undefined);
  try {
    // Connecting authenticates (HELLO/AUTH), which is what this reports on.
    await client.connect();
    return 'connected';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    client.destroy();
  }
}

export async function openCluster(group: NodeBackendGroup, credentials?: Credentials) {
  const endpoint = group.configurationEndpoint;
  if (!endpoint) throw new Error('The group has no configuration endpoint');
  const socket = socketOptions(group, endpoint);
  const { host: _host, port: _port, ...defaults } = socket;
  const cluster = createCluster({
    rootNodes: [{ socket }],
    defaults: { socket: defaults, ...credentials },
  });
  cluster.on('error', () => undefined);
  await cluster.connect();
  return cluster;
}

/** The operating-system process id of every node of the group. */
export async function pidsOf(group: NodeBackendGroup, credentials?: Credentials): Promise<number[]> {
  return Promise.all(
    membersOf(group).map((member) =>
      withClient(group, member, credentials, async (client) => {
        const match = /process_id:(\d+)/.exec(await client.info('server'));
        return Number(match?.[1]);
      }),
    ),
  );
}
