/**
 * Section 1: cold start per function. Each functions/<name>.ts is bundled with esbuild as serverless-esbuild
 * would for production, and as a naive baseline (serverless-esbuild's defaults: CommonJS, esbuild's default
 * mainFields, so the SDK resolves to its CommonJS builds, not minified). Sizes come from the files; load time
 * is measured inside fresh node processes (performance.now() around the import), alternating production and
 * baseline so drift hits both alike.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import type { EsbuildSettings } from './serverless-config';
import { median } from './stats';

export const FUNCTIONS_DIR = fileURLToPath(new URL('../functions/', import.meta.url));

export interface BundleVariant {
  label: string;
  format: 'esm' | 'cjs';
  minify: boolean;
  mainFields: string[] | undefined;
  sourcemap: EsbuildSettings['sourcemap'];
  /** Production's banner (the ESM require shim); the naive baseline has none. */
  banner: Record<string, string> | undefined;
  /** Production's module substitutions; the naive baseline has none. */
  alias: Record<string, string> | undefined;
}

export interface BundleStats {
  file: string;
  bytes: number;
  /** Deflate (level 9) of the bundle and of its source map when one ships beside it: what the zip would weigh. */
  zippedBytes: number;
  /** Size of the source map file shipped beside the bundle (0 without one). */
  mapBytes: number;
  /** Bytes in the output per npm package (or `project` for our own files), largest first. */
  packages: { name: string; bytes: number }[];
}

export interface ColdStartResult {
  fn: string;
  production: BundleStats & LoadTimes;
  /** Production bundle imported without `--enable-source-maps` (measured only when production sets it). */
  withoutSourceMaps?: LoadTimes;
  baseline: BundleStats & LoadTimes;
  /** Median production load time / median baseline load time. */
  ratio: number;
  /** Median of the per-sample ratios (paired runs): less sensitive to drift than the ratio of medians. */
  pairedRatio: number;
  /** The same on CPU time (user + system of the importing process): barely moved by other load on the machine. */
  cpuRatio: number;
  error?: string;
}

export interface LoadTimes {
  /** Wall milliseconds of the import, one per fresh process. */
  loadMs: number[];
  /** CPU milliseconds (user + system) the import took in the same processes. */
  cpuMs: number[];
  medianMs: number;
  medianCpuMs: number;
}

export interface ImportTime {
  wallMs: number;
  cpuMs: number;
}

function loadTimes(samples: readonly ImportTime[]): LoadTimes {
  const loadMs = samples.map((s) => s.wallMs);
  const cpuMs = samples.map((s) => s.cpuMs);
  return { loadMs, cpuMs, medianMs: median(loadMs), medianCpuMs: median(cpuMs) };
}

/** functions/*.ts handlers (tests and declarations left out). */
export function listFunctions(dir = FUNCTIONS_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes('.test.'))
      .map((f) => basename(f, '.ts'))
      .sort();
  } catch {
    return [];
  }
}

export function packageOf(inputPath: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(inputPath);
  if (match?.[1]) return match[1];
  return `project:${inputPath.split('/')[0] ?? inputPath}`;
}

export function packagesByBytes(metafile: Metafile): { name: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

export async function bundleFunction(
  fn: string,
  outDir: string,
  settings: EsbuildSettings,
  variant: BundleVariant,
  functionsDir = FUNCTIONS_DIR,
): Promise<BundleStats> {
  const extension = variant.format === 'esm' ? 'mjs' : 'cjs';
  const file = join(outDir, `${fn}.${variant.label}.${extension}`);
  const result = await build({
    entryPoints: [join(functionsDir, `${fn}.ts`)],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: settings.target,
    format: variant.format,
    minify: variant.minify,
    ...(variant.mainFields ? { mainFields: variant.mainFields } : {}),
    external: settings.external,
    ...(variant.banner ? { banner: variant.banner } : {}),
    ...(variant.alias ? { alias: variant.alias } : {}),
    ...(settings.define ? { define: settings.define } : {}),
    ...(settings.treeShaking !== undefined ? { treeShaking: settings.treeShaking } : {}),
    ...(settings.legalComments ? { legalComments: settings.legalComments } : {}),
    keepNames: settings.keepNames,
    sourcemap: variant.sourcemap,
    sourcesContent: settings.sourcesContent,
    metafile: true,
    logLevel: 'silent',
  });
  const content = readFileSync(file);
  const mapFile = `${file}.map`;
  const shipsMap = variant.sourcemap !== false && variant.sourcemap !== 'inline' && existsSync(mapFile);
  const map = shipsMap ? readFileSync(mapFile) : undefined;
  return {
    file,
    bytes: statSync(file).size,
    zippedBytes:
      deflateRawSync(content, { level: 9 }).length + (map ? deflateRawSync(map, { level: 9 }).length : 0),
    mapBytes: map?.length ?? 0,
    packages: packagesByBytes(result.metafile),
  };
}

/** Environment a Lambda gives the handler (dummy credentials: nothing is called at import). */
const LAMBDA_LIKE_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SESSION_TOKEN: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  LAMBDA_TASK_ROOT: '/var/task',
};

