import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import { planChangeStep } from '../shared/provision/change/apply';
import type { ChangeState } from '../shared/provision/change/types';
import type { ProvisionState } from '../shared/state';

export const handler = middy<ProvisionState, ChangeState>()
  .use(injectLambdaContext(logger))
  .handler((state) => planChangeStep({ elastiCache, logger }, state));
