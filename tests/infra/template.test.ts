import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefinition, taskFunctions } from '../../local/workflow/definition';
import { MAX_SECONDS_CHECKING_PER_INVOCATION } from '../../shared/polling';
import { validateAsl } from './support/aslValidator';
import { sdkActionsOf } from './support/bundle';
import { resourceProblems, specDatabase } from './support/cfnSpec';
import {
  actionsOf,
  type CfnResource,
  type PackageOutput,
  packageService,
  ROOT,
  resourcesOf,
  resourcesOfType,
  type Statement,
  statementsOf,
} from './support/package';
import { readZip } from './support/zip';

const run = promisify(execFile);
const STAGE = 'infratest';
/** serverless.yml's `passwordSecretPrefix` parameter when none is given. */
const DEFAULT_PASSWORD_SECRET_PREFIX = 'elasticache-provisioner/';
/** A secret's ARN up to its name, as the template writes it for Fn::Sub. */
const SECRET_ARN_START = `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:`;

/**
 * What each function's role may do besides writing its own logs. Every action is either a call the
 * function's code sends (checked against its bundle below) or one of IMPLIED_ACTIONS.
 */
const FUNCTION_ACTIONS: Record<string, string[]> = {
  validateRequest: ['elasticache:DescribeCacheEngineVersions'],
  ensureUsers: [
    'elasticache:AddTagsToResource',
    'elasticache:CreateUser',
    'elasticache:DescribeUsers',
    'elasticache:ModifyUser',
    'secretsmanager:CreateSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:TagResource',
  ],
  ensureGroup: [
    'elasticache:AddTagsToResource',
    'elasticache:CreateUserGroup',
    'elasticache:DescribeUserGroups',
    'elasticache:ModifyUserGroup',
  ],
  createReplicationGroup: [
    'elasticache:AddTagsToResource',
    'elasticache:CreateReplicationGroup',
    'elasticache:DescribeEvents',
    'elasticache:DescribeReplicationGroups',
    'iam:CreateServiceLinkedRole',
  ],
  waitAvailable: ['elasticache:DescribeEvents', 'elasticache:DescribeReplicationGroups'],
};

/** Permissions a call needs beyond its own name. */
const IMPLIED_ACTIONS = new Set([
  // CreateUser, CreateUserGroup and CreateReplicationGroup are sent with Tags.
  'elasticache:AddTagsToResource',
  // CreateSecret is sent with Tags.
  'secretsmanager:TagResource',
  // The first ElastiCache resource of an account creates ElastiCache's service-linked role.
  'iam:CreateServiceLinkedRole',
]);

/** Calls with no resource-level permissions in IAM, so only "*" can name their resource. */
const RESOURCELESS_READS = new Set(['elasticache:DescribeCacheEngineVersions', 'elasticache:DescribeEvents']);

