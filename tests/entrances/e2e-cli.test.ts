import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalEnvironment } from '../../local/environment';
import { readJson } from '../support/fixtures';
import { executionsOf, startEntranceEnvironment } from './support/local';

let env: LocalEnvironment;

beforeAll(async () => {
  env = await startEntranceEnvironment();
});

afterAll(async () => {
  await env?.close();
});

/** What a command printed: stderr lines and stdout documents. */
function capture() {
  const io = { lines: [] as string[], documents: [] as unknown[] };
  return {
    ...io,
    stderr: (line: string) => io.lines.push(line),
    stdout: (document: unknown) => io.documents.push(document),
  };
}

/** Runs the AWS-mode command on `input` against the local provisioning state machine. */
async function provisionInAws(input: unknown) {
  const { runInAws } = await import('../../local/cli/remote');
  const io = capture();
  const code = await runInAws({
    stateMachineArn: env.stateMachineArns.provision,
    input,
    stderr: io.stderr,
    stdout: io.stdout,
    pollMs: 20,
  });
  return { code, io };
}

const request = () => readJson<{ ReplicationGroupId: string }>('events/cluster-mode-enabled-rbac.json');

describe('npm run provision -- <file> --state-machine-arn <arn> (AWS mode)', () => {
  it('starts an execution with a name derived from the request, follows it with progress lines, and prints the result', async () => {
    // Prepare
    const { executionName } = await import('../../local/cli/remote');

    // Act
    const { code, io } = await provisionInAws(request());

    // Assess
    expect(code, JSON.stringify(io.documents)).toBe(0);
    const [execution] = executionsOf(env, env.stateMachineArns.provision);
    expect(execution?.name).toBe(executionName(request()));
    expect(io.lines[0]).toBe(`Started ${execution?.executionArn}`);
    // The progress lines of a local run: each state once, checks counted.
    const entered = io.lines.slice(1).map((line) => /^\[\s*\d+\.\d{2}s\] (\S+)/.exec(line)?.[1]);
    expect(entered[0]).toBe('ValidateRequest');
    expect(entered).toContain('EnsureGroup');
    expect(entered.at(-2)).toBe('NotifySuccess');
    expect(entered.at(-1)).toBe('ProvisioningSucceeded');
    expect(io.lines).toContainEqual(expect.stringMatching(/CheckAvailable \(check 1\)$/));
    const history = execution?.history.filter((event) => event.type.endsWith('StateEntered')) ?? [];
    expect(entered).toHaveLength(history.length);
    expect(io.documents).toEqual([JSON.parse(execution?.output ?? 'null')]);
    expect(io.documents[0]).toMatchObject({ ReplicationGroupId: 'redis2021', Status: 'available' });
  });

  it('follows the execution already started when run twice with the same request, starting nothing new', async () => {
    // Act
    const { code, io } = await provisionInAws(request());

    // Assess
    expect(code).toBe(0);
    expect(io.lines[0]).toMatch(/^Following the execution already started for this request: /);
    expect(executionsOf(env, env.stateMachineArns.provision)).toHaveLength(1);
    expect(io.documents[0]).toMatchObject({ ReplicationGroupId: 'redis2021', Status: 'available' });
  });

  it('prints the error and exits 1 when the execution fails', async () => {
    // Act
    const { code, io } = await provisionInAws({ ReplicationGroupId: 'cli-invalid', NumCacheClusters: 7 });

    // Assess
    expect(code).toBe(1);
    expect(io.documents).toEqual([
      {
        Error: 'ValidationError',
        Cause: { problems: [expect.objectContaining({ field: 'NumCacheClusters' })] },
      },
    ]);
    expect(io.lines).toContainEqual(expect.stringMatching(/ValidateRequest failed: ValidationError/));
  });
});

describe('npm run teardown -- <ReplicationGroupId>', () => {
  it('tears down a group provisioned locally, with its user group, users and generated secrets', async () => {
    // Prepare
    const { main } = await import('../../local/cli/teardown');
    const io = capture();

    // Act: local by default, in this process's environment.
    const code = await main(['redis2021'], { ...io, env: {}, environment: env });

    // Assess
    expect(code, JSON.stringify(io.documents)).toBe(0);
    expect(io.documents).toEqual([
      {
        ReplicationGroupId: 'redis2021',
        Deleted: {
          ReplicationGroup: true,
          UserGroups: ['mygroup'],
          Users: expect.arrayContaining(['mygroup-app', 'mygroup-default']),
          Secrets: expect.arrayContaining([
            expect.stringContaining(':secret:elasticache-provisioner/mygroup/'),
          ]),
        },
        Kept: [],
      },
    ]);
    expect(io.lines).toContainEqual(expect.stringMatching(/DeleteReplicationGroup \(check 1\)$/));
    expect(io.lines.at(-1)).toMatch(/^Torn down after /);
    expect(['deleting', undefined]).toContain(env.standIn.state.replicationGroups.get('redis2021')?.status);
    expect(env.standIn.state.userGroups.has('mygroup')).toBe(false);
    // Ran in process: no execution went through Step Functions.
    expect(executionsOf(env, env.stateMachineArns.teardown)).toHaveLength(0);
  });

  it('with --state-machine-arn starts the teardown state machine and follows it', async () => {
    // Prepare
    const { main } = await import('../../local/cli/teardown');
    const io = capture();

    // Act: the group is gone already, which a teardown reports as success.
    const code = await main(['redis2021', '--state-machine-arn', env.stateMachineArns.teardown], {
      ...io,
      env: {},
      pollMs: 20,
    });

    // Assess
    expect(code, JSON.stringify(io.documents)).toBe(0);
    const [execution] = executionsOf(env, env.stateMachineArns.teardown);
    expect(execution?.name).toMatch(/^teardown-redis2021-[0-9a-f]{16}$/);
    expect(io.lines[0]).toBe(`Started ${execution?.executionArn}`);
    expect(io.documents).toEqual([expect.objectContaining({ ReplicationGroupId: 'redis2021', Kept: [] })]);
  });

  it('refuses a command line it cannot read, with the usage, and exit code 2', async () => {
    // Prepare
    const { main } = await import('../../local/cli/teardown');
    const io = capture();

    // Act
    const code = await main(['--user', 'orders-app', 'orders-cache'], { ...io, env: {}, environment: env });

    // Assess
    expect(code).toBe(2);
    expect(io.lines[0]).toBe(
      'teardown: --user needs --user-group: users are considered with the user group they were in',
    );
    expect(io.lines[1]).toMatch(/^Usage: npm run teardown -- <ReplicationGroupId>/);
    expect(io.documents).toEqual([]);
  });
});
