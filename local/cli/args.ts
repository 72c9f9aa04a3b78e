import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface ProvisionArgs {
  file: string;
  plan: boolean;
  hold: boolean;
  nodes: 'auto' | 'real' | 'simulated';
  faultsFile?: string;
  stateMachineArn?: string;
  /** A running local endpoint (`npm run local`) to start the execution on. */
  endpoint?: string;
  /** Handler log lines on stderr. */
  verbose: boolean;
}

/** A command line that cannot run; an empty message is `--help` (usage on stdout, exit 0). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--help`: the usage is the answer. */
export const HELP_REQUESTED = '';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs (so `--x=y` works too), its errors as usage errors. */
export function parseCommandLine<T extends Options>(argv: string[], options: T) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0] : String(err));
  }
  if ((parsed.values as { help?: boolean }).help) throw new UsageError(HELP_REQUESTED);
  return parsed;
}

/** One of `choices`, or a usage error naming the option. */
function oneOf<C extends string>(
  option: string,
  value: string | undefined,
  choices: readonly C[],
): C | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${option} must be ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`);
  }
  return value as C;
}

/** Where a command runs, and how much it shows: the options every command shares. */
const TARGET_OPTIONS = {
  endpoint: { type: 'string' },
  'state-machine-arn': { type: 'string' },
  verbose: { type: 'boolean' },
} as const satisfies Options;

interface Target {
  endpoint?: string;
  stateMachineArn?: string;
  verbose: boolean;
}

/** A local endpoint, or a state machine in AWS (`--state-machine-arn`, else `envArn`), never both. */
function targetOf(
  values: { endpoint?: string; 'state-machine-arn'?: string; verbose?: boolean },
  envArn: string | undefined,
): Target {
  const endpoint = endpointUrl(values.endpoint);
  if (endpoint && values['state-machine-arn']) {
    throw new UsageError('--endpoint is for local runs; it cannot go with --state-machine-arn');
  }
  const stateMachineArn = values['state-machine-arn'] ?? envArn;
  return {
    verbose: values.verbose ?? false,
    ...(endpoint ? { endpoint } : {}),
    ...(stateMachineArn && !endpoint ? { stateMachineArn } : {}),
  };
}

function endpointUrl(value: string | undefined): string | undefined {
  if (value !== undefined && !/^https?:\/\/[^/]+/.test(value)) {
    throw new UsageError('--endpoint must be a URL, e.g. http://127.0.0.1:4599');
  }
  return value?.replace(/\/+$/, '');
}

export const PROVISION_USAGE = `Usage: npm run provision -- <request.json> [options]

The file holds a request, an EventBridge event whose detail is the request, or a
CloudFormation custom-resource event. Without --state-machine-arn it runs locally: on the
endpoint \`npm run local\` runs when there is one (or --endpoint), else in this process.

Options:
  --plan                    validate and print the calls the workflow would make; make none.
                            An existing group (in AWS with --state-machine-arn, or on the local
                            endpoint) is read, and the differences and the calls that change it printed
  --no-hold                 tear the local nodes down as soon as the run ends
  --nodes auto|real|simulated
                            real redis-server nodes (auto: when installed) or simulated ones
  --faults <plan.json>      inject faults into the local stand-in (throttling, errors, delays)
  --endpoint <url>          the local endpoint to run on (\`npm run local\` prints it)
  --state-machine-arn <arn> start a real execution in AWS (or PROVISION_STATE_MACHINE_ARN)
  --verbose                 show the handlers' log lines
  -h, --help                this text
`;

