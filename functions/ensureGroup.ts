import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import type { ProvisionState } from '../shared/provision/state';
import { ensureUserGroup } from '../shared/provision/userGroup';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<ProvisionState, ProvisionState>()
  .use(injectLambdaContext(logger))
  .handler(async (state) => ({ ...state, userGroup: await ensureUserGroup({ elastiCache, logger }, state) }));
