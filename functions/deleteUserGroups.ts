import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import type { TeardownState } from '../shared/teardown/types';
import { deleteUserGroups } from '../shared/teardown/userGroups';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<TeardownState, TeardownState>()
  .use(logContext(logger))
  .handler(async (state) => ({
    ...state,
    userGroups: await deleteUserGroups({ elastiCache, logger }, state),
  }));
