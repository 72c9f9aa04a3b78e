/**
 * The parts of serverless.yml the bench needs: serverless-esbuild's build options, and the memory and
 * architecture each function is deployed with. Missing file or fields fall back to documented defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';

export const SERVERLESS_YML = new URL('../serverless.yml', import.meta.url);

/** The esbuild options serverless-esbuild passes through (its own options stripped). */
export interface EsbuildSettings {
  format: 'esm' | 'cjs';
  minify: boolean;
  mainFields: string[] | undefined;
  target: string;
  external: string[];
  banner: Record<string, string> | undefined;
  keepNames: boolean;
  define: Record<string, string> | undefined;
  treeShaking: boolean | undefined;
  legalComments: 'none' | 'inline' | 'eof' | 'linked' | 'external' | undefined;
  sourcemap: boolean | 'linked' | 'inline' | 'external' | 'both';
  sourcesContent: boolean;
  /** Module substitutions (e.g. the env-only credential provider), paths made absolute. */
  alias: Record<string, string> | undefined;
  /** Where each value came from, for the notes under the table. */
  notes: string[];
}

export interface DeploySettings {
  found: boolean;
  esbuild: EsbuildSettings;
  /** Memory (MB) per function name; `undefined` entries mean the file says nothing. */
  memoryOf(fn: string): number | undefined;
  timeoutOf(fn: string): number | undefined;
  /** Literal environment variables the function gets (provider + function; unresolved `${...}` values left out). */
  environmentOf(fn: string): Record<string, string>;
  architecture: string | undefined;
}

type Yaml = Record<string, unknown>;

function asRecord(value: unknown): Yaml | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Yaml) : undefined;
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function literalEnvironment(value: unknown): Record<string, string> {
  const record = asRecord(value) ?? {};
  return Object.fromEntries(
    Object.entries(record).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && !e[1].includes('${'),
    ),
  );
}

export function readDeploySettings(path: URL | string = SERVERLESS_YML): DeploySettings {
  const found = existsSync(path);
  // CloudFormation tags (!GetAtt, !Ref ...) are kept as plain values: nothing here reads them.
  const doc = found ? (asRecord(parse(readFileSync(path, 'utf8'), { logLevel: 'silent' })) ?? {}) : {};
  const provider = asRecord(doc.provider) ?? {};
  const functions = asRecord(doc.functions) ?? {};
  const custom = asRecord(asRecord(doc.custom)?.esbuild);
  const notes: string[] = [];
  if (!found)
    notes.push('serverless.yml not found: esbuild options are the project defaults (esm, minified)');
  else if (!custom)
    notes.push('serverless.yml has no custom.esbuild: serverless-esbuild defaults apply (cjs, not minified)');

  // Without custom.esbuild serverless-esbuild builds cjs unminified; without serverless.yml the project's production
  // options (esm, minify, ESM-first mainFields) stand in.
  const fallbackFormat = found ? 'cjs' : 'esm';
  const format = custom?.format === 'esm' || custom?.format === 'cjs' ? custom.format : fallbackFormat;
  const minify = typeof custom?.minify === 'boolean' ? custom.minify : !found;
  const mainFieldsRaw = stringList(custom?.mainFields);
  const mainFields = mainFieldsRaw.length > 0 ? mainFieldsRaw : found ? undefined : ['module', 'main'];
  const target = typeof custom?.target === 'string' ? custom.target : 'node22';
  const exclude = custom && 'exclude' in custom ? stringList(custom.exclude) : ['aws-sdk'];
  const external = [...stringList(custom?.external), ...(exclude.includes('*') ? [] : exclude)];
  const bannerRecord = asRecord(custom?.banner);
  const banner = bannerRecord
    ? Object.fromEntries(
        Object.entries(bannerRecord).filter((e): e is [string, string] => typeof e[1] === 'string'),
      )
    : undefined;
  const defineRecord = asRecord(custom?.define);
  const define = defineRecord
    ? Object.fromEntries(
        Object.entries(defineRecord).filter((e): e is [string, string] => typeof e[1] === 'string'),
      )
    : undefined;
  const aliasRecord = asRecord(custom?.alias);
  const alias = aliasRecord
    ? Object.fromEntries(
        Object.entries(aliasRecord)
          .filter((e): e is [string, string] => typeof e[1] === 'string')
          // serverless-esbuild resolves relative paths from the service folder.
          .map(([from, to]) => [
            from,
            to.startsWith('.')
              ? fileURLToPath(new URL(to, typeof path === 'string' ? pathToFileURL(path) : path))
              : to,
          ]),
      )
    : undefined;
  const legal = custom?.legalComments;
  const legalComments =
    legal === 'none' || legal === 'inline' || legal === 'eof' || legal === 'linked' || legal === 'external'
      ? legal
      : undefined;
  const sourcemapRaw = custom?.sourcemap;
  const sourcemap =
    sourcemapRaw === true ||
    sourcemapRaw === 'linked' ||
    sourcemapRaw === 'inline' ||
    sourcemapRaw === 'external' ||
    sourcemapRaw === 'both'
      ? sourcemapRaw
      : false;
  if (found && custom) {
    notes.push(
      `build options from serverless.yml custom.esbuild: format ${format}, minify ${minify}, mainFields ${
        mainFields ? mainFields.join(',') : 'esbuild default (main,module)'
      }, target ${target}, sourcemap ${String(sourcemap)}, alias ${alias ? Object.keys(alias).join(',') : 'none'}`,
    );
  }

  return {
    found,
    esbuild: {
      format,
      minify,
      mainFields,
      target,
      external,
      banner,
      keepNames: custom?.keepNames === true,
      define,
      treeShaking: typeof custom?.treeShaking === 'boolean' ? custom.treeShaking : undefined,
      legalComments,
      sourcemap,
      sourcesContent: custom?.sourcesContent !== false,
      alias,
      notes,
    },
    memoryOf: (fn) => asNumber(asRecord(functions[fn])?.memorySize) ?? asNumber(provider.memorySize),
    timeoutOf: (fn) => asNumber(asRecord(functions[fn])?.timeout) ?? asNumber(provider.timeout),
    environmentOf: (fn) => ({
      ...literalEnvironment(provider.environment),
      ...literalEnvironment(asRecord(functions[fn])?.environment),
    }),
    architecture:
      (typeof provider.architecture === 'string' ? provider.architecture : undefined) ??
      (typeof asRecord(functions.waitAvailable)?.architecture === 'string'
        ? (asRecord(functions.waitAvailable)?.architecture as string)
        : undefined),
  };
}
