import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import { deleteReplicationGroup } from '../shared/teardown/replicationGroup';
import type { TeardownState } from '../shared/teardown/types';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<TeardownState, TeardownState>()
  .use(logContext(logger))
  .handler(async (state) => ({
    ...state,
    replicationGroup: await deleteReplicationGroup({ elastiCache, logger }, state),
  }));
