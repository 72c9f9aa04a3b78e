import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import type { EnsureUserGroupResult, ProvisionState } from '../shared/provision/state';
import { ensureUserGroup } from '../shared/provision/userGroup';

export const handler = middy<ProvisionState, EnsureUserGroupResult>()
  .use(injectLambdaContext(logger))
  .handler((state) => ensureUserGroup({ elastiCache, logger }, state));
