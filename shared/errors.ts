/**
 * Errors the workflow raises on purpose. Each `name` is a string literal because the
 * state machine's Retry/Catch match on it and minifiers rename classes.
 */

export interface Problem {
  /** Path of the offending field in the request, e.g. `Rbac.Users[1].AccessString`. */
  field: string;
  message: string;
}

type WorkflowErrorName = (typeof WORKFLOW_ERROR_NAMES)[number];

/**
 * The base of an error class with the literal `name` given and a required message: each class passes
 * its own name, so `name` survives minification (Retry/Catch and callers match on it).
 */
export function namedError<const Name extends string>(name: Name) {
  return class extends Error {
    override readonly name: Name = name;
    // The message is required, unlike Error's.
    constructor(message: string, options?: { cause?: unknown }) {
      super(message, options);
    }
  };
}

/** A workflow error's base: only the names the state machines match. */
function workflowError<const Name extends WorkflowErrorName>(name: Name) {
  return namedError(name);
}

export class ValidationError extends workflowError('ValidationError') {
  readonly problems: Problem[];

  constructor(problems: Problem[], options?: { cause?: unknown }) {
    // The message is the machine-readable cause the contract promises: every problem with its field.
    super(JSON.stringify({ problems }), options);
    this.problems = problems;
  }
}

export class ConflictError extends workflowError('ConflictError') {}
export class ReplicationGroupCreateFailed extends workflowError('ReplicationGroupCreateFailed') {}
export class ProvisioningTimedOut extends workflowError('ProvisioningTimedOut') {}
/** A resource is in a state that forbids the next step yet (the state machine retries it). */
export class ResourceNotReady extends workflowError('ResourceNotReady') {}
/** The teardown did not see the replication group or a user group gone within its time limit. */
export class TeardownTimedOut extends workflowError('TeardownTimedOut') {}
/** The result could not be handed over (to the CloudFormation response URL or to EventBridge). */
export class ResultNotDelivered extends workflowError('ResultNotDelivered') {}

/** Names the state machines match in Retry/Catch; kept here so tests can check the ASL against them. */
export const WORKFLOW_ERROR_NAMES = [
  'ValidationError',
  'ConflictError',
  'ReplicationGroupCreateFailed',
  'ProvisioningTimedOut',
  'ResourceNotReady',
  'TeardownTimedOut',
  'ResultNotDelivered',
] as const;

/** The SDK's error name, or undefined for something that is not an Error. */
export function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/** What `read` answers, or undefined when it fails with `notFound`: the resource does not exist. */
export async function unlessNotFound<T>(notFound: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (errorName(err) === notFound) return undefined;
    throw err;
  }
}
