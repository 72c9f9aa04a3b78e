import middy from '@middy/core';
import { secretsManager } from '../shared/aws/clients';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import { deleteUserSecrets } from '../shared/provision/change/secrets';
import type { ProvisionState } from '../shared/provision/state';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<ProvisionState, ProvisionState>()
  .use(logContext(logger))
  .handler(async (state) => ({
    ...state,
    change: await deleteUserSecrets({ secretsManager, logger }, state),
  }));
