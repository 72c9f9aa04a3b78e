/**
 * ElastiCache's own checks, independent of the project's validator: identifiers, engine versions,
 * passwords and access strings as the service accepts them.
 */
import { ec } from './wire';

export type Engine = 'redis' | 'valkey';

export interface EngineVersion {
  engine: Engine;
  version: string;
  family: string;
  isDefault: boolean;
}

export const ENGINE_VERSIONS: readonly EngineVersion[] = [
  { engine: 'redis', version: '6.0', family: 'redis6.x', isDefault: false },
  { engine: 'redis', version: '6.2', family: 'redis6.x', isDefault: false },
  { engine: 'redis', version: '7.0', family: 'redis7', isDefault: false },
  { engine: 'redis', version: '7.1', family: 'redis7', isDefault: true },
  { engine: 'valkey', version: '7.2', family: 'valkey7', isDefault: false },
  { engine: 'valkey', version: '8.0', family: 'valkey8', isDefault: false },
  { engine: 'valkey', version: '8.1', family: 'valkey8', isDefault: false },
  { engine: 'valkey', version: '8.2', family: 'valkey8', isDefault: true },
  { engine: 'valkey', version: '9.0', family: 'valkey9', isDefault: false },
];

export function parseEngine(raw: string | undefined, fallback?: Engine): Engine {
  if (raw === undefined || raw === '') {
    if (fallback) return fallback;
    throw ec.invalidParameterValue('The parameter Engine must be provided and must not be blank.');
  }
  const engine = raw.toLowerCase();
  if (engine === 'redis' || engine === 'valkey') return engine;
  throw ec.invalidParameterValue(`Invalid engine ${raw}: the options are redis or valkey.`);
}

/** `7.1` and `7.1.0` both name the 7.1 line, as the service accepts either. */
export function findEngineVersion(engine: Engine, version: string | undefined): EngineVersion {
  const wanted = version ?? ENGINE_VERSIONS.find((v) => v.engine === engine && v.isDefault)?.version;
  const found = ENGINE_VERSIONS.find(
    (v) => v.engine === engine && (v.version === wanted || `${v.version}.0` === wanted),
  );
  if (!found) throw ec.invalidParameterValue(`Cannot find version ${wanted} for ${engine}`);
  return found;
}

/** `default.<family>` or `default.<family>.cluster.on`; other names do not exist in a fresh account. */
export function checkParameterGroup(name: string, version: EngineVersion): void {
  if (name === `default.${version.family}` || name === `default.${version.family}.cluster.on`) return;
  const otherFamily = ENGINE_VERSIONS.some(
    (v) => name === `default.${v.family}` || name === `default.${v.family}.cluster.on`,
  );
  if (otherFamily) {
    throw ec.invalidParameterCombination(
      `Cache parameter group ${name} is not of the family ${version.family} of ${version.engine} ${version.version}.`,
    );
  }
  throw ec.cacheParameterGroupNotFound(name);
}

/** Numeric comparison of dotted versions. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

const USER_ID = /^[a-zA-Z][a-zA-Z0-9-]*$/;

/** User and user group ids: stored lower-case. */
export function normaliseUserId(raw: string, parameter: string): string {
  if (!USER_ID.test(raw)) {
    throw ec.invalidParameterValue(
      `${parameter} must begin with a letter and contain only ASCII letters, digits and hyphens.`,
    );
  }
  return raw.toLowerCase();
}

export function normaliseReplicationGroupId(raw: string): string {
  const valid =
    raw.length >= 1 &&
    raw.length <= 40 &&
    /^[a-zA-Z][a-zA-Z0-9-]*$/.test(raw) &&
    !raw.includes('--') &&
    !raw.endsWith('-');
  if (!valid) {
    throw ec.invalidParameterValue(
      'Replication group id must contain from 1 to 40 alphanumeric characters or hyphens, begin with a ' +
        'letter, and contain no two consecutive hyphens nor end with a hyphen.',
    );
  }
  return raw.toLowerCase();
}

const FORBIDDEN_PASSWORD_CHARACTERS = /[,"/@]/;

/** The message never quotes the password. */
export function checkPassword(password: string, parameter: string): void {
  const printable = /^[\x21-\x7e]+$/.test(password);
  if (
    password.length < 16 ||
    password.length > 128 ||
    !printable ||
    FORBIDDEN_PASSWORD_CHARACTERS.test(password)
  ) {
    throw ec.invalidParameterValue(
      `${parameter} must contain from 16 to 128 printable characters; the characters , " / @ are not allowed.`,
    );
  }
}

const ACL_CATEGORIES = new Set([
  'all',
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
]);

const KEYWORDS = new Set(['on', 'off', 'allkeys', 'resetkeys', 'allcommands', 'nocommands']);
const CHANNEL_KEYWORDS = new Set(['allchannels', 'resetchannels']);
const COMMAND = /^[a-z][a-z0-9_-]*$/i;

function versionNeededBy(rule: string): string | undefined {
  const lower = rule.toLowerCase();
  if (KEYWORDS.has(lower)) return '6.0';
  if (CHANNEL_KEYWORDS.has(lower)) return '6.2';
  if (rule.length > 1 && rule.startsWith('~')) return '6.0';
  if (/^%(R|W|RW)~.+$/i.test(rule)) return '7.0';
  if (rule.length > 1 && rule.startsWith('&')) return '6.2';
  if (/^[+-]@/.test(rule)) return ACL_CATEGORIES.has(rule.slice(2).toLowerCase()) ? '6.0' : undefined;
  if (/^[+-]/.test(rule)) {
    const [command, subcommand, extra] = rule.slice(1).split('|');
    if (command === undefined || !COMMAND.test(command) || extra !== undefined) return undefined;
    if (subcommand === undefined) return '6.0';
    return /^[a-z0-9_-]+$/i.test(subcommand) ? '7.0' : undefined;
  }
  return undefined;
}

/**
 * Checks an access string and returns the lowest engine version that understands it. Password
 * rules (`>`, `<`, `#`, `!`, `nopass`, `resetpass`), `reset` and selectors are refused: passwords
 * are ElastiCache's to manage.
 */
export function checkAccessString(accessString: string): string {
  const rules = accessString.trim().split(/\s+/);
  if (accessString.trim() === '') throw ec.invalidParameterValue('Access string must not be empty.');
  let minimum = '6.0';
  for (const rule of rules) {
    const needed = versionNeededBy(rule);
    if (needed === undefined) {
      // The offending rule is named only when it cannot carry a password.
      const shown = /^[><#!]/.test(rule) ? 'a password rule' : `"${rule}"`;
      throw ec.invalidParameterValue(`Access string contains an invalid rule: ${shown}.`);
    }
    if (compareVersions(needed, minimum) > 0) minimum = needed;
  }
  return minimum;
}
