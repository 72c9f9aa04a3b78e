import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import type { TeardownState } from '../shared/teardown/types';
import { deleteUserGroups } from '../shared/teardown/userGroups';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<TeardownState, TeardownState>()
  .use(injectLambdaContext(logger))
  .handler(async (state) => ({
    ...state,
    userGroups: await deleteUserGroups({ elastiCache, logger }, state),
  }));
