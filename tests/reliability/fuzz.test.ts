import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import { unwrapRequest } from '../../shared/executionInput';
import { coerceCustomResourceProperties } from '../../shared/request/coerce';
import { joinPath } from '../../shared/request/fields';
import { isPasswordKey } from '../../shared/request/inspect';
import { figuresWanted, fuzzRuns, recordFigure, violationCount } from './support/figures';
import {
  asCustomResourceProperties,
  eventBridgeEnvelope,
  hostileKey,
  hostileString,
  hostileValue,
  judge,
  knownFieldsAt,
  MARKER,
  mutatedSample,
  objectPathsOf,
  PROTOTYPE_KEYS,
  strangeKey,
  VALID_SAMPLES,
  type Verdict,
  validSample,
  withOwnKey,
} from './support/hostile';

const RUNS = fuzzRuns(200);

/**
 * Runs a property with fast-check (shrinking the first failure to a small counterexample). For the
 * figures of the reliability run, the same number of inputs is first judged without stopping, so
 * every kind of violation is counted, not only the first.
 */
async function fuzz<T>(property: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<Verdict>) {
  if (figuresWanted()) {
    const tally = { accepted: 0, rejected: 0, discarded: 0, violations: {} as Record<string, number> };
    for (const value of fc.sample(arbitrary, RUNS)) {
      try {
        const verdict = await check(value);
        if (verdict.accepted) tally.accepted++;
        else tally.rejected++;
      } catch (error) {
        // An input its property's precondition rules out was generated but never judged.
        if (error instanceof fc.PreconditionFailure) {
          tally.discarded++;
          continue;
        }
        const kind = error instanceof Error ? (error.message.split(':')[0] ?? error.name) : String(error);
        tally.violations[kind] = (tally.violations[kind] ?? 0) + 1;
      }
    }
    const checked = tally.accepted + tally.rejected + violationCount(tally.violations);
    recordFigure({ kind: 'fuzz', property, checked, ...tally });
  }
  let accepted = 0;
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      const verdict = await check(value);
      if (verdict.accepted) accepted++;
      else rejected++;
    }),
    { numRuns: RUNS },
  );
  return { accepted, rejected };
}

/** Nesting as deep as an execution input of at most 256 KB can hold (6 characters a level). */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = { a: value };
  return value;
}

