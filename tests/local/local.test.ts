/**
 * `npm run local` as a user runs it, with unchanged clients pointed at it by the variables it prints:
 * the AWS CLI, the seed's boto3 programs, and `npm run provision` / `npm run teardown`. Then a
 * SIGTERM, after which nothing it started may be left.
 */
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws, awsJson, python } from './support/clients';
import { killRunning, leftovers, type NpmRun, npmRun, processTree, until } from './support/processes';

const PROVISION =
  'arn:aws:states:us-east-1:000000000000:stateMachine:elasticache-provisioner-local-provision';
const TEARDOWN = 'arn:aws:states:us-east-1:000000000000:stateMachine:elasticache-provisioner-local-teardown';
/** A small request: one node, no RBAC. */
const requestFor = (id: string) => ({
  ReplicationGroupId: id,
  Engine: 'redis',
  EngineVersion: '7.1',
  ClusterMode: 'disabled',
  NumCacheClusters: 1,
});

interface Ready {
  endpoint: string;
  region: string;
  account: string;
  stateMachines: { provision: string; teardown: string; deadline: string };
}

/** Each AWS CLI and python3 start takes a second or more on a busy machine. */
const CLIENTS_TIMEOUT_MS = 180_000;

let local: NpmRun;
let ready: Ready;
let endpoint = '';

