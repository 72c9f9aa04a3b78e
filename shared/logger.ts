import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs. Nothing that could hold a password is ever passed to it. */
export const logger = new Logger({ serviceName: 'elasticache-provisioner' });

/** The narrow logging surface core functions depend on. */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  debug(message: string, ...extra: Record<string, unknown>[]): void;
}
