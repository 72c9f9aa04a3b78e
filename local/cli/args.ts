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
  --plan                    validate and print the calls the workflow would make; make none
  --no-hold                 tear the local nodes down as soon as the run ends
  --nodes auto|real|simulated
                            real redis-server nodes (auto: when installed) or simulated ones
  --faults <plan.json>      inject faults into the local stand-in (throttling, errors, delays)
  --state-machine-arn <arn> start a real execution in AWS (or PROVISION_STATE_MACHINE_ARN)
`;

export function parseProvisionArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ProvisionArgs {
  const args: Partial<ProvisionArgs> & { plan: boolean; hold: boolean; nodes: ProvisionArgs['nodes'] } = {
    plan: false,
    hold: true,
    nodes: 'auto',
  };
  const rest = [...argv];
  while (rest.length > 0) {
    const arg = rest.shift() as string;
    const value = (): string => {
      const next = rest.shift();
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
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
