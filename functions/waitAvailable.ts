import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { waitAvailable } from '../shared/provision/availability';
import type { PollResult, ProvisionState } from '../shared/provision/state';

export const handler = middy<ProvisionState, PollResult>()
  .use(injectLambdaContext(logger))
  .handler((state) => waitAvailable({ elastiCache, logger, clock: systemClock }, state));
