/**
 * npm run provision -- <file> [--plan] [--no-hold] [--nodes ...] [--faults plan.json] [--endpoint url]
 *   [--state-machine-arn arn] [--verbose]
 *
 * Locally (the default) it starts the execution on the endpoint `npm run local` runs when there is
 * one; else it runs the real state machine definition in process, with the real handlers and SDK
 * clients pointed at a stand-in of its own, and real redis-server nodes when installed.
 * Progress goes to stderr; the result (or {Error, Cause}) is one JSON document on stdout.
 */
import { ValidationError } from '../../shared/errors';
import { causeDocument } from '../../shared/functionError';
import type { ProvisioningResult } from '../../shared/provision/state';
import { consoleRoutes } from '../console/server';
import { startLocalEnvironment } from '../environment';
import type { FaultPlan } from '../standin';
import { HELP_REQUESTED, PROVISION_USAGE, parseProvisionArgs, UsageError } from './args';
import { connectionInstructions } from './connect';
import { findLocalEndpoint } from './endpoint';
import { executionInputFrom, readJsonFile } from './input';
import { stopOnSignals } from './lifecycle';
import { describePlan, planProvisioning } from './plan';
import { progressPrinter } from './progress';

const stderr = (line: string) => process.stderr.write(`${line}\n`);
const stdout = (document: unknown) => process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);

async function main(argv: string[]): Promise<number> {
  const args = parseProvisionArgs(argv);
  // Handler log lines only when asked for: locally the handlers run in this process.
  process.env.POWERTOOLS_LOG_LEVEL = args.verbose ? 'INFO' : 'SILENT';
  const document = await readJsonFile(args.file, 'request file');
  const { input, kind, requestType } = executionInputFrom(document);
  if (kind === 'custom-resource' && requestType !== 'Create') {
    throw new UsageError(
      `a custom-resource ${requestType} event is answered by the deployed bridge function; locally only Create runs`,
    );
  }

  if (args.plan) {
    try {
      const plan = await planProvisioning(input, await existingGroupReader(args));
      for (const line of describePlan(plan)) stderr(line);
      stdout(plan);
      return 0;
    } catch (err) {
      if (err instanceof ValidationError) {
        stdout({ Error: err.name, Cause: { problems: err.problems } });
        return 1;
      }
      throw err;
    }
  }

  if (args.stateMachineArn) {
    const { runInAws } = await import('./remote');
    return runInAws({ stateMachineArn: args.stateMachineArn, input, stderr, stdout });
  }

  const faults = args.faultsFile
    ? ((await readJsonFile(args.faultsFile, 'fault plan')) as FaultPlan)
    : undefined;
  const running = faults ? undefined : await findLocalEndpoint(args.endpoint);
  if (args.endpoint && !running) {
    throw new UsageError(
      faults
        ? '--faults needs a stand-in of its own: leave out --endpoint'
        : `no local endpoint answers at ${args.endpoint}: start one with npm run local`,
    );
  }
  if (running) {
    const { runOnEndpoint } = await import('./onEndpoint');
    return runOnEndpoint({ endpoint: running, workflow: 'provision', input, stderr, stdout });
  }

  const local = await startLocalEnvironment({
    nodes: args.nodes,
    ...(faults ? { faults } : {}),
    // The console, as `npm run local` serves it.
    routes: consoleRoutes,
  });
  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= local.close();
    return closing;
  };
  stopOnSignals({ stop: shutdown, message: 'Stopping the local nodes...', stderr });

  try {
    stderr(
      local.nodeKind === 'redis-server'
        ? `Local ElastiCache at ${local.endpoints.elasticache}, nodes are real redis-server processes`
        : `Local ElastiCache at ${local.endpoints.elasticache}, nodes are simulated (${
            args.nodes === 'simulated' ? '--nodes simulated' : 'redis-server is not installed'
          })`,
    );
    // Loaded only now: the handlers' SDK clients must see the local endpoints.
    const { createLocalWorkflow } = await import('../workflow');
    const workflow = createLocalWorkflow({ waitTimeOverrides: 50, retryIntervalOverrides: 50 });
    const pollingStates = new Set(
      Object.entries(workflow.taskFunctions)
        .filter(([, fn]) => fn === 'waitAvailable')
        .map(([state]) => state),
    );
    const run = await workflow.run(input, { onEvent: progressPrinter(stderr, pollingStates) });

    if (run.status !== 'SUCCEEDED') {
      stdout({ Error: run.error?.Error, Cause: causeDocument(run.error?.Cause) });
      stderr(`Failed after ${(run.durationMs / 1000).toFixed(2)} s, ${run.transitions} state transitions`);
      return 1;
    }
    const result = run.output as ProvisioningResult;
    const caCertificate = local.standIn.caCertificatePath(result.ReplicationGroupId);
    stdout({
      ...result,
      Local: {
        Endpoints: local.endpoints,
        ...(caCertificate ? { CaCertificate: caCertificate } : {}),
      },
    });
    stderr(`Available after ${(run.durationMs / 1000).toFixed(2)} s, ${run.transitions} state transitions`);

    if (!args.hold) return 0;
    stderr('');
    for (const line of connectionInstructions({
      result,
      secretsManagerEndpoint: local.endpoints.secretsmanager,
      ...(caCertificate ? { caCertificate } : {}),
    })) {
      stderr(line);
    }
    stderr('\nTear it down from another terminal (or stop this one):');
    stderr(`  npm run teardown -- ${result.ReplicationGroupId} --endpoint ${local.endpoints.elasticache}`);
    stderr('\nThe nodes stay up until Ctrl-C.');
    await new Promise<never>(() => {
      // Held open; the signal handlers stop the nodes and exit.
    });
    return 0;
  } finally {
    // Reached on failure or with --no-hold; a held run ends through the signal handlers.
    await shutdown();
  }
}

/**
 * Where `--plan` reads an existing group: ElastiCache in AWS with --state-machine-arn, the running
 * local endpoint (`npm run local`, or --endpoint), or the endpoint the environment names; with none of
 * them the plan is made offline, for a new group.
 */
async function existingGroupReader(args: { stateMachineArn?: string; endpoint?: string }) {
  if (!args.stateMachineArn) {
    const running = await findLocalEndpoint(args.endpoint);
    if (running) {
      const { ElastiCacheClient } = await import('@aws-sdk/client-elasticache');
      const elastiCache = new ElastiCacheClient({
        endpoint: running.endpoint,
        region: running.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      return { elastiCache };
    }
    if (!process.env.AWS_ENDPOINT_URL_ELASTICACHE && !process.env.AWS_ENDPOINT_URL) return {};
  }
  const { elastiCache } = await import('../../shared/aws/clients');
  return { elastiCache };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      if (err.message === HELP_REQUESTED) {
        process.stdout.write(PROVISION_USAGE);
        return;
      }
      stderr(`provision: ${err.message}`);
      stderr(PROVISION_USAGE);
      process.exitCode = 2;
      return;
    }
    stdout({
      Error: err instanceof Error ? err.name : 'Error',
      Cause: err instanceof Error ? err.message : String(err),
    });
    process.exitCode = 1;
  },
);
