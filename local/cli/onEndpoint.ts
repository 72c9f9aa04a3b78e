/**
 * Runs a workflow on a running local endpoint (`npm run local`): a StartExecution there, followed
 * through its history as in AWS, so the execution shows up in that endpoint's console and executions.
 */
import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { ProvisioningResult } from '../../shared/provision/state';
import type { WorkflowKind } from '../../shared/workflow';
import type { EndpointDescription } from '../console/server';
import { connectionInstructions } from './connect';
import { runInAws } from './remote';

/** A local execution is followed closely: its Wait states last 50 ms. */
const POLL_MS = 100;

export interface OnEndpointOptions {
  endpoint: EndpointDescription;
  workflow: WorkflowKind;
  input: unknown;
  stderr: (line: string) => void;
  stdout: (document: unknown) => void;
}

export async function runOnEndpoint(options: OnEndpointOptions): Promise<number> {
  const { endpoint, workflow } = options;
  options.stderr(`Local AWS at ${endpoint.endpoint} (npm run local), console: ${endpoint.console}`);
  // Lambda runs Node 22; the SDK's notice about Node 20 is noise in a local run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new SFNClient({
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let document: unknown;
  const code = await runInAws({
    stateMachineArn: endpoint.stateMachines[workflow] ?? '',
    workflow,
    input: options.input,
    client,
    pollMs: POLL_MS,
    // A new execution each run: locally the same request is often run again after a teardown.
    name: `${workflow}-${randomUUID()}`,
    stderr: options.stderr,
    stdout: (value) => {
      document = value;
    },
  });
  if (code !== 0 || workflow !== 'provision') {
    options.stdout(document);
    return code;
  }
  const result = document as ProvisioningResult;
  // Where the group's CA certificate is (TLS): the console's route, as no AWS API tells it.
  const groups = (await (await fetch(`${endpoint.endpoint}/local/replication-groups`)).json()) as Record<
    string,
    { caCertificate: string | null } | undefined
  >;
  const caCertificate = groups[result.ReplicationGroupId.toLowerCase()]?.caCertificate;
  options.stdout({
    ...result,
    Local: { Endpoint: endpoint.endpoint, ...(caCertificate ? { CaCertificate: caCertificate } : {}) },
  });
  options.stderr('');
  for (const line of connectionInstructions({
    result,
    secretsManagerEndpoint: endpoint.endpoint,
    ...(caCertificate ? { caCertificate } : {}),
  })) {
    options.stderr(line);
  }
  options.stderr('\nThe nodes run as long as `npm run local` does. Tear them down with:');
  const rbac = result.UserGroupIds?.[0]
    ? ` --user-group ${result.UserGroupIds[0]}${result.Users.map((user) => ` --user ${user.UserId}`).join('')}`
    : '';
  options.stderr(`  npm run teardown -- ${result.ReplicationGroupId}${rbac}`);
  return 0;
}
