import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import type { ProvisionState } from '../shared/provision/state';
import { ensureUserGroup } from '../shared/provision/userGroup';

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<ProvisionState, ProvisionState>()
  .use(logContext(logger))
  .handler(async (state) => ({ ...state, userGroup: await ensureUserGroup({ elastiCache, logger }, state) }));
