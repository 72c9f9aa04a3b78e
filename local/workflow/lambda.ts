/**
 * Calls a handler the way the Lambda service does for the Step Functions `lambda:invoke` integration:
 * the event is the resolved `Payload`, the result comes back JSON-serialised under `Payload`, and an
 * error becomes the Error/Cause pair Step Functions reports (Cause = {"errorType","errorMessage","trace"}).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Any function handler of this project (middy handlers take their typed event and a Lambda context). */
export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

/**
 * A function error as Step Functions sees it. The name is the thrown error's name (Retry and Catch
 * match on it); the message is the Cause JSON, so `States.StringToJson($.error.Cause)` works as in AWS.
 * No `cause` option: the local engine would report that object as the Cause instead of the message.
 */
export class FunctionError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;

  constructor(errorType: string, errorMessage: string, trace: string[]) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }
}

export interface InvokeOptions {
  functionName: string;
  /** What the function's `getRemainingTimeInMillis` starts from. */
  timeoutMs: number;
}

export async function invokeAsLambda(
  handler: LambdaHandler,
  event: unknown,
  { functionName, timeoutMs }: InvokeOptions,
): Promise<unknown> {
  let result: unknown;
  try {
    result = await (handler as (event: unknown, context: Context) => Promise<unknown>)(
      structuredClone(event),
      lambdaContext(functionName, timeoutMs),
    );
  } catch (err) {
    throw toFunctionError(err);
  }
  // Lambda serialises the result: undefined fields vanish, as they do in AWS.
  return result === undefined ? null : JSON.parse(JSON.stringify(result));
}

export function toFunctionError(err: unknown): FunctionError {
  if (err instanceof Error) {
    return new FunctionError(err.name, err.message, (err.stack ?? `${err.name}: ${err.message}`).split('\n'));
  }
  return new FunctionError('Error', String(err), []);
}

function lambdaContext(functionName: string, timeoutMs: number): Context {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
