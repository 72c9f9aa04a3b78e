import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { waitAvailable } from '../shared/availability';
import { elastiCache } from '../shared/aws/clients';
import { systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import type { PollResult, ProvisionState } from '../shared/state';

export const handler = middy<ProvisionState, PollResult>()
  .use(injectLambdaContext(logger))
  .handler((state) => waitAvailable({ elastiCache, logger, clock: systemClock }, state));
