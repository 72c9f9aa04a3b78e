/**
 * The AWS SDK commands a function's bundle contains, read from esbuild's metafile: after
 * tree-shaking, a command module is in the bundle exactly when the function's code sends it.
 */
import { build } from 'esbuild';

const COMMAND_MODULE = /@aws-sdk\/client-([a-z-]+)\/dist-[a-z]+\/commands\/(\w+)Command\.js$/;
const IAM_PREFIX: Record<string, string> = {
  elasticache: 'elasticache',
  'secrets-manager': 'secretsmanager',
  eventbridge: 'events',
  sfn: 'states',
};

export interface BundleOptions {
  format?: unknown;
  target?: unknown;
  platform?: unknown;
  mainFields?: unknown;
}

/** IAM action names (`elasticache:CreateUser`) of the SDK commands bundled from `entry`. */
export async function sdkActionsOf(entry: string, options: BundleOptions): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    metafile: true,
    outdir: 'out',
    logLevel: 'silent',
    format: options.format as 'esm' | 'cjs',
    target: options.target as string,
    platform: options.platform as 'node',
    mainFields: options.mainFields as string[],
  });
  const actions = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = COMMAND_MODULE.exec(input);
      if (!match || bytesInOutput === 0) continue;
      const [, client = '', command = ''] = match;
      actions.add(`${IAM_PREFIX[client] ?? client}:${command}`);
    }
  }
  return [...actions].sort();
}
