/**
 * Hostile execution inputs for property-based fuzzing: valid samples mutated at random paths,
 * values of the wrong type, oversized strings and lists, unicode, injection-looking strings, nesting,
 * and keys that name members of Object.prototype. And the judge every input must satisfy: accepted,
 * or rejected with a ValidationError whose every problem names a field, with no crash, no AWS call
 * before the rejection, nothing quoted back, and Object.prototype untouched.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DescribeCacheEngineVersionsCommand } from '@aws-sdk/client-elasticache';
import fc from 'fast-check';
import { type Problem, ValidationError } from '../../../shared/errors';
import type { Log } from '../../../shared/logger';
import type { NormalisedRequest } from '../../../shared/provision/state';
import { isRecord, type SchemaNode, unwrap } from '../../../shared/request/fields';
import { prepareRequest } from '../../../shared/request/prepare';
import { ProvisionRequestSchema, REQUEST_FIELDS } from '../../../shared/request/schema';
import { validateRequest } from '../../../shared/request/validate';

const ROOT = new URL('../../../', import.meta.url);

function readJson(relative: string): unknown {
  return JSON.parse(readFileSync(new URL(relative, ROOT), 'utf8'));
}

/** Written into values only; a problem message that contains it quoted the input back. */
export const MARKER = 'Qx7HostileMarker7xQ';

/** Every valid request the repository has: events/, request fixtures, reliability fixtures. */
export const VALID_SAMPLES: Record<string, unknown>[] = [
  ...readdirSync(new URL('events/', ROOT))
    .filter((name) => name.endsWith('.json'))
    .map((name) => readJson(`events/${name}`))
    .map((document) => (isRecord(document) && isRecord(document.detail) ? document.detail : document)),
  readJson('tests/fixtures/requests/minimal.json'),
  readJson('tests/fixtures/requests/cluster-enabled-valkey.json'),
  ...readdirSync(new URL('tests/fixtures/reliability/', ROOT))
    .filter((name) => name.endsWith('request.json'))
    .map((name) => readJson(`tests/fixtures/reliability/${name}`)),
].filter(isRecord);

/** Names that resolve on any plain object through its prototype. */
export const PROTOTYPE_KEYS = [
  ...new Set(['__proto__', 'constructor', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]),
];

const INJECTION_LOOKING = [
  "'; DROP TABLE users; --",
  '" OR "1"="1',
  '<script>alert(1)</script>',
  `\${jndi:ldap://example.com/a}`,
  '{{7*7}}',
  '$(reboot)',
  '`id`',
  '../../../../etc/passwd',
  '%s%s%s%n',
  'sg-1; rm -rf /',
  'arn:aws:iam::123456789012:role/*',
  '*',
  '\u0000',
  '\u202egnp.exe',
  'A\u0301\u0301\u0301',
  '\ud800',
  '🙂'.repeat(20),
  'ǅ',
  ' ',
  '',
  'on ~* +@all',
  'on >password ~* +@all',
  '__proto__',
  'constructor',
  'default',
  'true',
  '3',
  '[1,2]',
  '{"a":1}',
];

/** Short hostile strings: arbitrary code points, injection-looking text, the marker. */
const shortHostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 48 }) },
  { weight: 4, arbitrary: fc.constantFrom(...INJECTION_LOOKING) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }).map((text) => `${MARKER}${text}`) },
);

/** Hostile strings, up to the 256 KB an execution input may hold. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: shortHostileString },
  { weight: 1, arbitrary: fc.integer({ min: 41, max: 250_000 }).map((length) => 'a'.repeat(length)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 5_000 }).map((length) => `${MARKER}-${'é'.repeat(length)}`),
  },
);

function nest(depth: number, leaf: unknown, asList: boolean): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = asList ? [value] : { a: value };
  return value;
}

/** Anything a JSON document (or a careless caller) can put in a field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER, 1e308, -0, null, true, false, [], {}, [
      null,
    ]),
  },
  { weight: 1, arbitrary: fc.array(shortHostileString, { maxLength: 2_000 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 60 }), shortHostileString, fc.boolean())
      .map(([depth, leaf, asList]) => nest(depth, leaf, asList)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 101, max: 2_000 }).map((count) =>
      Array.from({ length: count }, (_, index) => ({
        UserId: `u${index}`,
        UserName: `u${index}`,
        AccessString: 'on ~* +@read',
      })),
    ),
  },
);

/** Keys a request may carry by mistake or by malice; prototype names are in `hostileKey` only. */
export const strangeKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('Password', 'AuthToken', 'passwords', 'Rbac', 'detail', 'Polling'),
  },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 2, arbitrary: strangeKey },
);

