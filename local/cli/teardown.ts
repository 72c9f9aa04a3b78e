/**
 * npm run teardown -- <ReplicationGroupId> [--user-group id --user id ...] [--endpoint url] [--state-machine-arn arn]
 *
 * Runs the teardown state machine: locally by default (the real definition in process, the real
 * handlers, SDK clients pointed at a local stand-in), or in AWS with --state-machine-arn. Locally, a
 * new stand-in holds nothing yet: --endpoint points at the one a held `npm run provision` runs, so
 * what that run created is torn down. Progress goes to stderr; the result (or {Error, Cause}) is one
 * JSON document on stdout.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { causeDocument } from '../../shared/functionError';
import { type LocalEnvironment, startLocalEnvironment, useRunningStandIn } from '../environment';
import { HELP_REQUESTED, parseTeardownArgs, TEARDOWN_USAGE, teardownRequestFrom, UsageError } from './args';
import { findLocalEndpoint } from './endpoint';
import { readJsonFile } from './input';
import { stopOnSignals } from './lifecycle';
import { progressPrinter } from './progress';

export interface TeardownIo {
  stdout: (document: unknown) => void;
  stderr: (line: string) => void;
  /** Where TEARDOWN_STATE_MACHINE_ARN is read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** A local environment this process already runs (tests): used as it is, and left running. */
  environment?: LocalEnvironment;
  /** AWS mode: how often the execution's history is read (5 s by default). */
  pollMs?: number;
  /** Where --help prints the usage (stdout from the command line); stderr by default. */
  usage?: (text: string) => void;
}

/** The exit code: 0 torn down, 1 the teardown failed, 2 a usage error. */
export async function main(argv: string[], io: TeardownIo): Promise<number> {
  try {
    return await teardown(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      if (err.message === HELP_REQUESTED) {
        (io.usage ?? io.stderr)(TEARDOWN_USAGE);
        return 0;
      }
      io.stderr(`teardown: ${err.message}`);
      io.stderr(TEARDOWN_USAGE);
      return 2;
    }
    io.stdout({
      Error: err instanceof Error ? err.name : 'Error',
      Cause: err instanceof Error ? err.message : String(err),
    });
    return 1;
  }
}

async function teardown(argv: string[], io: TeardownIo): Promise<number> {
  const args = parseTeardownArgs(argv, io.env ?? process.env);
  if (!io.environment) process.env.POWERTOOLS_LOG_LEVEL = args.verbose ? 'INFO' : 'SILENT';
  const input = args.requestFile
    ? await readJsonFile(args.requestFile, 'teardown request file')
    : teardownRequestFrom(args);

  if (args.stateMachineArn) {
    const { runInAws } = await import('./remote');
    return runInAws({
      workflow: 'teardown',
      stateMachineArn: args.stateMachineArn,
      input,
      stderr: io.stderr,
      stdout: io.stdout,
      ...(io.pollMs === undefined ? {} : { pollMs: io.pollMs }),
    });
  }

  const running = io.environment ? undefined : await findLocalEndpoint(args.endpoint, io.env ?? process.env);
  if (running) {
    const { runOnEndpoint } = await import('./onEndpoint');
    return runOnEndpoint({
      endpoint: running,
      workflow: 'teardown',
      input,
      stderr: io.stderr,
      stdout: io.stdout,
    });
  }

  let started: LocalEnvironment | undefined;
  if (io.environment) {
    io.stderr(`Local ElastiCache at ${io.environment.endpoints.elasticache}`);
  } else if (args.endpoint) {
    useRunningStandIn(args.endpoint);
    io.stderr(`Local ElastiCache at ${args.endpoint} (a running stand-in)`);
  } else {
    started = await startLocalEnvironment({ nodes: 'simulated' });
    const environment = started;
    stopOnSignals({ stop: () => environment.close(), stderr: io.stderr });
    io.stderr(
      `Local ElastiCache at ${started.endpoints.elasticache}, new and empty: to tear down what ` +
        '`npm run local` or a held `npm run provision` created, run it there (--endpoint <url>)',
    );
  }
  try {
    // Loaded only now: the handlers' SDK clients must see the local endpoints.
    const { createLocalWorkflow } = await import('../workflow');
    const workflow = createLocalWorkflow({
      workflow: 'teardown',
      waitTimeOverrides: 50,
      retryIntervalOverrides: 50,
    });
    const run = await workflow.run(input, {
      onEvent: progressPrinter(io.stderr, new Set(['DeleteReplicationGroup'])),
    });
    const took = `${(run.durationMs / 1000).toFixed(2)} s, ${run.transitions} state transitions`;
    if (run.status !== 'SUCCEEDED') {
      io.stdout({ Error: run.error?.Error, Cause: causeDocument(run.error?.Cause) });
      io.stderr(`Failed after ${took}`);
      return 1;
    }
    io.stdout(run.output);
    io.stderr(`Torn down after ${took}`);
    return 0;
  } finally {
    await started?.close();
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(import.meta.url);
}

if (isEntryPoint()) {
  main(process.argv.slice(2), {
    stdout: (document) => process.stdout.write(`${JSON.stringify(document, null, 2)}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    usage: (text) => process.stdout.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
