/**
 * A local AWS for the workflow: the ElastiCache + Secrets Manager stand-in, backed by real
 * `redis-server` processes when they are installed, and the standard endpoint settings that point
 * the real SDK clients at it. The handlers themselves have no local code path.
 */
import { findRedisServer, redisServerNodeBackend, stopAllNodes } from './nodes';
import { type FaultPlan, type StandIn, type StandInDelays, startStandIn } from './standin';
import { simulatedNodeBackend } from './standin/nodeBackend';

export interface LocalEnvironmentOptions {
  /** 'auto' (default): real nodes when redis-server is on the PATH, simulated otherwise. */
  nodes?: 'auto' | 'real' | 'simulated';
  faults?: FaultPlan;
  delays?: Partial<StandInDelays>;
  /** Scales the handlers' sleeps (the in-invocation availability checks); default 0.01. */
  timeScale?: number;
}

export interface LocalEnvironment {
  standIn: StandIn;
  nodeKind: 'redis-server' | 'simulated';
  endpoints: { elasticache: string; secretsmanager: string };
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
  const standIn = await startStandIn({
    nodes,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.delays ? { delays: options.delays } : {}),
  });
  const endpoints = { elasticache: standIn.elastiCacheUrl, secretsmanager: standIn.secretsManagerUrl };
  pointSdkAt(endpoints, options.timeScale ?? 0.01);
  let closed = false;
  return {
    standIn,
    nodeKind: nodes.kind,
    endpoints,
    async close() {
      if (closed) return;
      closed = true;
      await standIn.close();
      await stopAllNodes();
    },
  };
}

/** Must run before the handlers (and so their module-scope SDK clients) are loaded. */
function pointSdkAt(endpoints: LocalEnvironment['endpoints'], timeScale: number): void {
  process.env.AWS_ENDPOINT_URL_ELASTICACHE = endpoints.elasticache;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoints.secretsmanager;
  process.env.AWS_REGION ??= 'us-east-1';
  // The stand-in does not check signatures; the SDK still wants credentials to sign with.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.PROVISIONER_TIME_SCALE = String(timeScale);
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  // Lambda runs Node 22; the SDK's notice about Node 20 is noise in a local run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
