import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LOCAL_EVENT_RULES, LOCAL_STATE_MACHINE_ARNS } from '../../local/environment';
import { DEFINITION_PATHS, loadDefinition, taskFunctions } from '../../local/workflow/definition';
import { MAX_SECONDS_CHECKING_PER_INVOCATION } from '../../shared/provision/polling';
import { cloudFormationTags } from '../entrances/support/cloudFormationYaml';
import { validateAsl } from './support/aslValidator';
import { sdkActionsOf } from './support/bundle';
import { resourceProblems, specDatabase } from './support/cfnSpec';
import {
  actionsOf,
  type CfnResource,
  type InlinePolicy,
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
/** An ARN of this account and region as the template writes it: `{"Fn::Sub": "arn:${AWS::Partition}:..."}`. */
const accountArn = (service: string, resource: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});

/**
 * What each function's role may do besides writing its own logs. Every action is either a call the
 * function's code sends (checked against its bundle below) or one of IMPLIED_ACTIONS.
 */
const FUNCTION_ACTIONS: Record<string, string[]> = {
  validateRequest: [
    'elasticache:DescribeCacheEngineVersions',
    'elasticache:DescribeReplicationGroups',
    'elasticache:DescribeUserGroups',
  ],
  planChange: [
    'elasticache:AddTagsToResource',
    'elasticache:DescribeCacheClusters',
    'elasticache:DescribeReplicationGroups',
    'elasticache:DescribeUserGroups',
    'elasticache:DescribeUsers',
    'elasticache:ListTagsForResource',
  ],
  applyChange: [
    'elasticache:AddTagsToResource',
    'elasticache:DecreaseReplicaCount',
    'elasticache:DeleteUser',
    'elasticache:DeleteUserGroup',
    'elasticache:DescribeCacheClusters',
    'elasticache:DescribeEvents',
    'elasticache:DescribeReplicationGroups',
    'elasticache:DescribeUserGroups',
    'elasticache:DescribeUsers',
    'elasticache:IncreaseReplicaCount',
    'elasticache:ListTagsForResource',
    'elasticache:ModifyReplicationGroup',
    'elasticache:ModifyReplicationGroupShardConfiguration',
    'elasticache:ModifyUser',
    'elasticache:ModifyUserGroup',
    'elasticache:RemoveTagsFromResource',
  ],
  deleteUserSecrets: ['secretsmanager:DeleteSecret', 'secretsmanager:DescribeSecret'],
  ensureUsers: [
    'elasticache:AddTagsToResource',
    'elasticache:CreateUser',
    'elasticache:DescribeUsers',
    'elasticache:ModifyUser',
    'lambda:InvokeFunction',
    'secretsmanager:CancelRotateSecret',
    'secretsmanager:CreateSecret',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:RotateSecret',
    'secretsmanager:TagResource',
  ],
  ensureGroup: [
    'elasticache:AddTagsToResource',
    'elasticache:CreateUserGroup',
    'elasticache:DescribeUserGroups',
    'elasticache:ModifyUserGroup',
  ],
  createReplicationGroup: [
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVpcs',
    'elasticache:AddTagsToResource',
    'elasticache:CreateReplicationGroup',
    'elasticache:DescribeEvents',
    'elasticache:DescribeReplicationGroups',
    'iam:CreateServiceLinkedRole',
    's3:GetObject',
  ],
  waitAvailable: ['elasticache:DescribeEvents', 'elasticache:DescribeReplicationGroups'],
  validateTeardownRequest: [],
  deleteReplicationGroup: [
    'elasticache:CreateSnapshot',
    'elasticache:DeleteReplicationGroup',
    'elasticache:DescribeReplicationGroups',
    'elasticache:ListTagsForResource',
  ],
  deleteUserGroups: [
    'elasticache:DeleteUserGroup',
    'elasticache:DescribeUserGroups',
    'elasticache:ListTagsForResource',
  ],
  deleteUsers: [
    'elasticache:DeleteUser',
    'elasticache:DescribeUsers',
    'elasticache:ListTagsForResource',
    'secretsmanager:DeleteSecret',
    'secretsmanager:DescribeSecret',
  ],
  rotatePassword: [
    'ec2:AssignPrivateIpAddresses',
    'ec2:CreateNetworkInterface',
    'ec2:DeleteNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:UnassignPrivateIpAddresses',
    'elasticache:DescribeReplicationGroups',
    'elasticache:DescribeUsers',
    'elasticache:ModifyUser',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:UpdateSecretVersionStage',
  ],
  notifyResult: ['events:PutEvents', 'secretsmanager:DeleteSecret', 'secretsmanager:GetSecretValue'],
  answerDeadline: [
    'events:PutEvents',
    'secretsmanager:DeleteSecret',
    'secretsmanager:GetSecretValue',
    'states:DescribeExecution',
    'states:StopExecution',
  ],
  customResource: [
    'cloudformation:DescribeStacks',
    'secretsmanager:CreateSecret',
    'secretsmanager:DeleteSecret',
    'secretsmanager:PutSecretValue',
    'states:StartExecution',
  ],
};