/** What Step Functions needs to deliver its logs; its documentation gives these Resource "*". */
const STATE_MACHINE_DELIVERY_ACTIONS = new Set([
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

const MUTATING =
  /^[a-z0-9-]+:(Create|Modify|Delete|Put|Update|Add|Remove|Tag|Untag|Attach|Detach|Reset|Reboot|Start|Stop|Copy|Batch|Rotate|Restore|Failover|Authorize|Revoke|Apply|Increase|Decrease|Test|Pass|Invoke|Set)/;

const logicalId = (fn: string) => `${fn.charAt(0).toUpperCase()}${fn.slice(1)}`;

let packaged: PackageOutput;
let resources: Record<string, CfnResource>;

function resource(id: string): CfnResource {
  const found = resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
}

function functionRole(fn: string): CfnResource {
  const role = resource(`${logicalId(fn)}LambdaFunction`).Properties?.Role as {
    'Fn::GetAtt': [string, string];
  };
  return resource(role['Fn::GetAtt'][0]);
}

function stateMachine(): CfnResource {
  return resource('ProvisionStateMachine');
}

describe('the packaged service (serverless package, offline)', () => {
  beforeAll(async () => {
    packaged = await packageService(STAGE);
    resources = packaged.template.Resources;
  }, 180_000);

  afterAll(() => {
    if (packaged) rmSync(packaged.directory, { recursive: true, force: true });
  });

  it('declares the five functions on nodejs22.x arm64, each with its handler', () => {
    // Assess
    const functions = resourcesOfType(packaged.template, 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(
      Object.keys(FUNCTION_ACTIONS)
        .map((fn) => `${logicalId(fn)}LambdaFunction`)
        .sort(),
    );
    for (const fn of Object.keys(FUNCTION_ACTIONS)) {
      expect(resource(`${logicalId(fn)}LambdaFunction`).Properties).toMatchObject({
        FunctionName: `elasticache-provisioner-${STAGE}-${fn}`,
        Handler: `functions/${fn}.handler`,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      });
    }
  });

  it('ships each function as one minified ES module bundle, AWS SDK included, that loads and exports its handler', async () => {
    // Prepare
    const unpacked = join(packaged.directory, 'unpacked');
    const loaded = Object.keys(FUNCTION_ACTIONS).map(async (fn) => {
      const entries = readZip(readFileSync(join(packaged.directory, `${fn}.zip`)));
      expect(entries.map((entry) => entry.name).sort()).toEqual([
        `functions/${fn}.mjs`,
        `functions/${fn}.mjs.map`,
      ]);
      const bundle = entries.find((entry) => entry.name.endsWith('.mjs'))?.data() ?? Buffer.alloc(0);
      const code = bundle.toString('utf8');
      // Nothing is left for the runtime to resolve: no import of a package, the SDK's client is inside.
      expect(code).not.toMatch(/\bfrom\s*["'](?!node:)[@a-z]/);
      expect(code).toContain('ElastiCacheClient');
      const file = join(unpacked, fn, `${fn}.mjs`);
      mkdirSync(join(unpacked, fn), { recursive: true });
      writeFileSync(file, bundle);

      // Act
      const { stdout } = await run(process.execPath, [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(typeof m.handler);`,
      ]);

      // Assess
      expect(stdout.trim()).toBe('function');
    });
    await Promise.all(loaded);
  });

  it('gives the state machine the ARNs of its functions, leaving nothing unresolved', () => {
    // Prepare
    const definitionString = stateMachine().Properties?.DefinitionString as {
      'Fn::Sub': [string, Record<string, unknown>];
    };
    const [body, variables] = definitionString['Fn::Sub'];

    // Assess: every ${...} is a variable of the Fn::Sub, and each is a function's ARN.
    const placeholders = [...body.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1] ?? '');
    expect(placeholders.length).toBeGreaterThan(0);
    for (const name of placeholders) expect(variables).toHaveProperty([name]);
    const functionIds = Object.values(variables).map((value) => {
      const getAtt = (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      expect(getAtt[1]).toBe('Arn');
      expect(resource(getAtt[0]).Type).toBe('AWS::Lambda::Function');
      return getAtt[0];
    });
    expect(new Set(functionIds)).toEqual(
      new Set(Object.keys(FUNCTION_ACTIONS).map((fn) => `${logicalId(fn)}LambdaFunction`)),
    );

    // Assess: with the ARNs in place it is still the definition in statemachines/, and valid.
    const resolved = JSON.parse(
      body.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        const id = (variables[name] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        return `arn:aws:lambda:eu-west-1:123456789012:function:${id}`;
      }),
    );
    const { isValid, errorsText } = validateAsl(resolved);
    expect(isValid, errorsText()).toBe(true);
    const source = loadDefinition();
    expect(Object.keys(resolved.States)).toEqual(Object.keys(source.States));
    for (const [task, fn] of Object.entries(taskFunctions(source))) {
      expect(resolved.States[task].Parameters.FunctionName).toBe(
        `arn:aws:lambda:eu-west-1:123456789012:function:${logicalId(fn)}LambdaFunction`,
      );
    }
  });

  it('lets the state machine invoke its own functions, and otherwise only deliver its logs', () => {
    // Prepare
    const role = resource('ProvisionStateMachineRole');
    const statements = statementsOf(role);

    // Assess
    for (const statement of statements) {
      const actions = actionsOf(statement);
      if (actions.includes('lambda:InvokeFunction')) {
        expect(actions).toEqual(['lambda:InvokeFunction']);
        for (const target of resourcesOf(statement)) {
          const text = JSON.stringify(target);
          expect(
            Object.keys(FUNCTION_ACTIONS).some((fn) => text.includes(`"${logicalId(fn)}LambdaFunction"`)),
          ).toBe(true);
        }
      } else {
        for (const action of actions) expect(STATE_MACHINE_DELIVERY_ACTIONS).toContain(action);
      }
    }
    expect(statements.flatMap(actionsOf)).toContain('lambda:InvokeFunction');
  });

  it('logs state machine errors without execution data, to a log group of its own', () => {
    // Assess
    expect(stateMachine().Properties?.LoggingConfiguration).toEqual({
      Level: 'ERROR',
      IncludeExecutionData: false,
      Destinations: [
        {
          CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['ProvisionStateMachineLogGroup', 'Arn'] } },
        },
      ],
    });
    expect(resource('ProvisionStateMachineLogGroup').Properties).toMatchObject({
      LogGroupName: `/aws/vendedlogs/states/elasticache-provisioner-${STAGE}-provision`,
      RetentionInDays: expect.any(Number),
    });
  });

  it('starts an execution for every "ElastiCache Provisioning Requested" event, and may do nothing else', () => {
    // Prepare
    const rules = resourcesOfType(packaged.template, 'AWS::Events::Rule');

    // Assess
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, CfnResource];
    expect(rule.Properties?.EventPattern).toEqual({
      source: ['custom.elasticache-provisioner'],
      'detail-type': ['ElastiCache Provisioning Requested'],
    });
    const targets = rule.Properties?.Targets as {
      Arn: unknown;
      RoleArn: { 'Fn::GetAtt': [string, string] };
    }[];
    expect(targets).toHaveLength(1);
    expect(targets[0]?.Arn).toEqual({ Ref: 'ProvisionStateMachine' });
    const role = resource(targets[0]?.RoleArn['Fn::GetAtt'][0] ?? '');
    expect(statementsOf(role)).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: { Ref: 'ProvisionStateMachine' } },
    ]);
  });

  it('gives every function a role of its own that only Lambda can assume', () => {
    // Assess
    const roles = Object.keys(FUNCTION_ACTIONS).map(functionRole);
    expect(new Set(roles).size).toBe(roles.length);
    for (const role of roles) {
      expect(role.Properties?.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      });
    }
  });

  it.each(Object.keys(FUNCTION_ACTIONS))(
    'grants %s exactly the calls its code makes, and writing its own log group',
    async (fn) => {
      // Prepare
      const statements = statementsOf(functionRole(fn));
      const logs = statements.filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('logs:')),
      );
      const granted = statements
        .filter((statement) => !logs.includes(statement))
        .flatMap(actionsOf)
        .sort();

      // Act
      const sent = await sdkActionsOf(join(ROOT, `functions/${fn}.ts`), packaged.service.custom.esbuild);

      // Assess
      expect([...new Set(granted)]).toEqual(FUNCTION_ACTIONS[fn]);
      expect(FUNCTION_ACTIONS[fn]?.filter((action) => !IMPLIED_ACTIONS.has(action))).toEqual(sent);
      expect(logs).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: {
            'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/elasticache-provisioner-${STAGE}-${fn}:*`,
          },
        },
      ]);
    },
    60_000,
  );

  it('allows no wildcard action and nothing that changes anything on every resource', () => {
    // Prepare
    const roles = resourcesOfType(packaged.template, 'AWS::IAM::Role');
    // The functions', the state machine's and the EventBridge rule's.
    expect(roles.length).toBe(Object.keys(FUNCTION_ACTIONS).length + 2);

    // Assess
    for (const [id, role] of roles) {
      for (const statement of statementsOf(role)) {
        expect(statement.Effect).toBe('Allow');
        for (const action of actionsOf(statement)) expect(action, `${id}: ${action}`).not.toContain('*');
        if (!resourcesOf(statement).includes('*')) continue;
        for (const action of actionsOf(statement)) {
          const allowed =
            RESOURCELESS_READS.has(action) ||
            (id === 'ProvisionStateMachineRole' && STATE_MACHINE_DELIVERY_ACTIONS.has(action));
          expect(allowed, `${id}: ${action} on "*"`).toBe(true);
          if (id !== 'ProvisionStateMachineRole') expect(action).not.toMatch(MUTATING);
        }
      }
    }
  });

  it("scopes ElastiCache and Secrets Manager permissions to this account's and region's resources", () => {
    // Prepare
    const statements: Statement[] = Object.keys(FUNCTION_ACTIONS).flatMap((fn) =>
      statementsOf(functionRole(fn)),
    );

    // Assess
    for (const statement of statements) {
      for (const target of resourcesOf(statement)) {
        if (target === '*') continue;
        const text = JSON.stringify(target);
        const service = actionsOf(statement)[0]?.split(':')[0];
        if (service === 'elasticache') {
          expect(text).toMatch(
            /^\{"Fn::Sub":"arn:\$\{AWS::Partition\}:elasticache:\$\{AWS::Region\}:\$\{AWS::AccountId\}:(user|usergroup|replicationgroup|cluster|parametergroup|subnetgroup|securitygroup):\*"\}$/,
          );
        }
        if (service === 'secretsmanager') {
          expect([
            { 'Fn::Sub': `${SECRET_ARN_START}elasticache-provisioner/*` },
            { 'Fn::Sub': [`${SECRET_ARN_START}\${Prefix}*`, { Prefix: DEFAULT_PASSWORD_SECRET_PREFIX }] },
          ]).toContainEqual(target);
        }
      }
    }
  });

  it("gives every Task a timeout above its function's, and waitAvailable room for its checks", () => {
    // Prepare
    const definition = loadDefinition();

    // Assess
    for (const [task, fn] of Object.entries(taskFunctions(definition))) {
      const lambdaTimeout = resource(`${logicalId(fn)}LambdaFunction`).Properties?.Timeout as number;
      expect(definition.States[task]?.TimeoutSeconds, task).toBeGreaterThan(lambdaTimeout);
    }
    expect(resource('WaitAvailableLambdaFunction').Properties?.Timeout).toBeGreaterThan(
      MAX_SECONDS_CHECKING_PER_INVOCATION,
    );
  });

  it('checks out against the CloudFormation resource specification', async () => {
    // Prepare
    const db = await specDatabase();

    // Act
    const problems = Object.entries(resources).flatMap(([id, entry]) => resourceProblems(db, id, entry));

    // Assess
    expect(problems).toEqual([]);
    for (const [id, entry] of Object.entries(resources)) {
      for (const dependency of [entry.DependsOn ?? []].flat())
        expect(resources, `${id} depends on`).toHaveProperty([dependency]);
    }
  });
});
