/**
 * The AWS calls a function's code can make, read from its TypeScript sources: every module reachable
 * from functions/<name>.ts through its imports, and in each the SDK commands it imports and uses as
 * a value (`new XCommand(`, or the class in a table of commands). A static walk, so it errs on the side of more calls, never fewer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** IAM service prefix of each `@aws-sdk/client-<name>` package. */
const IAM_PREFIX: Record<string, string> = {
  elasticache: 'elasticache',
  'secrets-manager': 'secretsmanager',
  sfn: 'states',
  eventbridge: 'events',
  cloudformation: 'cloudformation',
  'cloudwatch-logs': 'logs',
  lambda: 'lambda',
  iam: 'iam',
  kms: 'kms',
  s3: 's3',
  sts: 'sts',
};

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+['"]([^'"]+)['"]/g;
const BARE_IMPORT = /(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;
const DYNAMIC_IMPORT = /import\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveModule(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => existsSync(candidate));
}

/** `{ A, B as C, type D }` -> local name -> imported name, types left out. */
function namedImports(clause: string): Map<string, string> {
  const names = new Map<string, string>();
  const braces = /\{([\s\S]*)\}/.exec(clause)?.[1];
  if (!braces) return names;
  for (const part of braces.split(',')) {
    const item = part.trim();
    if (item === '' || item.startsWith('type ')) continue;
    const [imported = '', local = imported] = item.split(/\s+as\s+/).map((name) => name.trim());
    names.set(local, imported);
  }
  return names;
}

export interface SdkCalls {
  /** IAM actions, e.g. `elasticache:CreateUser`, sorted. */
  actions: string[];
  /** Source files reached, relative to the project. */
  modules: string[];
}

export function sdkCallsOf(root: string, entry: string): SdkCalls {
  const actions = new Set<string>();
  const seen = new Set<string>();
  const pending = [resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const code = source.replace(IMPORT, '');
    for (const match of source.matchAll(IMPORT)) {
      const [, keyword, typeOnly, clause = '', specifier = ''] = match;
      const client = /^@aws-sdk\/client-([a-z0-9-]+)$/.exec(specifier)?.[1];
      if (client && keyword === 'import' && !typeOnly) {
        for (const [local, imported] of namedImports(clause)) {
          if (!imported.endsWith('Command')) continue;
          // Sent where it is constructed, or where the class is handed on as a value (a table of commands).
          if (!new RegExp(`\\b${local}\\b`).test(code)) continue;
          actions.add(`${IAM_PREFIX[client] ?? client}:${imported.slice(0, -'Command'.length)}`);
        }
      }
      if (typeOnly) continue;
      const next = resolveModule(file, specifier);
      if (next) pending.push(next);
    }
    for (const match of [...source.matchAll(BARE_IMPORT), ...source.matchAll(DYNAMIC_IMPORT)]) {
      const next = resolveModule(file, match[1] ?? '');
      if (next) pending.push(next);
    }
  }
  return {
    actions: [...actions].sort(),
    modules: [...seen].map((file) => relative(root, file)).sort(),
  };
}

/**
 * Permissions a call needs beyond its own name: tags sent with a create are authorised as a tagging
 * call, the first ElastiCache resource of an account creates its service-linked role, a final
 * snapshot on delete is a snapshot creation.
 */
export const IMPLIED_ACTIONS: Record<string, string[]> = {
  'elasticache:CreateUser': ['elasticache:AddTagsToResource'],
  'elasticache:CreateUserGroup': ['elasticache:AddTagsToResource'],
  'elasticache:CreateReplicationGroup': [
    'elasticache:AddTagsToResource',
    'iam:CreateServiceLinkedRole',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVpcs',
    // Each RDB file of SnapshotArns (ElastiCache API permissions reference).
    's3:GetObject',
  ],
  'elasticache:DeleteReplicationGroup': ['elasticache:CreateSnapshot'],
  'secretsmanager:CreateSecret': ['secretsmanager:TagResource'],
  'secretsmanager:RotateSecret': ['lambda:InvokeFunction'],
};
