import {
  type CacheEngineVersion,
  DescribeCacheEngineVersionsCommand,
  type DescribeCacheEngineVersionsCommandInput,
} from '@aws-sdk/client-elasticache';
import type { AwsStub } from 'aws-sdk-client-mock';
import { readJson } from './support';

interface Catalogue {
  Defaults: Record<string, string>;
  CacheEngineVersions: CacheEngineVersion[];
}

/** Answers DescribeCacheEngineVersions from the fixture catalogue, as ElastiCache filters it. */
export function answerFromCatalogue(
  // biome-ignore lint/suspicious/noExplicitAny: the stub's input/output types are the client's own.
  stub: AwsStub<any, any, any>,
  defaults: Record<string, string> = {},
): void {
  const catalogue = readJson('tests/fixtures/requests/describe-cache-engine-versions.json') as Catalogue;
  const defaultOf = { ...catalogue.Defaults, ...defaults };
  stub.on(DescribeCacheEngineVersionsCommand).callsFake((input: DescribeCacheEngineVersionsCommandInput) => ({
    CacheEngineVersions: catalogue.CacheEngineVersions.filter(
      (entry) =>
        entry.Engine === input.Engine &&
        (input.EngineVersion === undefined || entry.EngineVersion === input.EngineVersion) &&
        (!input.DefaultOnly || entry.EngineVersion === defaultOf[entry.Engine ?? '']),
    ),
  }));
}
