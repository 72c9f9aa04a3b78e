import middy from '@middy/core';
import { elastiCache, secretsManager } from '../shared/aws/clients';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import type { TeardownState } from '../shared/teardown/types';
import { deleteUsersAndSecrets } from '../shared/teardown/users';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<TeardownState, TeardownState>()
  .use(logContext(logger))
  .handler(async (state) => ({
    ...state,
    result: await deleteUsersAndSecrets({ elastiCache, secretsManager, logger }, state),
  }));
