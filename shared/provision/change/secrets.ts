/**
 * The generated password secrets of the users a change deletes, deleted before the users themselves
 * (see plan.ts): a step of its own, so the converge loop's function carries no Secrets Manager client.
 */
import type { SecretsManagerLike } from '../../aws/types';
import type { Log } from '../../logger';
import { deleteGeneratedSecret } from '../../teardown/users';
import type { ProvisionState } from '../state';
import { changeState, secretIdOf } from './progress';
import type { ChangeState, ChangeStep } from './types';

export interface DeleteUserSecretsDeps {
  secretsManager: SecretsManagerLike;
  logger: Log;
}

/**
 * Deletes each secret of `change.SecretsToDelete` that carries the provisioner's tags for this
 * replication group; one already gone, or not the provisioner's, is left as it is. Every one is then
 * handled: the converge loop does not plan it again in this run.
 */
export async function deleteUserSecrets(
  deps: DeleteUserSecretsDeps,
  state: ProvisionState,
): Promise<ChangeState> {
  const { SecretsToDelete: secrets = [], ...change } = state.change ?? changeState({ Exists: true });
  const deleted: ChangeStep[] = [];
  for (const step of secrets) {
    const outcome = await deleteGeneratedSecret(deps, state.request.ReplicationGroupId, secretIdOf(step));
    if (outcome.kept) deps.logger.info('Password secret kept', { ...outcome.kept });
    if (outcome.deletedArn) deleted.push(step);
  }
  return {
    ...change,
    Applied: [...change.Applied, ...deleted],
    SecretsHandled: [...(change.SecretsHandled ?? []), ...secrets.map(secretIdOf)],
  };
}
