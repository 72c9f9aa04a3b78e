import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import { deleteReplicationGroup } from '../shared/teardown/replicationGroup';
import type { TeardownState } from '../shared/teardown/types';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<TeardownState, TeardownState>()
  .use(injectLambdaContext(logger))
  .handler(async (state) => ({
    ...state,
    replicationGroup: await deleteReplicationGroup({ elastiCache, logger }, state),
  }));
