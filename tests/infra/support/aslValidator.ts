/** asl-validator ships no type declarations; this is the part of its API the tests use. */
import { createRequire } from 'node:module';

export interface AslValidation {
  isValid: boolean;
  errorsText(separator?: string): string;
}

type Validate = (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => AslValidation;

const validate = createRequire(import.meta.url)('asl-validator') as Validate;

/** Validates a copy: the validator fills in defaults (QueryLanguage) on the object it is given. */
export function validateAsl(definition: unknown): AslValidation {
  return validate(structuredClone(definition), { checkArn: true, checkPaths: true });
}
