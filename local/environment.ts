/**
 * A local AWS for the workflows: the ElastiCache + Secrets Manager stand-in, backed by real
 * `redis-server` processes when they are installed, with EventBridge, Step Functions and
 * CloudFormation answering too (the entrances' calls), and the standard endpoint settings that point
 * the real SDK clients at it. The handlers themselves have no local code path.
 *
 * Step Functions executions of the two deployed state machines run in this process: the real ASL on
 * the local runner, every Task on its real handler. EventBridge rules like the deployed ones start
 * them for "ElastiCache Provisioning Requested" and "ElastiCache Teardown Requested" events.
 */
import { readFileSync } from 'node:fs';
import type { StateMachineKind, WorkflowKind } from '../shared/workflow';
import { findRedisServer, redisServerNodeBackend, stopAllNodes } from './nodes';
import {
  type EventRule,
  type ExecutionRunner,
  type FaultPlan,
  type HttpRoute,
  type RotationFunction,
  type StandIn,
  type StandInDelays,
  startStandIn,
} from './standin';
import { simulatedNodeBackend } from './standin/nodeBackend';
import type { LambdaHandler, LocalWorkflowOptions } from './workflow';
import { DEFINITION_PATHS, loadDefinition } from './workflow/definition';
import { invokeAsLambda } from './workflow/lambda';

/** A local environment is what a deployment of this stage would be, in this region and account. */
export const LOCAL_STAGE = 'local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
/** serverless.yml names its resources `${service}-${stage}-...`. */
const PREFIX = `elasticache-provisioner-${LOCAL_STAGE}`;

/** The state machines of a local environment, by workflow: the names serverless.yml gives them for stage `local`. */
const localStateMachineArn = (kind: StateMachineKind) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${PREFIX}-${kind}`;

export const LOCAL_STATE_MACHINE_ARNS: Record<WorkflowKind, string> = {
  provision: localStateMachineArn('provision'),
  teardown: localStateMachineArn('teardown'),
};

/** The deadline the custom-resource bridge starts beside each workflow (DEADLINE_STATE_MACHINE_ARN). */
export const LOCAL_DEADLINE_STATE_MACHINE_ARN = localStateMachineArn('deadline');

/** The definition as Step Functions holds it once deployed: each `Fn::GetAtt [fn, Arn]` is the function's ARN. */
export function deployedDefinition(workflow: StateMachineKind): string {
  return JSON.stringify(loadDefinition(DEFINITION_PATHS[workflow]), (_key, value: unknown) => {
    const getAtt = (value as Record<string, unknown> | null)?.['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn') {
      return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${PREFIX}-${String(getAtt[0])}`;
    }
    return value;
  });
}

