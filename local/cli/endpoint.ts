/**
 * Finding the local endpoint `npm run local` runs, so that `npm run provision` and `npm run teardown`
 * start their executions there (and they show up in its console) instead of in a stand-in of their own.
 */
import type { EndpointDescription } from '../console/server';

/** `npm run local` listens here unless told otherwise (`--port N`, `--port 0`). */
export const DEFAULT_LOCAL_PORT = 4599;
export const DEFAULT_LOCAL_ENDPOINT = `http://127.0.0.1:${DEFAULT_LOCAL_PORT}`;

// Generous: a busy endpoint runs executions on the same event loop; a closed port answers at once.
const PROBE_TIMEOUT_MS = 5000;

/** The endpoint's description when a local endpoint answers at `url`, else undefined. */
export async function probeEndpoint(url: string): Promise<EndpointDescription | undefined> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, '')}/local/endpoint`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    if (!response.ok) return undefined;
    const description = (await response.json()) as Partial<EndpointDescription>;
    return description.service === 'elasticache-provisioner'
      ? (description as EndpointDescription)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The running local endpoint to use: `--endpoint` when given, else AWS_ENDPOINT_URL when it is a
 * local one (what `npm run local` says to export), else the default port.
 */
export async function findLocalEndpoint(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EndpointDescription | undefined> {
  if (explicit) return probeEndpoint(explicit);
  const candidates = [env.AWS_ENDPOINT_URL, DEFAULT_LOCAL_ENDPOINT].filter(
    (url): url is string => url !== undefined && /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(url),
  );
  for (const url of new Set(candidates)) {
    const found = await probeEndpoint(url);
    if (found) return found;
  }
  return undefined;
}
