import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { type Clock, systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { waitAvailable } from '../shared/provision/availability';
import type { PollResult, ProvisionState } from '../shared/provision/state';

/** The handler on a given clock: the deployed one runs on the system clock, local runs on a compressed one. */
export function waitAvailableHandler(clock: Clock) {
  return middy<ProvisionState, PollResult>()
    .use(injectLambdaContext(logger))
    .handler((state) => waitAvailable({ elastiCache, logger, clock }, state));
}

export const handler = waitAvailableHandler(systemClock);
