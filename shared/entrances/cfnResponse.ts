/**
 * The answer to a CloudFormation custom-resource request: a JSON document PUT to the request's
 * pre-signed ResponseURL. CloudFormation refuses bodies above 4096 bytes, so every body is built
 * to fit. The URL is a credential: it never appears in a log line or an error message.
 */
import type { Clock } from '../clock';
import { ResultNotDelivered } from '../errors';
import type { Log } from '../logger';

export const MAX_RESPONSE_BYTES = 4096;

export interface CfnResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, string>;
}

export type ResponseSender = (responseUrl: string, response: CfnResponse) => Promise<void>;

export function responseBytes(response: CfnResponse): number {
  return Buffer.byteLength(JSON.stringify(response), 'utf8');
}

/** `reason` shortened (with an ellipsis) so that the response carrying it fits the size limit. */
export function fitReason(response: Omit<CfnResponse, 'Reason'>, reason: string): string {
  const room = MAX_RESPONSE_BYTES - responseBytes({ ...response, Reason: '' });
  // Measured as JSON: escaping and multi-byte characters make bytes and characters differ.
  const size = (text: string) => Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
  if (size(reason) <= room) return reason;
  let low = 0;
  let high = reason.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (size(`${reason.slice(0, middle)}…`) <= room) low = middle;
    else high = middle - 1;
  }
  return `${reason.slice(0, low)}…`;
}

export interface ResponseSenderOptions {
  fetch?: typeof globalThis.fetch;
  clock: Pick<Clock, 'sleep'>;
  logger: Log;
  /** Total attempts on network errors and 5xx answers. */
  attempts?: number;
  /** First pause between attempts, doubled each time. */
  baseDelayMs?: number;
  /** Limit of one attempt: fetch itself never gives up on a server that does not answer. */
  attemptTimeoutMs?: number;
}

export function createResponseSender(options: ResponseSenderOptions): ResponseSender {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const attempts = options.attempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;

  return async (responseUrl, response) => {
    const body = JSON.stringify(response);
    const size = Buffer.byteLength(body, 'utf8');
    if (size > MAX_RESPONSE_BYTES) {
      throw new ResultNotDelivered(
        `CloudFormation response is ${size} bytes; the limit is ${MAX_RESPONSE_BYTES}`,
      );
    }
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const answer = await fetchImpl(responseUrl, {
          method: 'PUT',
          // The URL is signed for an empty content type: any other value makes S3 refuse the signature.
          headers: { 'content-type': '' },
          body,
          signal: AbortSignal.timeout(attemptTimeoutMs),
        });
        // Drained so the connection can be reused or closed.
        await answer.arrayBuffer().catch(() => undefined);
        if (answer.ok) {
          options.logger.info('CloudFormation response sent', {
            Status: response.Status,
            LogicalResourceId: response.LogicalResourceId,
            RequestId: response.RequestId,
            Bytes: size,
          });
          return;
        }
        lastProblem = `HTTP ${answer.status}`;
        // 4xx (an expired or tampered URL) will not get better by trying again.
        if (answer.status < 500) break;
      } catch (err) {
        // Network errors carry the URL in their details: only the names are kept.
        lastProblem = describeNetworkError(err);
      }
      options.logger.warn('CloudFormation response not accepted yet', {
        Attempt: attempt,
        Problem: lastProblem,
        RequestId: response.RequestId,
      });
      if (attempt < attempts) await options.clock.sleep(baseDelayMs * 2 ** (attempt - 1));
    }
    throw new ResultNotDelivered(
      `CloudFormation response (${response.Status}) for ${response.LogicalResourceId} was not accepted: ${lastProblem}`,
    );
  };
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return 'network error';
  const cause = (err as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? `${err.name} (${code})` : err.name;
}