type Path = (string | number)[];

/** Every path in a value; a mutation may make it cyclic, so a node already on the way down is not entered again. */
function pathsOf(value: unknown, path: Path = [], ancestors: ReadonlySet<unknown> = new Set()): Path[] {
  if (typeof value !== 'object' || value === null || ancestors.has(value)) return [path];
  const below = new Set(ancestors).add(value);
  if (Array.isArray(value)) {
    return [path, ...value.flatMap((item, index) => pathsOf(item, [...path, index], below))];
  }
  if (isRecord(value)) {
    return [path, ...Object.keys(value).flatMap((key) => pathsOf(value[key], [...path, key], below))];
  }
  return [path];
}

function at(value: unknown, path: Path): unknown {
  let node = value;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node;
}

/** An own property, even for `__proto__` (an assignment would change the prototype instead). */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

type Mutation =
  | { op: 'set'; pick: number; value: unknown }
  | { op: 'delete'; pick: number }
  | { op: 'add'; pick: number; key: string; value: unknown }
  | { op: 'stringify'; pick: number }
  | { op: 'wrap'; pick: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), pick: fc.nat(), value: hostileValue }),
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), pick: fc.nat(), key: hostileKey, value: hostileValue }),
  fc.record({ op: fc.constant('stringify' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('wrap' as const), pick: fc.nat() }),
);

/** Inserted values are copies: the same generated value placed twice (once inside itself) would make a cycle. */
function mutate(sample: unknown, mutations: Mutation[]): unknown {
  const root: { value: unknown } = { value: structuredClone(sample) };
  for (const change of mutations) {
    const paths = pathsOf(root.value);
    const path = paths[change.pick % paths.length] ?? [];
    if (change.op === 'add') {
      const objects = paths.filter((candidate) => isRecord(at(root.value, candidate)));
      const target = at(root.value, objects[change.pick % Math.max(1, objects.length)] ?? []);
      if (isRecord(target)) define(target, change.key, structuredClone(change.value));
      continue;
    }
    if (path.length === 0) {
      if (change.op === 'set') root.value = structuredClone(change.value);
      continue;
    }
    const parent = at(root.value, path.slice(0, -1)) as Record<string | number, unknown>;
    const key = path[path.length - 1] as string | number;
    if (change.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (change.op === 'set') define(parent, key, structuredClone(change.value));
    else if (change.op === 'stringify') define(parent, key, JSON.stringify(parent[key]) ?? 'undefined');
    else define(parent, key, [parent[key]]);
  }
  return root.value;
}

export const validSample: fc.Arbitrary<Record<string, unknown>> = fc
  .constantFrom(...VALID_SAMPLES)
  .map((sample) => structuredClone(sample));

export const mutatedSample: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(...VALID_SAMPLES), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([sample, mutations]) => mutate(sample, mutations));

/** An EventBridge event around a request, a mutated one, or anything at all. */
export const eventBridgeEnvelope: fc.Arbitrary<Record<string, unknown>> = fc.record({
  version: fc.oneof(fc.constant('0'), hostileValue),
  id: fc.oneof(fc.uuid(), hostileValue),
  'detail-type': fc.oneof(fc.constant('ElastiCache Provisioning Requested'), hostileString),
  source: fc.oneof(fc.constant('custom.elasticache-provisioner'), hostileString),
  account: fc.constant('123456789012'),
  time: fc.constant('2025-11-28T09:30:00Z'),
  region: fc.constant('eu-west-1'),
  resources: fc.oneof(fc.constant([]), hostileValue),
  detail: fc.oneof(validSample, mutatedSample, hostileValue),
});

