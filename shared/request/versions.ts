import type { Engine } from '../provision/state';

/**
 * Engine versions ElastiCache offers for node-based clusters. Used to reject what is structurally
 * wrong (Redis OSS 7.2, Valkey 7.0) before any call; the version actually used, and its parameter
 * group family, come from DescribeCacheEngineVersions so a new release needs no code change.
 */
export const KNOWN_ENGINE_VERSIONS = {
  redis: ['6.0', '6.2', '7.0', '7.1'],
  valkey: ['7.2', '8.0', '8.1', '8.2', '9.0'],
} as const satisfies Record<Engine, readonly string[]>;

export const ENGINE_LABEL: Record<Engine, string> = { redis: 'Redis OSS', valkey: 'Valkey' };

/** `major.minor` or `major.minor.patch`, as ElastiCache spells versions. */
export const ENGINE_VERSION_PATTERN = /^\d+\.\d+(?:\.\d+)?$/;

export type Version = readonly [number, number, number];

export function parseVersion(text: string): Version | undefined {
  if (!ENGINE_VERSION_PATTERN.test(text)) return undefined;
  const [major = 0, minor = 0, patch = 0] = text.split('.').map(Number);
  return [major, minor, patch];
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether a cluster of this engine and version has a Redis OSS feature introduced in `since`.
 * Valkey starts at 7.2, a superset of Redis OSS 7.2, so every feature gated here is there.
 */
export function engineSupports(engine: Engine, version: Version, since: Version): boolean {
  return engine === 'valkey' || compareVersions(version, since) >= 0;
}

export function formatVersion(version: Version): string {
  return version[2] === 0 ? `${version[0]}.${version[1]}` : version.join('.');
}

/** Structural check of a requested version against the engine's known range; undefined when plausible. */
export function engineVersionProblem(engine: Engine, text: string): string | undefined {
  const version = parseVersion(text);
  if (!version) return undefined;
  const offered = KNOWN_ENGINE_VERSIONS[engine].join(', ');
  if (engine === 'redis' && compareVersions(version, [7, 2, 0]) >= 0) {
    return `Redis OSS on ElastiCache ends at 7.1 (there is no Redis OSS 7.2 or later); choose one of ${offered}, or Engine "valkey" for 7.2 and later`;
  }
  if (engine === 'valkey' && compareVersions(version, [7, 2, 0]) < 0) {
    return `Valkey on ElastiCache starts at 7.2; choose one of ${offered}`;
  }
  return undefined;
}
