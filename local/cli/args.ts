export interface ProvisionArgs {
  file: string;
  plan: boolean;
  hold: boolean;
  nodes: 'auto' | 'real' | 'simulated';
  faultsFile?: string;
  stateMachineArn?: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const PROVISION_USAGE = `Usage: npm run provision -- <request.json> [options]

The file holds a request, an EventBridge event whose detail is the request, or a
CloudFormation custom-resource event. Without --state-machine-arn it runs locally.

Options:
  --plan                    validate and print the calls the workflow would make; make none.
                            With AWS_ENDPOINT_URL or --state-machine-arn, an existing group is read
                            and the differences and the calls that change it are printed
  --no-hold                 tear the local nodes down as soon as the run ends
  --nodes auto|real|simulated
                            real redis-server nodes (auto: when installed) or simulated ones
  --faults <plan.json>      inject faults into the local stand-in (throttling, errors, delays)
  --state-machine-arn <arn> start a real execution in AWS (or PROVISION_STATE_MACHINE_ARN)
`;

/** Each argument in turn, with a reader for the value that must follow it. */
function* eachArgument(argv: string[]): Generator<[arg: string, value: () => string]> {
  const rest = [...argv];
  while (rest.length > 0) {
    const arg = rest.shift() as string;
    yield [
      arg,
      () => {
        const next = rest.shift();
        if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
        return next;
      },
    ];
  }
}

export function parseProvisionArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ProvisionArgs {
  const args: Partial<ProvisionArgs> & { plan: boolean; hold: boolean; nodes: ProvisionArgs['nodes'] } = {
    plan: false,
    hold: true,
    nodes: 'auto',
  };
  for (const [arg, value] of eachArgument(argv)) {
    if (arg === '--plan') args.plan = true;
    else if (arg === '--no-hold') args.hold = false;
    else if (arg === '--faults') args.faultsFile = value();
    else if (arg === '--state-machine-arn') args.stateMachineArn = value();
    else if (arg === '--nodes') {
      const nodes = value();
      if (nodes !== 'auto' && nodes !== 'real' && nodes !== 'simulated') {
        throw new UsageError('--nodes must be auto, real or simulated');
      }
      args.nodes = nodes;
    } else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else if (args.file === undefined) args.file = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!args.file) throw new UsageError('give the request file');
  const stateMachineArn = args.stateMachineArn ?? env.PROVISION_STATE_MACHINE_ARN;
  return { ...args, file: args.file, ...(stateMachineArn ? { stateMachineArn } : {}) };
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
  /** Locally: the stand-in of another process (a held `npm run provision`) instead of a new one. */
  endpoint?: string;
  stateMachineArn?: string;
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
  --endpoint <url>          locally: the stand-in a held \`npm run provision\` runs ("Local ElastiCache at ...")
  --state-machine-arn <arn> start a real execution in AWS (or TEARDOWN_STATE_MACHINE_ARN)
`;

export function parseTeardownArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): TeardownArgs {
  const args: TeardownArgs = { userIds: [], keepReplicationGroup: false };
  for (const [arg, value] of eachArgument(argv)) {
    if (arg === '--user-group') args.userGroupId = value();
    else if (arg === '--user') args.userIds.push(value());
    else if (arg === '--final-snapshot') args.finalSnapshotIdentifier = value();
    else if (arg === '--keep-replication-group') args.keepReplicationGroup = true;
    else if (arg === '--if-not-managed') {
      const choice = value();
      if (choice !== 'fail' && choice !== 'keep')
        throw new UsageError('--if-not-managed must be fail or keep');
      args.ifNotManaged = choice;
    } else if (arg === '--request') args.requestFile = value();
    else if (arg === '--endpoint') args.endpoint = value();
    else if (arg === '--state-machine-arn') args.stateMachineArn = value();
    else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else if (args.replicationGroupId === undefined) args.replicationGroupId = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (args.requestFile === undefined && args.replicationGroupId === undefined) {
    throw new UsageError('give the ReplicationGroupId (or --request <file>)');
  }
  if (args.requestFile !== undefined && args.replicationGroupId !== undefined) {
    throw new UsageError('give either the ReplicationGroupId or --request <file>, not both');
  }
  if (args.userIds.length > 0 && args.userGroupId === undefined) {
    throw new UsageError('--user needs --user-group: users are considered with the user group they were in');
  }
  if (args.endpoint !== undefined && !/^https?:\/\//.test(args.endpoint)) {
    throw new UsageError('--endpoint must be a URL, e.g. http://127.0.0.1:35409');
  }
  const stateMachineArn = args.stateMachineArn ?? env.TEARDOWN_STATE_MACHINE_ARN;
  if (stateMachineArn && args.endpoint) {
    throw new UsageError('--endpoint is for local runs; it cannot go with a state machine ARN');
  }
  return { ...args, ...(stateMachineArn ? { stateMachineArn } : {}) };
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
