/**
 * The web console on the local endpoint's port: the page and its script (bundled once from
 * local/console/public/ by esbuild, so nothing comes from a CDN), and a few read-only routes the AWS
 * APIs have no answer for: the samples under events/, the request's JSON Schema, where a
 * replication group's CA certificate is, and what the endpoint is (`npm run provision` looks for it).
 * Everything else the page shows comes from the AWS APIs on the same port, as any client calls them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_STAGE, type LocalEnvironment } from '../environment';

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

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}

const json = (response: ServerResponse, status: number, value: unknown) =>
  send(response, status, 'application/json', JSON.stringify(value));

/** The GET routes of the console; answers false for any other path (the AWS APIs). */
export function consoleRoutes(
  environment: LocalEnvironment,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  const description = describeEndpoint(environment);
  return (request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const asset = STATIC[pathname] ?? (pathname.startsWith('/execution/') ? STATIC['/'] : undefined);
    if (asset) {
      send(response, 200, asset.type, readFileSync(path.join(PUBLIC_DIR, asset.file), 'utf8'));
      return true;
    }
    if (pathname === '/favicon.ico') {
      send(response, 204, 'image/x-icon', '');
      return true;
    }
    if (pathname === '/console/app.js') {
      consoleScript().then(
        (script) => send(response, 200, 'text/javascript; charset=utf-8', script),
        (err: unknown) => send(response, 500, 'text/plain', String(err)),
      );
      return true;
    }
    if (pathname === '/local/endpoint') {
      json(response, 200, description);
      return true;
    }
    if (pathname === '/local/samples') {
      json(response, 200, samples());
      return true;
    }
    if (pathname === '/local/schema') {
      send(
        response,
        200,
        'application/json',
        readFileSync(path.join(REPO_ROOT, 'schema/provision-request.schema.json'), 'utf8'),
      );
      return true;
    }
    const group = /^\/local\/replication-groups\/([^/]+)$/.exec(pathname);
    if (group?.[1]) {
      const caCertificate = environment.standIn.caCertificatePath(decodeURIComponent(group[1]));
      json(response, 200, { caCertificate: caCertificate ?? null });
      return true;
    }
    return false;
  };
}
