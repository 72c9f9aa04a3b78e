import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import { createReplicationGroup } from '../shared/provision/replicationGroup';
import type { ProvisionState } from '../shared/provision/state';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<ProvisionState, ProvisionState>()
  .use(logContext(logger))
  .handler(async (state) => ({
    ...state,
    replicationGroup: await createReplicationGroup({ elastiCache, logger }, state),
  }));
