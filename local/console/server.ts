/**
 * The web console on the local endpoint's port: the page and its script (bundled once from
 * local/console/public/ by esbuild, so nothing comes from a CDN), and a few read-only routes the AWS
 * APIs have no answer for: the samples under events/, the request's JSON Schema, where a
 * replication group's CA certificate is, and what the endpoint is (`npm run provision` looks for it).
 * Everything else the page shows comes from the AWS APIs on the same port, as any client calls them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_STAGE, type LocalEnvironment } from '../environment';
import type { HttpRoute, WireAnswer } from '../standin';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What `npm run local` prints when ready, and what GET /local/endpoint answers. */
export interface EndpointDescription {
  service: 'elasticache-provisioner';
  endpoint: string;
  console: string;
  region: string;
  account: string;
  stage: string;
  stateMachines: Record<string, string>;
  nodes: 'redis-server' | 'simulated';
}

export function describeEndpoint(environment: LocalEnvironment): EndpointDescription {
  const endpoint = environment.standIn.url;
  return {
    service: 'elasticache-provisioner',
    endpoint,
    console: `${endpoint}/`,
    region: LOCAL_REGION,
    account: LOCAL_ACCOUNT,
    stage: LOCAL_STAGE,
    stateMachines: environment.stateMachineArns,
    nodes: environment.nodeKind,
  };
}

export interface Sample {
  name: string;
  document: unknown;
}

/** The JSON files under events/ (the invalid ones under `invalid/`), for "Start execution". */
export function samples(): Sample[] {
  const read = (dir: string, prefix: string): Sample[] =>
    readdirSync(path.join(REPO_ROOT, dir))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => ({
        name: `${prefix}${file.replace(/\.json$/, '')}`,
        document: JSON.parse(readFileSync(path.join(REPO_ROOT, dir, file), 'utf8')) as unknown,
      }));
  return [...read('events', ''), ...read('events/invalid', 'invalid/')];
}

let bundle: Promise<string> | undefined;

/** The page's script with its libraries, built once per process (esbuild, a few hundred ms). */
export function consoleScript(): Promise<string> {
  bundle ??= import('esbuild').then(async ({ build }) => {
    const result = await build({
      entryPoints: [path.join(PUBLIC_DIR, 'app.js')],
      bundle: true,
      format: 'esm',
      minify: true,
      write: false,
      target: 'es2022',
      logLevel: 'silent',
    });
    return result.outputFiles[0]?.text ?? '';
  });
  return bundle;
}

const answer = (status: number, contentType: string, body: string): WireAnswer => ({
  status,
  contentType,
  body,
  headers: { 'cache-control': 'no-store' },
});
const json = (value: unknown) => answer(200, 'application/json', JSON.stringify(value));
const file = (name: string, contentType: string) => () =>
  answer(200, contentType, readFileSync(path.join(PUBLIC_DIR, name), 'utf8'));

/**
 * The console's routes (GET, exact paths); the AWS APIs answer everything else. `environment` is
 * read when a request comes, once the environment runs.
 */
export function consoleRoutes(environment: () => LocalEnvironment): HttpRoute[] {
  const get = (routePath: string, handle: HttpRoute['handle']): HttpRoute => ({
    method: 'GET',
    path: routePath,
    handle,
  });
  return [
    get('/', file('index.html', 'text/html; charset=utf-8')),
    get('/console/style.css', file('style.css', 'text/css; charset=utf-8')),
    get('/console/app.js', async () => answer(200, 'text/javascript; charset=utf-8', await consoleScript())),
    get('/favicon.ico', () => answer(204, 'image/x-icon', '')),
    get('/local/endpoint', () => json(describeEndpoint(environment()))),
    get('/local/samples', () => json(samples())),
    get('/local/schema', () =>
      answer(
        200,
        'application/json',
        readFileSync(path.join(REPO_ROOT, 'schema/provision-request.schema.json'), 'utf8'),
      ),
    ),
    // Where each replication group's CA certificate is (TLS groups with real nodes): no AWS API says.
    get('/local/replication-groups', () => {
      const { standIn } = environment();
      return json(
        Object.fromEntries(
          [...standIn.state.replicationGroups.keys()].map((id) => [
            id,
            { caCertificate: standIn.caCertificatePath(id) ?? null },
          ]),
        ),
      );
    }),
  ];
}