/** The SDK clients each function's bundle must hold (and the only ones, of the four the code builds). */
const FUNCTION_CLIENTS: Record<string, string[]> = {
  validateTeardownRequest: [],
  notifyResult: ['EventBridgeClient', 'SecretsManagerClient'],
  answerDeadline: ['EventBridgeClient', 'SecretsManagerClient', 'SFNClient'],
  deleteUserSecrets: ['SecretsManagerClient'],
  customResource: ['CloudFormationClient', 'SecretsManagerClient', 'SFNClient'],
};
const SDK_CLIENTS = ['CloudFormationClient', 'ElastiCacheClient', 'EventBridgeClient', 'SFNClient'];

/** The state machines and their definitions, by logical id. */
const STATE_MACHINES = {
  ProvisionStateMachine: { file: DEFINITION_PATHS.provision, name: 'provision' },
  TeardownStateMachine: { file: DEFINITION_PATHS.teardown, name: 'teardown' },
  DeadlineStateMachine: { file: DEFINITION_PATHS.deadline, name: 'deadline' },
} as const;
type StateMachineId = keyof typeof STATE_MACHINES;
const STATE_MACHINE_IDS = Object.keys(STATE_MACHINES) as StateMachineId[];

/** Permissions a call needs beyond its own name. */
const IMPLIED_ACTIONS = new Set([
  // CreateUser, CreateUserGroup and CreateReplicationGroup are sent with Tags.
  'elasticache:AddTagsToResource',
  // CreateSecret is sent with Tags.
  'secretsmanager:TagResource',
  // The first ElastiCache resource of an account creates ElastiCache's service-linked role.
  'iam:CreateServiceLinkedRole',
  // DeleteReplicationGroup with FinalSnapshotIdentifier takes a snapshot.
  'elasticache:CreateSnapshot',
  // RotateSecret hands Secrets Manager the rotation function, which the caller must be able to invoke.
  'lambda:InvokeFunction',
  // Lambda attaches a function to a VPC (rotationSubnetIds) with the function's own role.
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ec2:DescribeNetworkInterfaces',
  // CreateReplicationGroup reads the subnet group's VPC through EC2 with the caller's permissions.
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
  // CreateReplicationGroup with SnapshotArns reads each RDB file with the caller's permissions.
  's3:GetObject',
]);

/** Calls with no resource-level permissions in IAM, so only "*" can name their resource. */
const RESOURCELESS_READS = new Set([
  'elasticache:DescribeCacheEngineVersions',
  'elasticache:DescribeEvents',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
]);

/** X-Ray writes (tracing is on everywhere); X-Ray has no resource-level permissions, so only "*". */
const TRACE_WRITE_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
]);
const isTelemetry = (statement: Statement) =>
  actionsOf(statement).some((action) => action.startsWith('logs:') || TRACE_WRITE_ACTIONS.has(action));

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

function definitionOf(id: StateMachineId) {
  return loadDefinition(STATE_MACHINES[id].file);
}

/** Function logical ids (`FooLambdaFunction`) the definition of a state machine invokes. */
function functionIdsOf(id: StateMachineId): Set<string> {
  return new Set(
    Object.values(taskFunctions(definitionOf(id))).map((fn) => `${logicalId(fn)}LambdaFunction`),
  );
}

