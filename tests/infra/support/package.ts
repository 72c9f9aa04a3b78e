/** `serverless package` into a temporary directory, and readers for what it produces. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SERVERLESS = createRequire(import.meta.url).resolve('serverless/bin/serverless.js');
const run = promisify(execFile);

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  [attribute: string]: unknown;
}

export interface Template {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
}

export interface PackageOutput {
  directory: string;
  template: Template;
  /** The service configuration as serverless resolved it (functions, custom.esbuild, ...). */
  service: {
    functions: Record<string, { handler: string; timeout?: number }>;
    custom: { esbuild: Record<string, unknown> };
  };
  seconds: number;
}

const LOCK = join(tmpdir(), 'elasticache-provisioner-packaging.lock');
const STALE_LOCK_MS = 5 * 60 * 1000;

/**
 * `serverless package` builds in the project's own `.esbuild/` folder, so two runs at once (test files
 * run in parallel workers) would overwrite each other's bundles: one runs at a time, across processes.
 */
async function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a process that died while packaging.
      const since = statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > STALE_LOCK_MS) {
        rmSync(LOCK, { recursive: true, force: true });
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export function packageService(stage: string): Promise<PackageOutput> {
  return oneAtATime(() => packageServiceNow(stage));
}

async function packageServiceNow(stage: string): Promise<PackageOutput> {
  const directory = mkdtempSync(join(tmpdir(), 'provisioner-package-'));
  const started = Date.now();
  await run(process.execPath, [SERVERLESS, 'package', '--package', directory, '--stage', stage], {
    cwd: ROOT,
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const seconds = (Date.now() - started) / 1000;
  const read = (name: string) => JSON.parse(readFileSync(join(directory, name), 'utf8'));
  const state = read('serverless-state.json') as { service: PackageOutput['service'] };
  return {
    directory,
    template: read('cloudformation-template-update-stack.json'),
    service: state.service,
    seconds,
  };
}

export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

type Policy = { PolicyName: string; PolicyDocument: { Statement: Statement[] } };
/** An inline policy, or one the role holds only under a condition: `Fn::If: [condition, policy, AWS::NoValue]`. */
export type InlinePolicy = Policy | { 'Fn::If': [string, Policy, unknown] };

export function policyOf(policy: InlinePolicy): Policy | undefined {
  return 'Fn::If' in policy ? policy['Fn::If'][1] : policy;
}

/** A role's statements, those of a policy it holds only under a condition included. */
export function statementsOf(role: CfnResource): Statement[] {
  const policies = (role.Properties?.Policies ?? []) as InlinePolicy[];
  return policies.flatMap((policy) => policyOf(policy)?.PolicyDocument.Statement ?? []);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}