/** The rotation function ensureUsers schedules (ROTATION_FUNCTION_ARN) and Secrets Manager runs, in this process. */
export const LOCAL_ROTATION_FUNCTION_ARN = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${PREFIX}-rotatePassword`;

/** The rules serverless.yml deploys, with its default parameters (requestEventBus, requestEventSource, ...). */
export const LOCAL_EVENT_RULES: EventRule[] = [
  {
    name: 'ProvisionEventsRuleCloudWatchEvent1',
    eventBusName: 'default',
    source: ['custom.elasticache-provisioner'],
    detailType: ['ElastiCache Provisioning Requested'],
    stateMachineArn: LOCAL_STATE_MACHINE_ARNS.provision,
  },
  {
    name: 'TeardownEventsRuleCloudWatchEvent1',
    eventBusName: 'default',
    source: ['custom.elasticache-provisioner'],
    detailType: ['ElastiCache Teardown Requested'],
    stateMachineArn: LOCAL_STATE_MACHINE_ARNS.teardown,
  },
];

export interface LocalEnvironmentOptions {
  /** 'auto' (default): real nodes when redis-server is on the PATH, simulated otherwise. */
  nodes?: 'auto' | 'real' | 'simulated';
  faults?: FaultPlan;
  delays?: Partial<StandInDelays>;
  /**
   * Scales the handlers' sleeps (the in-invocation availability checks) and the wait of a
   * custom-resource request's deadline (an hour's ServiceTimeout is 34 s at 0.01); default 0.01.
   */
  timeScale?: number;
  /**
   * Wait states and retry backoffs of the executions started through Step Functions (StartExecution,
   * EventBridge rules); default 50 ms each, as `npm run provision` runs.
   */
  executions?: Pick<LocalWorkflowOptions, 'waitTimeOverrides' | 'retryIntervalOverrides'>;
  /** 0 (default): any free port. */
  port?: number;
  /** Plain HTTP routes on the endpoint's port (the web console); they read the environment once it runs. */
  routes?: (environment: () => LocalEnvironment) => HttpRoute[];
}

export interface LocalEnvironment {
  standIn: StandIn;
  nodeKind: 'redis-server' | 'simulated';
  endpoints: {
    elasticache: string;
    secretsmanager: string;
    eventbridge: string;
    sfn: string;
    cloudformation: string;
  };
  /** The local state machines (see LOCAL_STATE_MACHINE_ARNS and LOCAL_DEADLINE_STATE_MACHINE_ARN). */
  stateMachineArns: Record<StateMachineKind, string>;
  close(): Promise<void>;
}

export async function startLocalEnvironment(
  options: LocalEnvironmentOptions = {},
): Promise<LocalEnvironment> {
  const wanted = options.nodes ?? 'auto';
  const redisServer = wanted === 'simulated' ? undefined : findRedisServer();
  if (wanted === 'real' && !redisServer) {
    throw new Error(
      'redis-server is not on the PATH: install it (apt-get install redis-server) or use simulated nodes',
    );
  }
  const nodes = redisServer
    ? redisServerNodeBackend({ redisServerPath: redisServer })
    : simulatedNodeBackend();
  const executions = options.executions ?? { waitTimeOverrides: 50, retryIntervalOverrides: 50 };
  let environment: LocalEnvironment | undefined;
  const running = () => {
    if (!environment) throw new Error('The local environment is still starting');
    return environment;
  };
  const standIn = await startStandIn({
    nodes,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.routes ? { routes: options.routes(running) } : {}),
    stateMachineDefinitions: {
      [LOCAL_STATE_MACHINE_ARNS.provision]: { definition: deployedDefinition('provision') },
      [LOCAL_STATE_MACHINE_ARNS.teardown]: { definition: deployedDefinition('teardown') },
      [LOCAL_DEADLINE_STATE_MACHINE_ARN]: { definition: deployedDefinition('deadline') },
    },
    // A deadline waits most of an hour (scaled) and answers only for a workflow that hangs: waiting
    // for the executions to end does not wait for it.
    timerStateMachines: [LOCAL_DEADLINE_STATE_MACHINE_ARN],
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.delays ? { delays: options.delays } : {}),
    stateMachines: {
      [LOCAL_STATE_MACHINE_ARNS.provision]: localExecutionRunner('provision', executions),
      [LOCAL_STATE_MACHINE_ARNS.teardown]: localExecutionRunner('teardown', executions),
      [LOCAL_DEADLINE_STATE_MACHINE_ARN]: localExecutionRunner(
        'deadline',
        { retryIntervalOverrides: executions.retryIntervalOverrides ?? 50 },
        (input) => ({ WaitForDeadline: scaledWaitUntil(input, options.timeScale ?? 0.01) }),
      ),
    },
    eventRules: LOCAL_EVENT_RULES,
    rotationFunctions: {
      [LOCAL_ROTATION_FUNCTION_ARN]: localRotationFunction(
        (id) => standIn.caCertificatePath(id),
        options.timeScale ?? 0.01,
      ),
    },
  });
  const endpoints = {
    elasticache: standIn.elastiCacheUrl,
    secretsmanager: standIn.secretsManagerUrl,
    eventbridge: standIn.eventBridgeUrl,
    sfn: standIn.stepFunctionsUrl,
    cloudformation: standIn.cloudFormationUrl,
  };
  const restore = pointSdkAt(endpoints, options.timeScale ?? 0.01);
  let closed = false;
  environment = {
    standIn,
    nodeKind: nodes.kind,
    endpoints,
    stateMachineArns: { ...LOCAL_STATE_MACHINE_ARNS, deadline: LOCAL_DEADLINE_STATE_MACHINE_ARN },
    async close() {
      if (closed) return;
      closed = true;
      await standIn.close();
      await stopAllNodes();
      restore();
    },
  };
  return environment;
}

/**
 * Points this process's SDK clients at a stand-in another process runs (a held `npm run provision`
 * prints its URL), so a local teardown acts on what that run created. Before the handlers load.
 */
export function useRunningStandIn(url: string, timeScale = 0.01): void {
  pointSdkAt(
    { elasticache: url, secretsmanager: url, eventbridge: url, sfn: url, cloudformation: url },
    timeScale,
  );
}

/**
 * Runs an execution of a deployed state machine in this process. The runner is loaded on the first
 * execution, after the endpoints are set, so the handlers' SDK clients are built against them.
 */
function localExecutionRunner(
  workflow: StateMachineKind,
  overrides: Pick<LocalWorkflowOptions, 'waitTimeOverrides' | 'retryIntervalOverrides'>,
  waitsOf?: (input: unknown) => Record<string, number>,
): ExecutionRunner {
  let loading: Promise<import('./workflow').LocalWorkflow> | undefined;
  return async (request) => {
    loading ??= import('./workflow').then(({ createLocalWorkflow }) =>
      createLocalWorkflow({ workflow, ...overrides }),
    );
    const run = await (await loading).run(request.input, {
      execution: {
        Id: request.executionArn,
        Name: request.name,
        StateMachineArn: request.stateMachineArn,
      },
      signal: request.signal,
      onHistoryEvent: request.onEvent,
      ...(waitsOf ? { waitTimeOverrides: waitsOf(request.input) } : {}),
    });
    return {
      status: run.status,
      ...(run.output === undefined ? {} : { output: run.output }),
      ...(run.error ? { error: run.error } : {}),
      ...(run.aborted ? { aborted: true } : {}),
    };
  };
}

/** Milliseconds until the input's AnswerBy, scaled as the handlers' sleeps are. */
function scaledWaitUntil(input: unknown, timeScale: number): number {
  const answerBy = Date.parse(String((input as { AnswerBy?: unknown } | null)?.AnswerBy ?? ''));
  return Number.isNaN(answerBy) ? 0 : Math.max(0, (answerBy - Date.now()) * timeScale);
}

/**
 * The deployed rotatePassword handler, invoked as Lambda would be, trusting the CA of the local nodes
 * of the group it tests against. Loaded on first use, after the endpoints are set.
 */
function localRotationFunction(
  caPathOf: (replicationGroupId: string) => string | undefined,
  timeScale: number,
): RotationFunction {
  let loading: Promise<LambdaHandler> | undefined;
  return async (event) => {
    loading ??= Promise.all([
      import('../functions/rotatePassword'),
      import('./workflow/runner'),
      import('../shared/provision/redisAuth'),
    ]).then(
      ([{ rotatePasswordHandler }, { scaledClock }, { redisAuthProbe }]) =>
        rotatePasswordHandler({
          clock: scaledClock(timeScale),
          authenticate: redisAuthProbe({
            caFor: (target) => {
              const path = caPathOf(target.replicationGroupId);
              return path === undefined ? undefined : readFileSync(path, 'utf8');
            },
          }),
        }) as LambdaHandler,
    );
    return invokeAsLambda(await loading, event, { functionName: 'rotatePassword', timeoutMs: 300_000 });
  };
}

/**
 * Must run before the handlers (and so their module-scope SDK clients) are loaded. Returns what puts
 * back the state machine ARNs it set: left behind, they would switch a CLI started later in this
 * process (or a child process) to its AWS mode.
 */
function pointSdkAt(endpoints: LocalEnvironment['endpoints'], timeScale: number): () => void {
  process.env.AWS_ENDPOINT_URL_ELASTICACHE = endpoints.elasticache;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoints.secretsmanager;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoints.eventbridge;
  process.env.AWS_ENDPOINT_URL_SFN = endpoints.sfn;
  process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = endpoints.cloudformation;
  // What the custom-resource bridge starts (serverless.yml sets them to the deployed state machines).
  const previous = {
    PROVISION_STATE_MACHINE_ARN: process.env.PROVISION_STATE_MACHINE_ARN,
    TEARDOWN_STATE_MACHINE_ARN: process.env.TEARDOWN_STATE_MACHINE_ARN,
    DEADLINE_STATE_MACHINE_ARN: process.env.DEADLINE_STATE_MACHINE_ARN,
    ROTATION_FUNCTION_ARN: process.env.ROTATION_FUNCTION_ARN,
  };
  process.env.PROVISION_STATE_MACHINE_ARN = LOCAL_STATE_MACHINE_ARNS.provision;
  process.env.TEARDOWN_STATE_MACHINE_ARN = LOCAL_STATE_MACHINE_ARNS.teardown;
  process.env.DEADLINE_STATE_MACHINE_ARN = LOCAL_DEADLINE_STATE_MACHINE_ARN;
  process.env.ROTATION_FUNCTION_ARN = LOCAL_ROTATION_FUNCTION_ARN;
  process.env.AWS_REGION ??= 'us-east-1';
  // The stand-in does not check signatures; the SDK still wants credentials to sign with.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.PROVISIONER_TIME_SCALE = String(timeScale);
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
