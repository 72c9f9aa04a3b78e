import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache, secretsManager } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import type { TeardownResult, TeardownState } from '../shared/teardown/types';
import { deleteUsersAndSecrets } from '../shared/teardown/users';

export const handler = middy<TeardownState, TeardownResult>()
  .use(injectLambdaContext(logger))
  .handler((state) => deleteUsersAndSecrets({ elastiCache, secretsManager, logger }, state));
