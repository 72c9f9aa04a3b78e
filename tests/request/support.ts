import { readdirSync } from 'node:fs';
import { vi } from 'vitest';
import { type Problem, ValidationError } from '../../shared/errors';
import type { Log } from '../../shared/logger';
import { type ValidationResult, validateRequest } from '../../shared/request/validate';
import { projectPath, readJson as readJsonFixture } from '../support/fixtures';

/** A request as tests edit it: the patches write invalid values on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: tests build deliberately malformed requests.
export type EditableRequest = Record<string, any>;

export { projectPath } from '../support/fixtures';

export function readJson(relative: string): EditableRequest {
  return readJsonFixture<EditableRequest>(relative);
}

/** A fresh copy of tests/fixtures/requests/<name>.json. */
export function requestFixture(name: string): EditableRequest {
  return readJson(`tests/fixtures/requests/${name}.json`);
}

export function jsonFilesIn(relative: string): string[] {
  return readdirSync(projectPath(relative))
    .filter((file) => file.endsWith('.json'))
    .sort();
}

export function problemsOf(result: ValidationResult): Problem[] {
  if (result.ok) throw new Error('expected the request to be rejected');
  return result.problems;
}

export function rejectionOf(input: unknown): Problem[] {
  return problemsOf(validateRequest(input));
}

export function acceptedRequest(input: unknown) {
  const result = validateRequest(input);
  if (!result.ok) throw new Error(`expected the request to be accepted: ${JSON.stringify(result.problems)}`);
  return result.request;
}

export function stubLogger() {
  const logger = { info: vi.fn(), warn: vi.fn(), debug: vi.fn() };
  return logger satisfies Log;
}

/** The ValidationError a promise rejects with; anything else fails the test. */
export async function validationErrorOf(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ValidationError))
    throw new Error(`expected a ValidationError, got ${String(error)}`);
  return error;
}
