import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import { createReplicationGroup } from '../shared/provision/replicationGroup';
import type { ProvisionState } from '../shared/provision/state';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<ProvisionState, ProvisionState>()
  .use(injectLambdaContext(logger))
  .handler(async (state) => ({
    ...state,
    replicationGroup: await createReplicationGroup({ elastiCache, logger }, state),
  }));
