import { describe, expect, it } from 'vitest';
import { parseProvisionArgs, parseTeardownArgs } from '../../local/cli/args';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:elasticache-provisioner-dev-provision';

describe.each([
  [
    'provision',
    (argv: string[], env = {}) => parseProvisionArgs(['request.json', ...argv], env),
    'PROVISION_STATE_MACHINE_ARN',
  ],
  [
    'teardown',
    (argv: string[], env = {}) => parseTeardownArgs(['orders-cache', ...argv], env),
    'TEARDOWN_STATE_MACHINE_ARN',
  ],
] as const)('%s: where the command runs', (_, parse, envName) => {
  it('runs locally when given neither an endpoint nor a state machine', () => {
    // Act
    const args = parse([]);

    // Assess
    expect(args).not.toHaveProperty('endpoint');
    expect(args).not.toHaveProperty('stateMachineArn');
    expect(args.verbose).toBe(false);
  });

  it('takes the state machine from the environment when the option is absent', () => {
    // Act
    const args = parse(['--verbose'], { [envName]: ARN });

    // Assess
    expect(args).toMatchObject({ stateMachineArn: ARN, verbose: true });
  });

  it('runs on the given endpoint, without its trailing slash, even when the environment names a state machine', () => {
    // Act
    const args = parse(['--endpoint', 'http://127.0.0.1:4599/'], { [envName]: ARN });

    // Assess
    expect(args.endpoint).toBe('http://127.0.0.1:4599');
    expect(args).not.toHaveProperty('stateMachineArn');
  });

  it('refuses an endpoint that is not a URL', () => {
    // Act / Assess
    expect(() => parse(['--endpoint', '127.0.0.1:4599'])).toThrow(/--endpoint must be a URL/);
  });

  it('refuses an endpoint together with a state machine', () => {
    // Act / Assess
    expect(() => parse(['--endpoint', 'http://127.0.0.1:4599', '--state-machine-arn', ARN])).toThrow(
      '--endpoint is for local runs; it cannot go with --state-machine-arn',
    );
  });
});