describe('hostile requests are accepted or rejected with a ValidationError naming each field, never a crash', () => {
  it('every valid sample of the repository is accepted (the judge can accept)', async () => {
    // Act
    const verdicts = await Promise.all(VALID_SAMPLES.map((sample) => judge(sample)));

    // Assess
    expect(verdicts.length).toBeGreaterThan(5);
    expect(verdicts.filter((verdict) => !verdict.accepted).map((verdict) => verdict.problems)).toEqual([]);
  });

  it('anything at all as the execution input', async () => {
    const { rejected } = await fuzz(
      'anything at all',
      fc.oneof(fc.anything({ withNullPrototype: true, withMap: true }), fc.jsonValue(), hostileValue),
      (input) => judge(input),
    );
    expect(rejected).toBeGreaterThan(0);
  });

  it('valid samples mutated at random paths: wrong types, huge, unicode, injection-looking, nested', async () => {
    const { rejected } = await fuzz('mutated valid samples', mutatedSample, (input) => judge(input));
    expect(rejected).toBeGreaterThan(RUNS / 2);
  });

  it('hostile strings in every string field of a valid sample', async () => {
    await fuzz(
      'hostile strings in string fields',
      fc.tuple(validSample, fc.array(hostileString, { minLength: 30, maxLength: 30 })).filter(
        // One execution input holds at most 256 KB.
        ([, strings]) => strings.reduce((total, text) => total + text.length, 0) < 256_000,
      ),
      ([sample, strings]) => {
        let index = 0;
        const replace = (node: unknown): unknown => {
          if (typeof node === 'string') return strings[index++ % strings.length];
          if (Array.isArray(node)) return node.map(replace);
          if (typeof node === 'object' && node !== null) {
            return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, replace(child)]));
          }
          return node;
        };
        return judge(replace(sample));
      },
    );
  });

  it('a field the schema does not know, at any depth, is rejected under its own path', async () => {
    await fuzz(
      'unknown fields',
      fc.tuple(validSample, fc.nat(), strangeKey, hostileValue),
      async ([sample, pick, key, value]) => {
        const paths = objectPathsOf(sample).filter((path) => knownFieldsAt(path) !== undefined);
        const path = paths[pick % paths.length] ?? [];
        fc.pre(!(knownFieldsAt(path) ?? []).includes(key) && !PROTOTYPE_KEYS.includes(key));
        const verdict = await judge(withOwnKey(sample, path, key, value));
        const field = joinPath(
          path.reduce<string>((parent, part) => joinPath(parent, part), ''),
          key,
        );
        if (verdict.accepted) throw new Error(`unknown field ${field} was accepted`);
        if (
          !verdict.problems.some(
            (problem) => problem.field === field || problem.field.startsWith(`${field}.`),
          )
        ) {
          throw new Error(`no problem names ${field}: ${JSON.stringify(verdict.problems)}`);
        }
        return verdict;
      },
    );
  });

  it.each(PROTOTYPE_KEYS.map((key) => [key]))(
    'rejects "%s" as an unknown field and leaves Object.prototype alone',
    async (key) => {
      // Prepare: own keys, as JSON.parse makes them from an execution input.
      const input = JSON.parse(
        `{"ReplicationGroupId":"orders-cache","${key}":{"polluted":true,"prototype":{"polluted":true}}}`,
      );

      // Act
      const verdict = await judge(input);

      // Assess
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(verdict.accepted).toBe(false);
      expect(verdict.problems.map((problem) => problem.field)).toContain(key);
    },
  );

  it('rejects prototype names as unknown fields at every depth of a request', async () => {
    // Prepare
    const sample = VALID_SAMPLES.find((candidate) => 'Rbac' in candidate && 'Tags' in candidate);
    if (!sample) throw new Error('a sample with Rbac and Tags');
    const paths = objectPathsOf(sample).filter((path) => knownFieldsAt(path) !== undefined);

    // Act
    const missed: string[] = [];
    for (const path of paths) {
      for (const key of ['__proto__', 'constructor', 'toString']) {
        const verdict = await judge(withOwnKey(sample, path, key, { polluted: true }));
        const field = joinPath(
          path.reduce<string>((parent, part) => joinPath(parent, part), ''),
          key,
        );
        if (!verdict.problems.some((problem) => problem.field.startsWith(field))) missed.push(field);
      }
    }

    // Assess
    expect(paths.length).toBeGreaterThan(3);
    expect(missed).toEqual([]);
  });

  it.each([
    ['an unknown field', (deep: unknown) => ({ ReplicationGroupId: 'orders-cache', Extra: deep })],
    ['Tags', (deep: unknown) => ({ ReplicationGroupId: 'orders-cache', Tags: [deep] })],
    ['an RBAC user', (deep: unknown) => ({ ReplicationGroupId: 'orders-cache', Rbac: { Users: [deep] } })],
    [
      'an EventBridge detail',
      (deep: unknown) => ({ 'detail-type': 'x', source: 'y', detail: { Extra: deep } }),
    ],
  ])('rejects nesting 10,000 levels deep in %s (a 60 KB input) with a ValidationError', async (_, build) => {
    // Act
    const verdict = await judge(build(nested(10_000))).catch((error: unknown) => error);

    // Assess
    expect(verdict).not.toBeInstanceOf(Error);
    expect((verdict as Verdict).accepted).toBe(false);
  });
});