async function finished(executionArn: string): Promise<string> {
  const sfn = new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  for (;;) {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') return status ?? '';
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npm run local, used with the AWS CLI, boto3 and the npm commands', () => {
  beforeAll(async () => {
    local = npmRun('local', ['--port', '0']);
    // stdout and stderr are separate pipes: the ready line may come before the exports.
    await until(local, () => local.stdout.includes('\n') && local.stderr.includes('Stop with Ctrl-C.'));
    ready = JSON.parse(local.stdout) as Ready;
    endpoint = ready.endpoint;
  }, CLIENTS_TIMEOUT_MS);
  afterAll(() => killRunning());

  it('prints one JSON line when ready, with the state machines of a stage `local` deployment, and the exports on stderr', () => {
    // Assess
    expect(local.stdout.trim().split('\n')).toHaveLength(1);
    expect(ready).toMatchObject({
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      region: 'us-east-1',
      account: '000000000000',
      stateMachines: {
        provision: PROVISION,
        teardown: TEARDOWN,
        deadline: 'arn:aws:states:us-east-1:000000000000:stateMachine:elasticache-provisioner-local-deadline',
      },
    });
    expect(local.stderr).toContain(`export AWS_ENDPOINT_URL=${endpoint}`);
    expect(local.stderr).toContain(`export PROVISION_STATE_MACHINE_ARN=${PROVISION}`);
  });

  it(
    'lists and describes the state machines for the AWS CLI, with the deployed definition',
    async () => {
      // Act
      const list = await awsJson<{ stateMachines: { name: string; type: string }[] }>(endpoint, [
        'stepfunctions',
        'list-state-machines',
      ]);
      const described = await awsJson<{ definition: string; status: string }>(endpoint, [
        'stepfunctions',
        'describe-state-machine',
        '--state-machine-arn',
        PROVISION,
      ]);

      // Assess
      expect(list.stateMachines).toEqual([
        expect.objectContaining({ name: 'elasticache-provisioner-local-provision', type: 'STANDARD' }),
        expect.objectContaining({ name: 'elasticache-provisioner-local-teardown', type: 'STANDARD' }),
        expect.objectContaining({ name: 'elasticache-provisioner-local-deadline', type: 'STANDARD' }),
      ]);
      expect(described.status).toBe('ACTIVE');
      const definition = JSON.parse(described.definition) as {
        States: Record<string, { Parameters?: { FunctionName?: unknown } }>;
      };
      expect(definition.States.ValidateRequest?.Parameters?.FunctionName).toBe(
        'arn:aws:lambda:us-east-1:000000000000:function:elasticache-provisioner-local-validateRequest',
      );
    },
    CLIENTS_TIMEOUT_MS,
  );

  it(
    "runs the seed's five boto3 programs as written; where AWS refuses a parameter, with AWS's error",
    async () => {
      // Act: the tutorial's five programs in its order (cluster mode disabled, the same with TLS and
      // RBAC, cluster mode enabled, the same with TLS and RBAC, users and a user group)
      const runs = [];
      for (let index = 0; index < 5; index += 1) runs.push(await python(endpoint, index));
      const [disabled, disabledRbac, enabled, enabledRbac, users] = runs;
      const waited = await aws(endpoint, [
        'elasticache',
        'wait',
        'replication-group-available',
        '--replication-group-id',
        'redis202104053',
      ]);
      const groups = await awsJson<{ UserGroups: { UserGroupId: string; UserIds: string[] }[] }>(endpoint, [
        'elasticache',
        'describe-user-groups',
        '--user-group-id',
        'mygroup2',
      ]);

      // Assess
      expect(disabled).toMatchObject({ code: 0 });
      expect(disabled?.stderr).toContain("'ReplicationGroupId': 'redis202104053'");
      expect(waited).toMatchObject({ code: 0 });
      // The user group "mygroup" is nobody's until created; AWS answers UserGroupNotFound.
      expect(disabledRbac?.code).not.toBe(0);
      expect(disabledRbac?.stderr).toContain(
        '(UserGroupNotFound) when calling the CreateReplicationGroup operation',
      );
      // AWS's default parameter groups for Redis 6 are named default.redis6.x[.cluster.on].
      for (const run of [enabled, enabledRbac]) {
        expect(run?.code).not.toBe(0);
        expect(run?.stderr).toContain(
          '(CacheParameterGroupNotFound) when calling the CreateReplicationGroup operation: CacheParameterGroup default.redis6.0.cluster.on not found.',
        );
      }
      expect(users).toMatchObject({ code: 0 });
      expect(groups.UserGroups[0]?.UserIds.sort()).toEqual(['mygroup2-default', 'mygroup2-myuser2']);
    },
    CLIENTS_TIMEOUT_MS,
  );

  it(
    'starts the workflow for start-execution and for a matching put-events, and tells it with Step Functions event types',
    async () => {
      // Act
      const started = await awsJson<{ executionArn: string }>(endpoint, [
        'stepfunctions',
        'start-execution',
        '--state-machine-arn',
        PROVISION,
        '--name',
        'from-the-cli',
        '--input',
        JSON.stringify(requestFor('cli-started')),
      ]);
      const put = await awsJson<{ FailedEntryCount: number }>(endpoint, [
        'events',
        'put-events',
        '--entries',
        JSON.stringify([
          {
            Source: 'custom.elasticache-provisioner',
            DetailType: 'ElastiCache Provisioning Requested',
            Detail: JSON.stringify(requestFor('events-started')),
          },
        ]),
      ]);
      const fromEvents = await awsJson<{ executions: { executionArn: string; name: string }[] }>(endpoint, [
        'stepfunctions',
        'list-executions',
        '--state-machine-arn',
        PROVISION,
      ]);
      const eventArn = fromEvents.executions.find(
        (execution) => execution.name !== 'from-the-cli',
      )?.executionArn;
      const statuses = [await finished(started.executionArn), await finished(eventArn ?? '')];
      const described = await awsJson<{ status: string; output: string }>(endpoint, [
        'stepfunctions',
        'describe-execution',
        '--execution-arn',
        started.executionArn,
      ]);
      const history = await awsJson<{ events: { type: string; [details: string]: unknown }[] }>(endpoint, [
        'stepfunctions',
        'get-execution-history',
        '--execution-arn',
        started.executionArn,
      ]);
      const onePage = (startingToken: string[]) =>
        awsJson<{ executions: unknown[]; NextToken?: string }>(endpoint, [
          ...['stepfunctions', 'list-executions', '--state-machine-arn', PROVISION, '--max-items', '1'],
          ...startingToken,
        ]);
      const firstPage = await onePage([]);
      const secondPage = await onePage(['--starting-token', firstPage.NextToken ?? '']);

      // Assess
      expect(put.FailedEntryCount).toBe(0);
      expect(fromEvents.executions).toHaveLength(2);
      expect(statuses).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(described.status).toBe('SUCCEEDED');
      expect(JSON.parse(described.output)).toMatchObject({
        ReplicationGroupId: 'cli-started',
        Status: 'available',
      });
      const types = history.events.map((event) => event.type);
      expect(types[0]).toBe('ExecutionStarted');
      expect(types.at(-1)).toBe('ExecutionSucceeded');
      expect(types).toEqual(
        expect.arrayContaining([
          'TaskStateEntered',
          'TaskScheduled',
          'TaskStarted',
          'TaskSucceeded',
          'TaskStateExited',
          'ChoiceStateEntered',
          'WaitStateEntered',
          'SucceedStateEntered',
        ]),
      );
      const scheduled = history.events.find((event) => event.type === 'TaskScheduled');
      expect(scheduled?.taskScheduledEventDetails).toMatchObject({
        resourceType: 'lambda',
        resource: 'invoke',
      });
      expect(
        JSON.parse(
          (scheduled?.taskScheduledEventDetails as { parameters?: string } | undefined)?.parameters ?? '{}',
        ),
      ).toMatchObject({
        FunctionName:
          'arn:aws:lambda:us-east-1:000000000000:function:elasticache-provisioner-local-validateRequest',
        Payload: requestFor('cli-started'),
      });
      expect(firstPage.executions).toHaveLength(1);
      expect(secondPage.executions).toHaveLength(1);
      expect(secondPage.executions[0]).not.toEqual(firstPage.executions[0]);
    },
    CLIENTS_TIMEOUT_MS,
  );

  it(
    'runs `npm run provision` and `npm run teardown` on it: their executions are its executions',
    async () => {
      // Act
      const provision = npmRun('provision', ['events/cluster-mode-disabled-rbac.json'], {
        AWS_ENDPOINT_URL: endpoint,
      });
      const provisioned = await provision.exited;
      expect(provisioned, `${provision.stdout}\n${provision.stderr}`).toEqual({ code: 0, signal: null });
      const result = JSON.parse(provision.stdout) as {
        Local: { Endpoint: string; CaCertificate?: string };
        Users: { UserId: string; PasswordSecretArn?: string }[];
      };
      const secretArn = result.Users.find((user) => user.PasswordSecretArn)?.PasswordSecretArn ?? '';
      const secret = await awsJson<{ SecretString: string }>(endpoint, [
        'secretsmanager',
        'get-secret-value',
        '--secret-id',
        secretArn,
      ]);
      const provisionRuns = await awsJson<{ executions: { executionArn: string; name: string }[] }>(
        endpoint,
        ['stepfunctions', 'list-executions', '--state-machine-arn', PROVISION],
      );
      const provisionRun = provisionRuns.executions.find((execution) =>
        execution.name.startsWith('provision-'),
      );
      const history = await aws(endpoint, [
        'stepfunctions',
        'get-execution-history',
        '--execution-arn',
        provisionRun?.executionArn ?? '',
      ]);
      const teardown = npmRun('teardown', [
        'redis202104',
        '--user-group=mygroup',
        '--user=mygroup-app',
        '--user=mygroup-reporting',
        `--endpoint=${endpoint}`,
      ]);
      const tornDown = await teardown.exited;
      const teardownRuns = await awsJson<{ executions: { status: string }[] }>(endpoint, [
        'stepfunctions',
        'list-executions',
        '--state-machine-arn',
        TEARDOWN,
      ]);

      // Assess
      expect(provision.stderr).toContain(`Local AWS at ${endpoint} (npm run local)`);
      expect(result.Local).toEqual({ Endpoint: endpoint, CaCertificate: expect.stringMatching(/ca\.pem$/) });
      const password = (JSON.parse(secret.SecretString) as { password: string }).password;
      expect(password.length).toBeGreaterThanOrEqual(16);
      expect(history.stdout).toContain('mygroup-app');
      expect(history.stdout.includes(password), 'a password is in the execution history').toBe(false);
      expect(provision.stdout.includes(password) || provision.stderr.includes(password)).toBe(false);
      expect(tornDown, teardown.stderr).toEqual({ code: 0, signal: null });
      expect(
        teardownRuns.executions.map((execution) => execution.status),
        teardown.stderr,
      ).toEqual(['SUCCEEDED']);
    },
    CLIENTS_TIMEOUT_MS,
  );

  it('stops the whole process tree on SIGTERM: no redis-server, no temporary directory left', async () => {
    // Prepare
    const tree = processTree(local.child.pid ?? 0);
    const nodes = tree.filter((entry) => entry.command === 'redis-server');
    // Each node runs in its own directory inside its group's.
    const directories = [
      ...new Set(nodes.map((node) => path.dirname(readlinkSync(`/proc/${node.pid}/cwd`)))),
    ];

    // Act
    local.child.kill('SIGTERM');
    const exit = await local.exited;

    // Assess
    expect(nodes.length).toBeGreaterThanOrEqual(4);
    expect(directories.every((dir) => path.basename(dir).startsWith('redis-'))).toBe(true);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await leftovers(tree, directories)).toEqual({ processes: [], directories: [] });
  });
});