/**
 * A request as CloudFormation hands custom-resource properties over: every scalar a string, lists
 * as lists, as JSON, or (lists of strings) comma-joined, as a template's Fn::Join makes them.
 */
export function asCustomResourceProperties(value: unknown, style: number): unknown {
  let choice = style;
  const next = () => {
    choice = (choice * 1103515245 + 12345) % 2147483648;
    return choice % 3;
  };
  const convert = (node: unknown): unknown => {
    if (typeof node === 'number' || typeof node === 'boolean') return String(node);
    if (Array.isArray(node)) {
      const items = node.map(convert);
      const how = next();
      if (how === 1) return JSON.stringify(node);
      if (how === 2 && node.every((item) => typeof item === 'string' && !item.includes(','))) {
        return items.join(', ');
      }
      return items;
    }
    if (isRecord(node)) {
      const converted = Object.fromEntries(Object.entries(node).map(([key, child]) => [key, convert(child)]));
      return next() === 1 ? JSON.stringify(node) : converted;
    }
    return node;
  };
  return convert(value);
}

/** Object nodes of a request, as paths, with the field names the schema allows there. */
export function knownFieldsAt(path: Path): string[] | undefined {
  let node: SchemaNode | undefined = ProvisionRequestSchema as unknown as SchemaNode;
  for (const key of path) {
    const current: SchemaNode = unwrap(node);
    node = typeof key === 'number' ? current.item : current.entries?.[key];
    if (!node || (typeof key === 'string' && !Object.hasOwn(current.entries ?? {}, key))) return undefined;
  }
  const entries = unwrap(node).entries;
  return entries ? Object.keys(entries) : undefined;
}

export function objectPathsOf(value: unknown): Path[] {
  return pathsOf(value).filter((path) => isRecord(at(value, path)));
}

export function withOwnKey(value: unknown, path: Path, key: string, child: unknown): unknown {
  const copy = structuredClone(value);
  const target = at(copy, path);
  if (isRecord(target)) define(target, key, child);
  return copy;
}

// ---------------------------------------------------------------------------------------------

const ENGINE_VERSIONS = (
  readJson('tests/fixtures/aws/describe-cache-engine-versions.json') as {
    CacheEngineVersions: { Engine: string; EngineVersion: string; CacheParameterGroupFamily: string }[];
  }
).CacheEngineVersions;
const DEFAULT_VERSIONS: Record<string, string> = { redis: '7.1', valkey: '8.2' };

/** An ElastiCache client that answers DescribeCacheEngineVersions and records every command. */
export function recordingElastiCache() {
  const calls: string[] = [];
  return {
    calls,
    elastiCache: {
      async send(command: object) {
        calls.push(command.constructor.name.replace(/Command$/, ''));
        if (command instanceof DescribeCacheEngineVersionsCommand) {
          const { Engine, EngineVersion, DefaultOnly } = command.input;
          const wanted = DefaultOnly ? DEFAULT_VERSIONS[Engine ?? ''] : EngineVersion;
          return {
            CacheEngineVersions: ENGINE_VERSIONS.filter(
              (entry) => entry.Engine === Engine && entry.EngineVersion === wanted,
            ),
          };
        }
        throw new Error(`no answer for ${command.constructor.name}`);
      },
    },
  };
}

function recordingLogger(): Log & { lines: string[] } {
  const lines: string[] = [];
  const write = (message: string, ...extra: Record<string, unknown>[]) => {
    lines.push(JSON.stringify([message, ...extra]));
  };
  return { lines, info: write, warn: write, debug: write };
}

export class Violation extends Error {
  override readonly name = 'Violation';
}

export interface Verdict {
  accepted: boolean;
  /** Rejected by the checks that need no AWS call. */
  rejectedBeforeAnyCall: boolean;
  calls: string[];
  problems: Problem[];
  request?: NormalisedRequest;
}