export function parseProvisionArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ProvisionArgs {
  const { values, positionals } = parseCommandLine(argv, {
    plan: { type: 'boolean' },
    'no-hold': { type: 'boolean' },
    nodes: { type: 'string' },
    faults: { type: 'string' },
    ...TARGET_OPTIONS,
  });
  const [file, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  if (!file) throw new UsageError('give the request file');
  const target = targetOf(values, env.PROVISION_STATE_MACHINE_ARN);
  return {
    file,
    plan: values.plan ?? false,
    hold: !values['no-hold'],
    nodes: oneOf('nodes', values.nodes, ['auto', 'real', 'simulated'] as const) ?? 'auto',
    ...(values.faults ? { faultsFile: values.faults } : {}),
    ...target,
  };
}

export interface TeardownArgs {
  /** The replication group to tear down, unless `requestFile` holds the whole request. */
  replicationGroupId?: string;
  requestFile?: string;
  userGroupId?: string;
  userIds: string[];
  finalSnapshotIdentifier?: string;
  keepReplicationGroup: boolean;
  ifNotManaged?: 'fail' | 'keep';
  /** Locally: the endpoint of another process (`npm run local`, a held `npm run provision`). */
  endpoint?: string;
  stateMachineArn?: string;
  /** Handler log lines on stderr. */
  verbose: boolean;
}

export const TEARDOWN_USAGE = `Usage: npm run teardown -- <ReplicationGroupId> [options]
       npm run teardown -- --request <teardown-request.json> [options]

Deletes the replication group if the provisioner created it, waits until it is gone, then the user
groups, users and generated password secrets created for it; never anything it did not create.
Without --state-machine-arn it runs locally.

Options:
  --user-group <id>         the user group the provisioning request named (Rbac.UserGroupId)
  --user <id>               a user the provisioning request named (Rbac.UserIds); repeatable
  --final-snapshot <name>   take a final snapshot of this name before deleting
  --keep-replication-group  leave the replication group; remove only the RBAC resources created for it
  --if-not-managed fail|keep
                            a group the provisioner did not create: fail (default) or leave it and go on
  --request <file>          the whole teardown request (or an EventBridge event carrying it) as JSON
  --endpoint <url>          the local endpoint to run on (\`npm run local\` or a held \`npm run provision\`
                            prints it); the one \`npm run local\` runs is found without it
  --state-machine-arn <arn> start a real execution in AWS (or TEARDOWN_STATE_MACHINE_ARN)
  --verbose                 show the handlers' log lines
  -h, --help                this text
`;

export function parseTeardownArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): TeardownArgs {
  const { values, positionals } = parseCommandLine(argv, {
    'user-group': { type: 'string' },
    user: { type: 'string', multiple: true },
    'final-snapshot': { type: 'string' },
    'keep-replication-group': { type: 'boolean' },
    'if-not-managed': { type: 'string' },
    request: { type: 'string' },
    ...TARGET_OPTIONS,
  });
  const [replicationGroupId, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  const target = targetOf(values, env.TEARDOWN_STATE_MACHINE_ARN);
  const args: TeardownArgs = {
    ...target,
    userIds: values.user ?? [],
    keepReplicationGroup: values['keep-replication-group'] ?? false,
    ...(replicationGroupId ? { replicationGroupId } : {}),
    ...(values['user-group'] ? { userGroupId: values['user-group'] } : {}),
    ...(values['final-snapshot'] ? { finalSnapshotIdentifier: values['final-snapshot'] } : {}),
    ...(values.request ? { requestFile: values.request } : {}),
  };
  const ifNotManaged = oneOf('if-not-managed', values['if-not-managed'], ['fail', 'keep'] as const);
  if (ifNotManaged) args.ifNotManaged = ifNotManaged;
  if (args.requestFile === undefined && args.replicationGroupId === undefined) {
    throw new UsageError('give the ReplicationGroupId (or --request <file>)');
  }
  if (args.requestFile !== undefined && args.replicationGroupId !== undefined) {
    throw new UsageError('give either the ReplicationGroupId or --request <file>, not both');
  }
  if (args.userIds.length > 0 && args.userGroupId === undefined) {
    throw new UsageError('--user needs --user-group: users are considered with the user group they were in');
  }
  return args;
}

/** The teardown request the options describe (see shared/teardown/request.ts). */
export function teardownRequestFrom(args: TeardownArgs): Record<string, unknown> {
  return {
    ReplicationGroupId: args.replicationGroupId,
    ...(args.userGroupId ? { Rbac: { UserGroupId: args.userGroupId, UserIds: args.userIds } } : {}),
    ...(args.finalSnapshotIdentifier ? { FinalSnapshotIdentifier: args.finalSnapshotIdentifier } : {}),
    ...(args.keepReplicationGroup ? { KeepReplicationGroup: true } : {}),
    ...(args.ifNotManaged ? { IfNotManaged: args.ifNotManaged } : {}),
  };
}