/** One fresh node process importing the bundle; the wall and CPU milliseconds the import took, measured inside. */
export function measureImport(file: string, environment: Record<string, string> = {}): Promise<ImportTime> {
  const script = [
    'const cpu = process.cpuUsage();',
    'const started = performance.now();',
    `const loaded = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const wallMs = performance.now() - started;',
    'const used = process.cpuUsage(cpu);',
    'const handler = loaded.handler ?? loaded.default?.handler;',
    "if (typeof handler !== 'function') throw new Error('no handler export');",
    'process.stdout.write(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 }));',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...LAMBDA_LIKE_ENV, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      let measured: ImportTime | undefined;
      try {
        measured = JSON.parse(out) as ImportTime;
      } catch {
        measured = undefined;
      }
      if (code === 0 && measured) resolve(measured);
      else {
        const reason = err.split('\n').find((line) => /Error|error:/.test(line)) ?? err.slice(0, 200);
        reject(new Error(`import of ${basename(file)} failed (${code}): ${reason.trim()}`));
      }
    });
  });
}

export interface ColdStartOptions {
  settings: EsbuildSettings;
  /** The function's deployed environment (NODE_OPTIONS such as --enable-source-maps changes load time). */
  environmentOf?: (fn: string) => Record<string, string>;
  runs: number;
  functions?: string[];
  functionsDir?: string;
}

export function productionVariant(settings: EsbuildSettings): BundleVariant {
  return {
    label: 'production',
    format: settings.format,
    minify: settings.minify,
    mainFields: settings.mainFields,
    sourcemap: settings.sourcemap,
    banner: settings.banner,
    alias: settings.alias,
  };
}

/** serverless-esbuild with no options: CommonJS output, esbuild's default mainFields (main first), no minify. */
export const NAIVE_BASELINE: BundleVariant = {
  label: 'baseline',
  format: 'cjs',
  minify: false,
  mainFields: undefined,
  sourcemap: false,
  banner: undefined,
  alias: undefined,
};

function withoutSourceMapsFlag(environment: Record<string, string>): Record<string, string> | undefined {
  const options = environment.NODE_OPTIONS;
  if (!options?.includes('--enable-source-maps')) return undefined;
  return { ...environment, NODE_OPTIONS: options.replace('--enable-source-maps', '').trim() };
}

export async function measureColdStarts(options: ColdStartOptions): Promise<ColdStartResult[]> {
  const functions = options.functions ?? listFunctions(options.functionsDir);
  const outDir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    const built: { fn: string; production?: BundleStats; baseline?: BundleStats; error?: string }[] = [];
    for (const fn of functions) {
      try {
        const production = await bundleFunction(
          fn,
          outDir,
          options.settings,
          productionVariant(options.settings),
          options.functionsDir,
        );
        const baseline = await bundleFunction(
          fn,
          outDir,
          options.settings,
          NAIVE_BASELINE,
          options.functionsDir,
        );
        // One discarded import each: the first read of a file pays the page cache, not the cold start.
        await measureImport(production.file, options.environmentOf?.(fn));
        await measureImport(baseline.file, options.environmentOf?.(fn));
        built.push({ fn, production, baseline });
      } catch (err) {
        built.push({ fn, error: err instanceof Error ? err.message : String(err) });
      }
    }
    const samples = new Map<
      string,
      { production: ImportTime[]; baseline: ImportTime[]; withoutMaps: ImportTime[] }
    >();
    for (let run = 0; run < options.runs; run += 1) {
      for (const entry of built) {
        if (!entry.production || !entry.baseline) continue;
        const environment = options.environmentOf?.(entry.fn) ?? {};
        const noMaps = withoutSourceMapsFlag(environment);
        const times = samples.get(entry.fn) ?? { production: [], baseline: [], withoutMaps: [] };
        const production = async () =>
          times.production.push(await measureImport(entry.production?.file ?? '', environment));
        const baseline = async () =>
          times.baseline.push(await measureImport(entry.baseline?.file ?? '', environment));
        const withoutMaps = async () => {
          if (noMaps) times.withoutMaps.push(await measureImport(entry.production?.file ?? '', noMaps));
        };
        // Rotate the order so no variant always gets the warmer (or busier) moment.
        const order = [production, baseline, withoutMaps];
        for (let i = 0; i < order.length; i += 1)
          await (order[(i + run) % order.length] as () => Promise<unknown>)();
        samples.set(entry.fn, times);
      }
    }
    return built.map((entry) => {
      const times = samples.get(entry.fn);
      if (!entry.production || !entry.baseline || !times) {
        const empty = {
          file: '',
          bytes: 0,
          zippedBytes: 0,
          mapBytes: 0,
          packages: [],
          loadMs: [],
          cpuMs: [],
          medianMs: Number.NaN,
          medianCpuMs: Number.NaN,
        };
        return {
          fn: entry.fn,
          production: empty,
          baseline: empty,
          ratio: Number.NaN,
          pairedRatio: Number.NaN,
          cpuRatio: Number.NaN,
          error: entry.error ?? 'not built',
        };
      }
      const production = loadTimes(times.production);
      const baseline = loadTimes(times.baseline);
      return {
        fn: entry.fn,
        production: { ...entry.production, ...production },
        ...(times.withoutMaps.length > 0 ? { withoutSourceMaps: loadTimes(times.withoutMaps) } : {}),
        baseline: { ...entry.baseline, ...baseline },
        ratio: production.medianMs / baseline.medianMs,
        pairedRatio: median(production.loadMs.map((p, i) => p / (baseline.loadMs[i] ?? Number.NaN))),
        cpuRatio: median(production.cpuMs.map((p, i) => p / (baseline.cpuMs[i] ?? Number.NaN))),
      };
    });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