const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
/** What normalisation adds to the request's own fields. */
const NORMALISED_KEYS = new Set([...REQUEST_FIELDS, 'CacheParameterGroupFamily', 'Notes']);

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : String(error);
}

function ownKeysDeep(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) ownKeysDeep(item, found);
  else if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      found.push(key);
      ownKeysDeep(value[key], found);
    }
  }
  return found;
}

/**
 * Runs the execution input through what ValidateRequest runs (prepareRequest, with an ElastiCache
 * that records its calls); throws a Violation for anything but a clean acceptance or rejection.
 */
export async function judge(input: unknown, secrets: readonly string[] = [MARKER]): Promise<Verdict> {
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).join();
  let pure: ReturnType<typeof validateRequest>;
  try {
    pure = validateRequest(input);
  } catch (error) {
    throw new Violation(`validation crashed instead of rejecting: ${describe(error)}`);
  }
  const { calls, elastiCache } = recordingElastiCache();
  const logger = recordingLogger();
  let request: NormalisedRequest | undefined;
  let failure: unknown;
  try {
    request = await prepareRequest({ elastiCache, logger }, input);
  } catch (error) {
    failure = error;
  }
  if (Object.getOwnPropertyNames(Object.prototype).join() !== prototypeBefore) {
    throw new Violation('Object.prototype was changed');
  }
  if (calls.some((call) => call !== 'DescribeCacheEngineVersions')) {
    throw new Violation(`calls other than the engine-version read: ${calls.join(', ')}`);
  }
  for (const secret of secrets) {
    if (logger.lines.some((line) => line.includes(secret)))
      throw new Violation('a log line quotes the input');
  }

  if (failure !== undefined) {
    if (!(failure instanceof ValidationError) || failure.name !== 'ValidationError') {
      throw new Violation(`rejected with something else than a ValidationError: ${describe(failure)}`);
    }
    if (failure.problems.length === 0) throw new Violation('a ValidationError without problems');
    for (const problem of failure.problems) {
      if (typeof problem.field !== 'string' || problem.field.trim() === '') {
        throw new Violation(`a problem without a field: ${JSON.stringify(problem)}`);
      }
      if (typeof problem.message !== 'string' || problem.message.trim() === '') {
        throw new Violation(`a problem without a message: ${JSON.stringify(problem)}`);
      }
    }
    for (const secret of secrets) {
      if (failure.message.includes(secret)) throw new Violation('a problem quotes the input back');
    }
    if (!pure.ok && calls.length > 0)
      throw new Violation('an AWS call was made for an input rejected without one');
    return {
      accepted: false,
      rejectedBeforeAnyCall: calls.length === 0,
      calls,
      problems: failure.problems,
    };
  }

  if (!pure.ok) throw new Violation('prepareRequest accepted what validateRequest rejects');
  if (!isRecord(request) || Object.getPrototypeOf(request) !== Object.prototype) {
    throw new Violation('the normalised request is not a plain object');
  }
  const serialised = JSON.stringify(request);
  if (JSON.stringify(JSON.parse(serialised)) !== serialised) throw new Violation('not plain JSON');
  const unknown = Object.keys(request).filter((key) => !NORMALISED_KEYS.has(key));
  if (unknown.length > 0) throw new Violation(`the normalised request holds ${unknown.join(', ')}`);
  const prototypeNamed = ownKeysDeep(request).filter(
    (key) => PROTOTYPE_NAMES.has(key) || key === '__proto__',
  );
  if (prototypeNamed.length > 0)
    throw new Violation(`the normalised request holds ${prototypeNamed.join(', ')}`);
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(request.ReplicationGroupId)) {
    throw new Violation('an accepted ReplicationGroupId breaks the naming rule');
  }
  for (const secret of secrets) {
    if (secret !== MARKER && serialised.includes(secret))
      throw new Violation('the normalised request holds a secret');
  }
  return { accepted: true, rejectedBeforeAnyCall: false, calls, problems: [], request };
}
