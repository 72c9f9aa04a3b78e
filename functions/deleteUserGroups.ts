import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import type { TeardownState, UserGroupsTeardown } from '../shared/teardown/types';
import { deleteUserGroups } from '../shared/teardown/userGroups';

export const handler = middy<TeardownState, UserGroupsTeardown>()
  .use(injectLambdaContext(logger))
  .handler((state) => deleteUserGroups({ elastiCache, logger }, state));
