/**
 * Decoding a failure as Step Functions reports it. A function error's Cause is the JSON
 * {"errorType","errorMessage","trace"}; its errorMessage is what a person needs, and a
 * ValidationError's errorMessage is itself the JSON {"problems": [...]} (see errors.ts).
 */
import type { Problem } from './errors';
import { asRecord, isRecord, parseJson, parseJsonOrText } from './json';

/** A function error's errorMessage, else the cause as it is (stringified when it is not text). */
export function readableCause(cause: unknown): string {
  if (typeof cause === 'string') {
    const parsed = asRecord(parseJson(cause));
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  }
  if (isRecord(cause) && typeof cause.errorMessage === 'string') return cause.errorMessage;
  return cause === undefined ? 'No cause was reported.' : JSON.stringify(cause);
}

/** An error as a Catch stores it, its cause as a person reads it: what the execution fails with. */
export interface ReadableError {
  Error: string;
  Cause: string;
}

/** The caught error (`{Error, Cause}` at `$.error`) with a readable cause; undefined when it names no error. */
export function readableError(caught: unknown): ReadableError | undefined {
  const error = asRecord(caught);
  return typeof error.Error === 'string'
    ? { Error: error.Error, Cause: readableCause(error.Cause) }
    : undefined;
}

/** The problems a ValidationError's message lists, or undefined for any other message. */
export function problemsOf(message: string): Problem[] | undefined {
  const problems = asRecord(parseJson(message)).problems;
  if (!Array.isArray(problems)) return undefined;
  const listed = problems.flatMap((item) => {
    const problem = asRecord(item);
    return typeof problem.field === 'string' && typeof problem.message === 'string'
      ? [{ field: problem.field, message: problem.message }]
      : [];
  });
  return listed.length > 0 ? listed : undefined;
}

/** A failure's cause as a command line shows it: the message, parsed when it is JSON (a ValidationError's problems). */
export function causeDocument(cause: string | undefined): unknown {
  return cause === undefined ? undefined : parseJsonOrText(readableCause(cause));
}
