import { DescribeCacheEngineVersionsCommand } from '@aws-sdk/client-elasticache';
import type { ElastiCacheLike } from '../aws/types';
import { type Problem, ValidationError } from '../errors';
import type { Log } from '../logger';
import type { Engine, NormalisedRequest } from '../provision/state';
import { versionGatedProblems } from './rules';
import { checkRequest } from './validate';
import { ENGINE_LABEL, parseVersion } from './versions';

export interface PrepareRequestDeps {
  elastiCache: ElastiCacheLike;
  logger: Log;
  /**
   * The S3 bucket the deployment may read RDB files from (restoreSnapshotBucket; `none`: no bucket).
   * Absent where no deployment sets it (a local run): SnapshotArns are not checked against it.
   */
  restoreBucket?: string;
  /** Remembers resolved engine versions across invocations of one container (see engineVersionCache). */
  engineVersions?: EngineVersionCache;
}

/**
 * Engine versions change a few times a year; a burst of requests must not spend one
 * DescribeCacheEngineVersions call (and its throttling budget) on each. Entries expire so a new
 * default version is picked up within minutes.
 */
export interface EngineVersionCache {
  get(key: string, now: number): ResolvedEngine | undefined;
  set(key: string, value: ResolvedEngine, now: number): void;
}

export function engineVersionCache(ttlMs = 15 * 60 * 1000): EngineVersionCache {
  const entries = new Map<string, { value: ResolvedEngine; expires: number }>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      return entry && entry.expires > now ? entry.value : undefined;
    },
    set(key, value, now) {
      entries.set(key, { value, expires: now + ttlMs });
    },
  };
}

export interface ResolvedEngine {
  EngineVersion: string;
  CacheParameterGroupFamily: string;
}

/**
 * Turns the raw execution input into the NormalisedRequest the workflow carries: validates it
 * (ValidationError with every problem, before any AWS call), resolves the engine version and its
 * parameter group family with DescribeCacheEngineVersions, then applies the checks that depend on them.
 */
/** The value of restoreSnapshotBucket that grants no bucket. */
export const NO_RESTORE_BUCKET = 'none';

/**
 * ElastiCache reads each RDB file of SnapshotArns with the caller's s3:GetObject (ElastiCache API
 * permissions reference), which the deployment grants on one bucket: a file elsewhere would fail only
 * once the create has started.
 */
export function restoreBucketProblems(
  snapshotArns: readonly string[] | undefined,
  bucket: string | undefined,
): Problem[] {
  if (bucket === undefined || snapshotArns === undefined) return [];
  return snapshotArns.flatMap((arn, index) => {
    const field = `SnapshotArns[${index}]`;
    const fileBucket = arn.slice(arn.indexOf(':::') + 3).split('/')[0];
    if (bucket === NO_RESTORE_BUCKET) {
      return [
        {
          field,
          message: `restoring from S3 needs a bucket this deployment may read: deploy with --param="restoreSnapshotBucket=${fileBucket}"`,
        },
      ];
    }
    if (fileBucket === bucket) return [];
    return [
      {
        field,
        message: `is in bucket ${fileBucket}, and this deployment may read RDB files only from ${bucket}: copy the file there, or deploy with --param="restoreSnapshotBucket=${fileBucket}"`,
      },
    ];
  });
}

export async function prepareRequest(deps: PrepareRequestDeps, input: unknown): Promise<NormalisedRequest> {
  const checked = checkRequest(input);
  if (!checked.ok) {
    deps.logger.warn('Request rejected', { problems: checked.problems });
    throw new ValidationError(checked.problems);
  }
  const { request, view } = checked;
  const cacheKey = `${request.Engine}:${request.EngineVersion ?? '(default)'}`;
  let resolved = deps.engineVersions?.get(cacheKey, Date.now());
  if (!resolved) {
    resolved = await resolveEngine(deps.elastiCache, request.Engine, request.EngineVersion);
    deps.engineVersions?.set(cacheKey, resolved, Date.now());
  }
  const notes = [...request.Notes];
  if (request.EngineVersion === undefined) {
    notes.push(`EngineVersion resolved to ${resolved.EngineVersion}, the engine's default`);
  }

  const problems: Problem[] = [...restoreBucketProblems(request.SnapshotArns, deps.restoreBucket)];
  const version = parseVersion(resolved.EngineVersion);
  if (version) problems.push(...versionGatedProblems(view, request.Engine, version));

  let parameterGroup = request.CacheParameterGroupName;
  const familyDefault = `default.${resolved.CacheParameterGroupFamily}`;
  if (parameterGroup === undefined && request.ClusterMode !== 'disabled') {
    parameterGroup = `${familyDefault}.cluster.on`;
    notes.push(
      `CacheParameterGroupName set to ${parameterGroup}: cluster mode ${request.ClusterMode} needs a cluster-enabled group`,
    );
  } else if (
    parameterGroup?.startsWith('default.') &&
    parameterGroup !== familyDefault &&
    parameterGroup !== `${familyDefault}.cluster.on`
  ) {
    problems.push({
      field: 'CacheParameterGroupName',
      message: `is a default group of another engine family; ${ENGINE_LABEL[request.Engine]} ${resolved.EngineVersion} uses family ${resolved.CacheParameterGroupFamily} (${familyDefault}${request.ClusterMode === 'disabled' ? '' : '.cluster.on'})`,
    });
  }
  if (problems.length > 0) {
    deps.logger.warn('Request rejected', { problems });
    throw new ValidationError(problems);
  }

  const { EngineVersion: _requested, CacheParameterGroupName: _given, Notes: _notes, ...rest } = request;
  const normalised: NormalisedRequest = {
    ...rest,
    EngineVersion: request.EngineVersion ?? resolved.EngineVersion,
    CacheParameterGroupFamily: resolved.CacheParameterGroupFamily,
    ...(parameterGroup !== undefined && { CacheParameterGroupName: parameterGroup }),
    Notes: notes,
  };
  deps.logger.info('Request validated', {
    ReplicationGroupId: normalised.ReplicationGroupId,
    Engine: normalised.Engine,
    EngineVersion: normalised.EngineVersion,
    CacheParameterGroupFamily: normalised.CacheParameterGroupFamily,
    Notes: normalised.Notes,
  });
  return normalised;
}

async function resolveEngine(
  elastiCache: ElastiCacheLike,
  engine: Engine,
  requested: string | undefined,
): Promise<ResolvedEngine> {
  const { CacheEngineVersions: versions = [] } = await elastiCache.send(
    new DescribeCacheEngineVersionsCommand(
      requested === undefined
        ? { Engine: engine, DefaultOnly: true }
        : { Engine: engine, EngineVersion: requested },
    ),
  );
  const usable = versions.filter((entry) => entry.EngineVersion && entry.CacheParameterGroupFamily);
  const match = usable.find((entry) => entry.EngineVersion === requested) ?? usable[0];
  if (!match?.EngineVersion || !match.CacheParameterGroupFamily) {
    throw new ValidationError([
      requested === undefined
        ? { field: 'Engine', message: `ElastiCache reports no default version for ${ENGINE_LABEL[engine]}` }
        : {
            field: 'EngineVersion',
            message: `ElastiCache does not offer ${ENGINE_LABEL[engine]} ${requested} (DescribeCacheEngineVersions knows no such version)`,
          },
    ]);
  }
  return { EngineVersion: match.EngineVersion, CacheParameterGroupFamily: match.CacheParameterGroupFamily };
}
