/**
 * The step right after validation: it reads the existing group, if any, and refuses with
 * ConflictError, before anything is changed, what cannot change in place (or any change to a group
 * the provisioner did not create, or while another request changes it). A group to change is then
 * marked with this request (see lock.ts).
 */
import { ConflictError } from '../../errors';
import type { ProvisionState } from '../state';
import { checkMark, markSince, setMark } from './lock';
import { planChange } from './plan';
import { type ChangeDeps, changeState, throwIfRefused } from './progress';
import { readCurrent } from './read';
import type { ChangeState } from './types';

export async function planChangeStep(deps: ChangeDeps, state: ProvisionState): Promise<ChangeState> {
  const { request } = state;
  const current = await readCurrent(deps.elastiCache, request);
  if (!current) {
    deps.logger.info('Replication group does not exist yet; it will be created', {
      ReplicationGroupId: request.ReplicationGroupId,
    });
    return changeState({ Exists: false, Done: true });
  }
  if (current.Status === 'deleting') {
    throw new ConflictError(
      `Replication group ${request.ReplicationGroupId} exists and is being deleted; nothing was changed. Retry once the deletion has finished.`,
    );
  }
  const plan = planChange(current, request);
  throwIfRefused(request, plan);
  const now = (deps.now ?? Date.now)();
  if (plan.steps.length > 0) {
    checkMark(request, current.Tags, now);
    if (current.ARN)
      await setMark(deps.elastiCache, current.ARN, request, markSince(state, now), plan.detached);
  }
  deps.logger.info(
    plan.steps.length > 0 ? 'Replication group to be changed' : 'Replication group matches the request',
    {
      ReplicationGroupId: request.ReplicationGroupId,
      Status: current.Status,
      Changes: plan.changes,
      Steps: plan.steps.map((step) => step.Action),
    },
  );
  return changeState({
    Exists: true,
    Changes: plan.changes,
    Planned: plan.steps,
    Done: plan.steps.length === 0,
  });
}
