import { Logger } from '@aws-lambda-powertools/logger';

/** Keys whose values are credentials wherever they appear in a log entry (at any depth). */
export const SECRET_KEY_PATTERN = /pass(word)?s?|secret(string)?|authtoken|token|responseurl/i;

/** Keys that only point at a secret (PasswordSecretArn, SecretId, ...): kept, they are what an operator needs. */
const SECRET_REFERENCE_KEY = /(arn|id|ids|name|names)$/i;

export const REDACTED = '[redacted]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key) && !SECRET_REFERENCE_KEY.test(key);
}

/**
 * Runs for every key of every log entry as it is serialised, so a password, token or pre-signed
 * URL passed by mistake is written as [redacted]. One regular expression test per key: no cost at
 * cold start and next to none per entry.
 */
export function redactSecrets(key: string, value: unknown): unknown {
  return key !== '' && value !== undefined && isSecretKey(key) ? REDACTED : value;
}

/** Structured JSON logs. Nothing that could hold a password is ever passed to it; redaction is the safety net. */
export const logger = new Logger({ serviceName: 'elasticache-provisioner', jsonReplacerFn: redactSecrets });

/** The narrow logging surface core functions depend on. */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  debug(message: string, ...extra: Record<string, unknown>[]): void;
}
