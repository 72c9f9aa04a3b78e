import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache, secretsManager } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import type { EnsureUsersResult, ProvisionState } from '../shared/provision/state';
import { ensureUsers } from '../shared/provision/users';

export const handler = middy<ProvisionState, EnsureUsersResult>()
  .use(injectLambdaContext(logger))
  .handler((state) => ensureUsers({ elastiCache, secretsManager, logger }, state));
