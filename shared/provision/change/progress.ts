/**
 * What both change steps share: their dependencies, the state they hand over at `$.change`, and the
 * ConflictError for a change that cannot be made in place.
 */
import type { ElastiCacheLike } from '../../aws/types';
import { ConflictError } from '../../errors';
import type { Log } from '../../logger';
import type { NormalisedRequest } from '../state';
import type { ChangePlan, ChangeState, ChangeStep } from './types';

export interface ChangeDeps {
  elastiCache: ElastiCacheLike;
  logger: Log;
  /** Epoch milliseconds; waiting for another change to finish is bounded in time. */
  now?: () => number;
}

/** ConflictError naming every field that cannot change, and why; nothing has been changed. */
export function throwIfRefused(request: NormalisedRequest, plan: ChangePlan): void {
  if (plan.refused.length === 0) return;
  const listed = plan.refused
    .map(
      (item) =>
        `${item.field}: existing ${JSON.stringify(item.current)} vs requested ${JSON.stringify(item.requested)} (${item.reason})`,
    )
    .join('; ');
  throw new ConflictError(
    `Replication group ${request.ReplicationGroupId} already exists with a configuration that cannot be changed in place as requested; nothing was changed. ${listed}.`,
  );
}

/** A change state with nothing planned, applied or waited for yet, apart from `values`. */
export function changeState(values: Partial<ChangeState> & Pick<ChangeState, 'Exists'>): ChangeState {
  return {
    Changes: [],
    Planned: [],
    Applied: [],
    RemovedUsers: [],
    Done: false,
    Waiting: false,
    WaitSeconds: 0,
    Checks: 0,
    ...values,
  };
}

/** The secret a DeleteSecret step names. */
export function secretIdOf(step: ChangeStep): string {
  return String(step.Parameters.SecretId);
}