describe('EventBridge events (unwrapRequest)', () => {
  it('hostile envelopes around requests are accepted or rejected cleanly', async () => {
    await fuzz('EventBridge envelopes', eventBridgeEnvelope, (input) => judge(input));
  });

  it('an event carrying a valid request gives the request, its id as CorrelationId', async () => {
    await fuzz(
      'EventBridge around valid requests',
      fc.tuple(validSample, fc.uuid()),
      async ([detail, id]) => {
        const { CorrelationId: _own, ...request } = detail;
        const event = {
          'detail-type': 'ElastiCache Provisioning Requested',
          source: 'x',
          id,
          detail: request,
        };
        const direct = await judge(request);
        const viaEvent = await judge(event);
        expect(unwrapRequest(event)).toEqual({ ...request, CorrelationId: id });
        expect(viaEvent.accepted).toBe(direct.accepted);
        if (direct.request) expect(viaEvent.request).toEqual({ ...direct.request, CorrelationId: id });
        return viaEvent;
      },
    );
  });
});

describe('custom-resource properties (coerceCustomResourceProperties, then validation)', () => {
  it('a valid request handed over as strings, lists or JSON validates as the request itself', async () => {
    await fuzz(
      'custom-resource properties of valid requests',
      fc.tuple(validSample, fc.nat()),
      async ([request, style]) => {
        const { CorrelationId: _own, ...plain } = request;
        const direct = await judge(plain);
        const coerced = await judge(coerceCustomResourceProperties(asCustomResourceProperties(plain, style)));
        expect(coerced.accepted).toBe(direct.accepted);
        expect(coerced.request).toEqual(direct.request);
        return coerced;
      },
    );
  });

  it('hostile properties never make the coercion throw, and validate cleanly', async () => {
    await fuzz(
      'hostile custom-resource properties',
      fc.oneof(
        fc.tuple(mutatedSample, fc.nat()).map(([sample, style]) => asCustomResourceProperties(sample, style)),
        fc.dictionary(hostileKey, hostileValue, { maxKeys: 8 }),
        hostileValue,
      ),
      async (properties) => {
        let coerced: unknown;
        try {
          coerced = coerceCustomResourceProperties(properties);
        } catch (error) {
          throw new Error(`coercion threw ${(error as Error).name}: ${(error as Error).message}`);
        }
        return judge(coerced);
      },
    );
  });

  it('the response URL of the custom-resource bridge input is never part of the request or of a problem', async () => {
    const responseUrl = `https://cloudformation-custom-resource-response.s3.amazonaws.com/x?X-Amz-Signature=${MARKER}Signature`;
    await fuzz(
      'custom-resource bridge inputs',
      fc.tuple(fc.oneof(validSample, mutatedSample), fc.nat()),
      ([request, style]) => {
        const properties = asCustomResourceProperties(request, style);
        const input = {
          ...(typeof properties === 'object' && properties !== null ? properties : { Value: properties }),
          CustomResource: {
            RequestType: 'Create',
            ResponseURL: responseUrl,
            StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1',
            RequestId: 'request-1',
            LogicalResourceId: 'Cache',
          },
        };
        return judge(input, [responseUrl, 'X-Amz-Signature']);
      },
    );
  });
});

describe('the judge', () => {
  it('calls a crash a crash', async () => {
    // Prepare: a getter that throws, as a malicious object might.
    const input = {
      get ReplicationGroupId(): string {
        throw new TypeError('boom');
      },
    };

    // Act
    const outcome = await judge(input).catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toBe('Violation');
    expect(outcome).not.toBeInstanceOf(ValidationError);
  });

  it('knows password keys are refused wherever they appear', async () => {
    // Act
    const verdict = await judge({ ReplicationGroupId: 'orders-cache', Polling: { Password: MARKER } });

    // Assess
    expect(isPasswordKey('Password')).toBe(true);
    expect(verdict.problems.map((problem) => problem.field)).toEqual(['Polling.Password']);
  });
});