describe('the packaged service (serverless package, offline)', () => {
  beforeAll(async () => {
    packaged = await packageService(STAGE);
    resources = packaged.template.Resources;
  }, 300_000);

  afterAll(() => {
    if (packaged) rmSync(packaged.directory, { recursive: true, force: true });
  });

  it('declares every function on nodejs22.x arm64, each with its handler', () => {
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
      });
      // A source map loaded at start would add a quarter to every cold start.
      const environment = resource(`${logicalId(fn)}LambdaFunction`).Properties?.Environment as
        | { Variables?: Record<string, string> }
        | undefined;
      expect(environment?.Variables?.NODE_OPTIONS).toBeUndefined();
    }
  });

  it('ships each function as one minified ES module bundle, AWS SDK included, that loads and exports its handler', async () => {
    // Prepare
    const unpacked = join(packaged.directory, 'unpacked');
    const loaded = Object.keys(FUNCTION_ACTIONS).map(async (fn) => {
      const entries = readZip(readFileSync(join(packaged.directory, `${fn}.zip`)));
      expect(entries.map((entry) => entry.name)).toEqual([`functions/${fn}.mjs`]);
      const bundle = entries.find((entry) => entry.name.endsWith('.mjs'))?.data() ?? Buffer.alloc(0);
      const code = bundle.toString('utf8');
      // Nothing is left for the runtime to resolve: no import of a package, the SDK's client is inside.
      expect(code).not.toMatch(/\bfrom\s*["'](?!node:)[@a-z]/);
      const clients = FUNCTION_CLIENTS[fn] ?? ['ElastiCacheClient'];
      if (clients.length > 0) {
        // The SDK's credential chain is replaced by the environment-only provider (esbuild alias).
        expect(code).toContain('this bundle only runs in AWS Lambda');
        expect(code).not.toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
      }
      for (const client of SDK_CLIENTS) {
        if (clients.includes(client)) expect(code, `${fn} bundles ${client}`).toContain(client);
        // Clients the function never uses are left out of its bundle.
        else if (!['ElastiCacheClient'].includes(client))
          expect(code, `${fn} without ${client}`).not.toContain(client);
      }
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

  it.each(STATE_MACHINE_IDS)('gives %s the ARNs of its functions, leaving nothing unresolved', (id) => {
    // Prepare
    const definitionString = resource(id).Properties?.DefinitionString as {
      'Fn::Sub': [string, Record<string, unknown>];
    };
    const [body, variables] = definitionString['Fn::Sub'];

    // Assess: every ${...} is the deployment's partition or a variable of the Fn::Sub, each a function's ARN.
    const all = [...body.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1] ?? '');
    const placeholders = all.filter((name) => name !== 'AWS::Partition');
    expect(placeholders.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThan(placeholders.length);
    for (const name of placeholders) expect(variables).toHaveProperty([name]);
    const functionIds = Object.values(variables).map((value) => {
      const getAtt = (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      expect(getAtt[1]).toBe('Arn');
      expect(resource(getAtt[0]).Type).toBe('AWS::Lambda::Function');
      return getAtt[0];
    });
    expect(new Set(functionIds)).toEqual(functionIdsOf(id));

    // Assess: with the ARNs in place it is still the definition in statemachines/, and valid.
    const resolved = JSON.parse(
      body.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name === 'AWS::Partition') return 'aws';
        const id = (variables[name] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        return `arn:aws:lambda:eu-west-1:123456789012:function:${id}`;
      }),
    );
    const { isValid, errorsText } = validateAsl(resolved);
    expect(isValid, errorsText()).toBe(true);
    const source = definitionOf(id);
    expect(Object.keys(resolved.States)).toEqual(Object.keys(source.States));
    for (const [task, fn] of Object.entries(taskFunctions(source))) {
      expect(resolved.States[task].Parameters.FunctionName).toBe(
        `arn:aws:lambda:eu-west-1:123456789012:function:${logicalId(fn)}LambdaFunction`,
      );
    }
  });

  it.each(STATE_MACHINE_IDS)(
    'lets %s invoke its own functions, and otherwise only deliver its logs',
    (id) => {
      // Prepare
      const role = resource(`${id}Role`);
      const statements = statementsOf(role);
      const own = functionIdsOf(id);

      // Assess
      for (const statement of statements) {
        const actions = actionsOf(statement);
        if (actions.includes('lambda:InvokeFunction')) {
          expect(actions).toEqual(['lambda:InvokeFunction']);
          for (const target of resourcesOf(statement)) {
            const text = JSON.stringify(target);
            expect(
              [...own].some((fnId) => text.includes(`"${fnId}"`)),
              text,
            ).toBe(true);
          }
        } else {
          for (const action of actions)
            expect(
              STATE_MACHINE_DELIVERY_ACTIONS.has(action) || TRACE_WRITE_ACTIONS.has(action),
              action,
            ).toBe(true);
        }
      }
      expect(statements.flatMap(actionsOf)).toContain('lambda:InvokeFunction');
      expect(statements.flatMap(actionsOf)).toEqual(
        expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']),
      );
    },
  );

  it.each(STATE_MACHINE_IDS)('logs %s errors without execution data, to a log group of its own', (id) => {
    // Assess
    expect(resource(id).Properties?.LoggingConfiguration).toEqual({
      Level: 'ERROR',
      IncludeExecutionData: false,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [`${id}LogGroup`, 'Arn'] } } }],
    });
    expect(resource(`${id}LogGroup`).Properties).toMatchObject({
      LogGroupName: `/aws/vendedlogs/states/elasticache-provisioner-${STAGE}-${STATE_MACHINES[id].name}`,
      RetentionInDays: expect.any(Number),
    });
  });

  it.each([
    ['ProvisionStateMachine', 'ElastiCache Provisioning Requested'],
    ['TeardownStateMachine', 'ElastiCache Teardown Requested'],
  ] as const)(
    'starts %s for every "%s" event on the default bus, with a role that may start it and nothing else',
    (id, detailType) => {
      // Prepare
      const rules = resourcesOfType(packaged.template, 'AWS::Events::Rule').filter(([, rule]) =>
        JSON.stringify(rule.Properties?.Targets).includes(`{"Ref":"${id}"}`),
      );

      // Assess
      expect(rules).toHaveLength(1);
      const [, rule] = rules[0] as [string, CfnResource];
      expect(rule.Properties).toMatchObject({
        EventBusName: 'default',
        State: 'ENABLED',
        EventPattern: { source: ['custom.elasticache-provisioner'], 'detail-type': [detailType] },
      });
      const targets = rule.Properties?.Targets as {
        Arn: unknown;
        RoleArn: { 'Fn::GetAtt': [string, string] };
        Input?: unknown;
        InputPath?: unknown;
      }[];
      expect(targets).toHaveLength(1);
      // The whole event is the execution input: the workflow reads `detail`, and `id` as CorrelationId.
      expect(targets[0]).toMatchObject({ Arn: { Ref: id } });
      expect(targets[0]?.Input).toBeUndefined();
      expect(targets[0]?.InputPath).toBeUndefined();
      const role = resource(targets[0]?.RoleArn['Fn::GetAtt'][0] ?? '');
      expect(role.Properties?.AssumeRolePolicyDocument).toMatchObject({
        Statement: [expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' } })],
      });
      expect(statementsOf(role)).toEqual([
        { Effect: 'Allow', Action: ['states:StartExecution'], Resource: { Ref: id } },
      ]);
    },
  );

  it('matches the rules of the local EventBridge, so local runs start what the deployment starts', () => {
    // Prepare
    const deployed = resourcesOfType(packaged.template, 'AWS::Events::Rule').map(([name, rule]) => {
      const pattern = rule.Properties?.EventPattern as { source: string[]; 'detail-type': string[] };
      const targets = (rule.Properties?.Targets ?? []) as { Arn: { Ref: StateMachineId } }[];
      return {
        name,
        eventBusName: rule.Properties?.EventBusName,
        source: pattern.source,
        detailType: pattern['detail-type'],
        stateMachine: targets[0]?.Arn.Ref,
      };
    });

    // Assess
    const local = LOCAL_EVENT_RULES.map(({ stateMachineArn, ...rule }) => ({
      ...rule,
      stateMachine:
        stateMachineArn === LOCAL_STATE_MACHINE_ARNS.provision
          ? 'ProvisionStateMachine'
          : 'TeardownStateMachine',
    }));
    expect(deployed).toEqual(expect.arrayContaining(local));
    expect(deployed).toHaveLength(local.length);
  });

  it('lets the custom-resource bridge start only the two workflows and their deadline, keep response URLs, and read only what it must', () => {
    // Prepare
    const statements = statementsOf(functionRole('customResource')).filter(
      (statement) => !isTelemetry(statement),
    );
    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: [
          { Ref: 'ProvisionStateMachine' },
          { Ref: 'TeardownStateMachine' },
          { Ref: 'DeadlineStateMachine' },
        ],
      },
      {
        Effect: 'Allow',
        Action: [
          'secretsmanager:CreateSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:DeleteSecret',
        ],
        Resource: accountArn('secretsmanager', 'secret:elasticache-provisioner-response-url/*'),
      },
      {
        Effect: 'Allow',
        Action: 'cloudformation:DescribeStacks',
        Resource: accountArn('cloudformation', 'stack/*/*'),
      },
    ]);
    // The state machines it starts are told apart by their ARNs.
    expect(resource('CustomResourceLambdaFunction').Properties).toMatchObject({
      Environment: {
        Variables: {
          PROVISION_STATE_MACHINE_ARN: { Ref: 'ProvisionStateMachine' },
          TEARDOWN_STATE_MACHINE_ARN: { Ref: 'TeardownStateMachine' },
          DEADLINE_STATE_MACHINE_ARN: { Ref: 'DeadlineStateMachine' },
        },
      },
    });
  });

  it('lets notifyResult publish only to the result bus, from the source serverless.yml sets', () => {
    // Assess
    expect(resource('NotifyResultLambdaFunction').Properties).toMatchObject({
      Environment: {
        Variables: { RESULT_EVENT_SOURCE: 'elasticache-provisioner', RESULT_EVENT_BUS: 'default' },
      },
    });
    expect(
      statementsOf(functionRole('notifyResult')).filter((s) => actionsOf(s).includes('events:PutEvents')),
    ).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: accountArn('events', 'event-bus/default'),
      },
    ]);
  });

  it('lets createReplicationGroup read RDB files only from the bucket restoreSnapshotBucket names, and only when it names one', () => {
    // Prepare: ElastiCache reads each SnapshotArns file with the caller's s3:GetObject (ElastiCache API
    // permissions reference, CreateReplicationGroup / CreateCacheCluster with SnapshotArns).
    const policies = functionRole('createReplicationGroup').Properties?.Policies as InlinePolicy[];
    const conditional = policies.find((policy) => 'Fn::If' in policy);

    // Assess
    expect(packaged.template.Conditions?.RestoresFromS3).toEqual({
      'Fn::Not': [{ 'Fn::Equals': ['none', 'none'] }],
    });
    expect(conditional).toEqual({
      'Fn::If': [
        'RestoresFromS3',
        {
          PolicyName: 'restore-from-s3',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::none/*` },
              },
            ],
          },
        },
        { Ref: 'AWS::NoValue' },
      ],
    });
    expect(policies.filter((policy) => 'Fn::If' in policy)).toHaveLength(1);
    expect(resource('ValidateRequestLambdaFunction').Properties).toMatchObject({
      Environment: { Variables: { RESTORE_SNAPSHOT_BUCKET: 'none' } },
    });
  });

  it('exports the bridge ARN under the name the Service Catalog product imports', () => {
    // Prepare
    const product = parse(
      readFileSync(fileURLToPath(new URL('../../servicecatalog/product.yml', import.meta.url)), 'utf8'),
      { customTags: cloudFormationTags },
    ) as { Resources: { ReplicationGroup: { Properties: { ServiceToken: unknown } } } };
    const imported = product.Resources.ReplicationGroup.Properties.ServiceToken as {
      'Fn::ImportValue': { 'Fn::Sub': string };
    };

    // Act: the product launched against this stage.
    const name = imported['Fn::ImportValue']['Fn::Sub'].replace(/\$\{ProvisionerStage\}/, STAGE);

    // Assess
    expect(packaged.template.Outputs?.CustomResourceFunctionArn).toEqual({
      Description: expect.any(String),
      Value: { 'Fn::GetAtt': ['CustomResourceLambdaFunction', 'Arn'] },
      Export: { Name: name },
    });
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
    'grants %s exactly the calls its code makes, writing its own log group and its traces',
    async (fn) => {
      // Prepare
      const statements = statementsOf(functionRole(fn));
      const logs = statements.filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('logs:')),
      );
      const traces = statements.filter((statement) =>
        actionsOf(statement).some((action) => TRACE_WRITE_ACTIONS.has(action)),
      );
      const granted = statements
        .filter((statement) => !isTelemetry(statement))
        .flatMap(actionsOf)
        .sort();

      // Act
      const sent = await sdkActionsOf(join(ROOT, `functions/${fn}.ts`), packaged.service.custom.esbuild);

      // Assess
      expect([...new Set(granted)]).toEqual(FUNCTION_ACTIONS[fn]);
      // An implied action may also be called in its own right (ensureUsers tags older secrets, the
      // change mark is an AddTagsToResource).
      expect(
        FUNCTION_ACTIONS[fn]?.filter((action) => !IMPLIED_ACTIONS.has(action) || sent.includes(action)),
      ).toEqual(sent);
      expect(logs).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: {
            'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/elasticache-provisioner-${STAGE}-${fn}:*`,
          },
        },
      ]);
      expect(traces).toEqual([
        { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      ]);
    },
    60_000,
  );

  it('allows no wildcard action and nothing that changes anything on every resource', () => {
    // Prepare
    const roles = resourcesOfType(packaged.template, 'AWS::IAM::Role');
    // The functions', the three state machines' and the two EventBridge rules'.
    expect(roles.length).toBe(Object.keys(FUNCTION_ACTIONS).length + 5);

    // Assess
    for (const [id, role] of roles) {
      for (const statement of statementsOf(role)) {
        expect(statement.Effect).toBe('Allow');
        for (const action of actionsOf(statement)) expect(action, `${id}: ${action}`).not.toContain('*');
        if (!resourcesOf(statement).includes('*')) continue;
        for (const action of actionsOf(statement)) {
          const stateMachineRole = STATE_MACHINE_IDS.some((machine) => id === `${machine}Role`);
          const allowed =
            RESOURCELESS_READS.has(action) ||
            TRACE_WRITE_ACTIONS.has(action) ||
            (stateMachineRole && STATE_MACHINE_DELIVERY_ACTIONS.has(action));
          expect(allowed, `${id}: ${action} on "*"`).toBe(true);
          // Traces are the one write on "*": X-Ray has no resource to name.
          if (!stateMachineRole && !TRACE_WRITE_ACTIONS.has(action)) expect(action).not.toMatch(MUTATING);
        }
      }
    }
  });

  it("scopes every function's permissions to this account's and region's resources", () => {
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
            /^\{"Fn::Sub":"arn:\$\{AWS::Partition\}:elasticache:\$\{AWS::Region\}:\$\{AWS::AccountId\}:(user|usergroup|replicationgroup|cluster|parametergroup|subnetgroup|securitygroup|snapshot):\*"\}$/,
          );
        }
        if (service === 'secretsmanager') {
          expect([
            { 'Fn::Sub': `${SECRET_ARN_START}elasticache-provisioner/*` },
            // Response URLs: only the bridge and the notifying function reach them.
            { 'Fn::Sub': `${SECRET_ARN_START}elasticache-provisioner-response-url/*` },
            { 'Fn::Sub': [`${SECRET_ARN_START}\${Prefix}*`, { Prefix: DEFAULT_PASSWORD_SECRET_PREFIX }] },
          ]).toContainEqual(target);
        }
        if (service === 'states') {
          expect(text).toMatch(
            /^(\{"Ref":"(Provision|Teardown|Deadline)StateMachine"\}|\{"Fn::Sub":"arn:\$\{AWS::Partition\}:states:\$\{AWS::Region\}:\$\{AWS::AccountId\}:execution:elasticache-provisioner-infratest-(provision|teardown):\*"\})$/,
          );
        }
        if (service === 'events' || service === 'cloudformation') {
          expect(text).toMatch(
            /^\{"Fn::Sub":"arn:\$\{AWS::Partition\}:(events|cloudformation):\$\{AWS::Region\}:\$\{AWS::AccountId\}:/,
          );
        }
      }
    }
  });

  it("gives every Task a timeout above its function's, and waitAvailable room for its checks", () => {
    // Assess
    for (const id of STATE_MACHINE_IDS) {
      const definition = definitionOf(id);
      for (const [task, fn] of Object.entries(taskFunctions(definition))) {
        const lambdaTimeout = resource(`${logicalId(fn)}LambdaFunction`).Properties?.Timeout as number;
        expect(definition.States[task]?.TimeoutSeconds, `${id} ${task}`).toBeGreaterThan(lambdaTimeout);
      }
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
