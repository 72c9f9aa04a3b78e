/**
 * npm run local [-- --port N] [--nodes auto|real|simulated] [--verbose]
 *
 * A local AWS for this service on one port, until Ctrl-C or SIGTERM: ElastiCache, Secrets Manager,
 * Step Functions (both state machines, named as a deployment of stage `local` names them), EventBridge
 * (the deployed rules: a matching PutEvents starts the workflow), CloudFormation, and the web console
 * at `/`. When ready it prints one JSON line on stdout (endpoint, region, account, state machine ARNs)
 * and, on stderr, what to export so that unchanged AWS clients use it.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleRoutes, consoleScript, describeEndpoint, type EndpointDescription } from '../console/server';
import { startLocalEnvironment } from '../environment';
import { HELP_REQUESTED, parseCommandLine, UsageError } from './args';
import { DEFAULT_LOCAL_PORT } from './endpoint';
import { stopOnSignals } from './lifecycle';

export const LOCAL_USAGE = `Usage: npm run local [-- options]

Runs a local ElastiCache, Secrets Manager, Step Functions, EventBridge and CloudFormation endpoint,
with the provisioning and teardown state machines and a web console, until Ctrl-C.

Options:
  --port <n>                the port (default ${DEFAULT_LOCAL_PORT}; 0 picks a free one)
  --nodes auto|real|simulated
                            real redis-server nodes (auto: when installed) or simulated ones
  --verbose                 show the handlers' log lines
  -h, --help                this text
`;

export interface LocalArgs {
  port: number;
  nodes: 'auto' | 'real' | 'simulated';
  verbose: boolean;
}

export function parseLocalArgs(argv: string[]): LocalArgs {
  const { values, positionals } = parseCommandLine(argv, {
    port: { type: 'string' },
    nodes: { type: 'string' },
    verbose: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const port = Number(values.port ?? DEFAULT_LOCAL_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError('--port must be a port number (0 picks a free one)');
  }
  const nodes = values.nodes ?? 'auto';
  if (nodes !== 'auto' && nodes !== 'real' && nodes !== 'simulated') {
    throw new UsageError('--nodes must be auto, real or simulated');
  }
  return { port, nodes, verbose: values.verbose ?? false };
}

/** The lines that point unchanged AWS clients (CLI, SDKs, boto3) at the endpoint. */
export function exportLines(description: EndpointDescription): string[] {
  return [
    `export AWS_ENDPOINT_URL=${description.endpoint}`,
    `export AWS_REGION=${description.region} AWS_DEFAULT_REGION=${description.region}`,
    'export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
    `export PROVISION_STATE_MACHINE_ARN=${description.stateMachines.provision}`,
    `export TEARDOWN_STATE_MACHINE_ARN=${description.stateMachines.teardown}`,
    `export DEADLINE_STATE_MACHINE_ARN=${description.stateMachines.deadline}`,
  ];
}

async function main(argv: string[]): Promise<number> {
  const args = parseLocalArgs(argv);
  // Handler log lines only when asked for: the executions run in this process.
  process.env.POWERTOOLS_LOG_LEVEL = args.verbose ? 'INFO' : 'SILENT';
  const environment = await startLocalEnvironment({
    nodes: args.nodes,
    port: args.port,
    routes: consoleRoutes,
  }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(`port ${args.port} is in use: choose another with --port <n> (0: any free port)`);
    }
    throw err;
  });
  stopOnSignals({
    stop: () => environment.close(),
    message: 'Stopping the local endpoint and its nodes...',
    stderr,
  });
  const description = describeEndpoint(environment);
  const { endpoint } = description;
  process.stdout.write(`${JSON.stringify(description)}\n`);
  stderr(
    `Local AWS at ${endpoint}, nodes are ${
      environment.nodeKind === 'redis-server' ? 'real redis-server processes' : 'simulated'
    }. Console: ${description.console}`,
  );
  stderr('Point AWS clients (CLI, SDKs, boto3) at it:');
  for (const line of exportLines(description)) stderr(`  ${line}`);
  stderr('Stop with Ctrl-C.');
  // Built now rather than on the first page load.
  void consoleScript().catch(() => undefined);
  return 0;
}

const stderr = (line: string) => process.stderr.write(`${line}\n`);

function isEntryPoint(): boolean {
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(import.meta.url);
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof UsageError) {
      if (err.message === HELP_REQUESTED) {
        process.stdout.write(LOCAL_USAGE);
        process.exit(0);
      }
      stderr(`local: ${err.message}`);
      stderr(LOCAL_USAGE);
      process.exit(2);
    }
    stderr(`local: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}
