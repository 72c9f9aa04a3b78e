/**
 * `serverless package` output, made once per content of what goes into it: the result is kept in a
 * temporary directory named after a hash of serverless.yml, the state machine definitions, the
 * function sources and the lock file, so a second run of the tests does not package again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type PackageOutput, packageService, ROOT, type Template } from '../../infra/support/package';

const PREFIX = 'elasticache-provisioner-packaged-';
export const STAGE = 'reliability';

function filesUnder(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function contentHash(): string {
  const hash = createHash('sha256');
  const inputs = [
    join(ROOT, 'serverless.yml'),
    join(ROOT, 'package-lock.json'),
    ...filesUnder(join(ROOT, 'statemachines')),
    ...filesUnder(join(ROOT, 'functions')),
    ...filesUnder(join(ROOT, 'shared')),
    ...filesUnder(join(ROOT, 'servicecatalog')),
  ].sort();
  for (const file of inputs) {
    hash.update(relative(ROOT, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function read<T>(directory: string, name: string): T {
  return JSON.parse(readFileSync(join(directory, name), 'utf8')) as T;
}

export interface Packaged {
  directory: string;
  template: Template;
  service: PackageOutput['service'];
}

export async function packaged(): Promise<Packaged> {
  const directory = join(tmpdir(), `${PREFIX}${contentHash()}`);
  const complete = join(directory, 'serverless-state.json');
  if (!existsSync(complete)) {
    const fresh = await packageService(STAGE);
    try {
      renameSync(fresh.directory, directory);
    } catch {
      // Packaged meanwhile by another run: keep that one.
      rmSync(fresh.directory, { recursive: true, force: true });
    }
    for (const name of readdirSync(tmpdir())) {
      if (name.startsWith(PREFIX) && join(tmpdir(), name) !== directory) {
        rmSync(join(tmpdir(), name), { recursive: true, force: true });
      }
    }
  }
  return {
    directory,
    template: read<Template>(directory, 'cloudformation-template-update-stack.json'),
    service: read<{ service: PackageOutput['service'] }>(directory, 'serverless-state.json').service,
  };
}
