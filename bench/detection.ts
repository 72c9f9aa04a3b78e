/**
 * The detection overhead, measured: how long the check that finds the group `available` takes from the
 * moment it starts to the moment its result is back, on the local stand-in. The real waitAvailable
 * handler (middy, logger, the core, the real SDK client) is invoked as Lambda invokes it, against a
 * replication group the workflow created there. Runs in a child process of its own (see child.ts).
 *
 * What the stand-in cannot show: Lambda's own invoke latency and the Describe call's latency inside
 * AWS, both larger than on 127.0.0.1; the figure is a floor, and the bench says so.
 */
import { childMain, runChildOr } from './child';
import type { Overhead } from './economics';
import { benchRequest } from './request';
import { median, percentile } from './stats';

export const DETECTION_SAMPLES = 60;
const WARM_UP = 5;

export interface DetectionResult extends Overhead {
  measured: boolean;
  reason?: string;
  medianSeconds: number;
  p95Seconds: number;
}

/** Polling that finishes at once in the local run: the group is checked right after it is created. */
const QUICK_POLLING = {
  TimeoutMinutes: 60,
  InitialWaitSeconds: 0,
  WaitSeconds: 1,
  ChecksPerInvocation: 60,
  CheckIntervalSeconds: 1,
};

export async function detectionInProcess(): Promise<DetectionResult> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const { startLocalEnvironment } = await import('../local/environment');
  const local = await startLocalEnvironment({ nodes: 'simulated' });
  try {
    // Loaded only now: the handlers' SDK clients must see the local endpoints.
    const { createLocalWorkflow } = await import('../local/workflow');
    const { invokeAsLambda } = await import('../local/workflow/lambda');
    const { handler } = await import('../functions/waitAvailable');
    const request = benchRequest(QUICK_POLLING);
    const run = await createLocalWorkflow({ waitTimeOverrides: 10, retryIntervalOverrides: 10 }).run({
      ReplicationGroupId: request.ReplicationGroupId,
      ReplicationGroupDescription: request.ReplicationGroupDescription,
      Engine: request.Engine,
      EngineVersion: request.EngineVersion,
      CacheNodeType: request.CacheNodeType,
      ClusterMode: request.ClusterMode,
      NumCacheClusters: request.NumCacheClusters,
      AutomaticFailoverEnabled: request.AutomaticFailoverEnabled,
      Polling: QUICK_POLLING,
    });
    if (run.status !== 'SUCCEEDED') {
      throw new Error(`the replication group was not created: ${run.error?.Error}: ${run.error?.Cause}`);
    }
    const state = {
      request,
      replicationGroup: { ReplicationGroupId: request.ReplicationGroupId, Status: 'creating', Created: true },
    };
    const seconds: number[] = [];
    for (let i = 0; i < WARM_UP + DETECTION_SAMPLES; i += 1) {
      const started = performance.now();
      const result = (await invokeAsLambda(handler as never, state, {
        functionName: 'waitAvailable',
        timeoutMs: 900_000,
      })) as { poll?: { Available?: boolean } };
      const elapsed = (performance.now() - started) / 1000;
      if (!result.poll?.Available) throw new Error('the check did not find the group available');
      if (i >= WARM_UP) seconds.push(elapsed);
    }
    return {
      measured: true,
      seconds,
      medianSeconds: median(seconds),
      p95Seconds: percentile(seconds, 95),
      source:
        `measured: ${DETECTION_SAMPLES} warm invocations of the real waitAvailable handler that find the group ` +
        'available on the local stand-in (SDK call over 127.0.0.1 included; Lambda invoke latency in AWS not included)',
    };
  } finally {
    await local.close();
  }
}

/** Runs the measurement in its own process; when it cannot run, says why and assumes nothing. */
export async function measureDetectionOverhead(): Promise<DetectionResult> {
  return runChildOr<DetectionResult>(import.meta.url, 120_000, (reason) => ({
    measured: false,
    reason,
    seconds: [0],
    medianSeconds: 0,
    p95Seconds: 0,
    source: 'not measured (0 s added)',
  }));
}

await childMain(import.meta.url, detectionInProcess);
