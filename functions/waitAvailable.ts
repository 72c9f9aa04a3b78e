import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { type Clock, systemClock } from '../shared/clock';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import { waitAvailable } from '../shared/provision/availability';
import type { ProvisionState } from '../shared/provision/state';

/**
 * The handler on a given clock: the deployed one runs on the system clock, local runs on a compressed one.
 * Returns the document with the result where it belongs (see the state machine's OutputPath).
 */
export function waitAvailableHandler(clock: Clock) {
  return middy<ProvisionState, ProvisionState>()
    .use(logContext(logger))
    .handler(async (state) => ({
      ...state,
      poll: await waitAvailable({ elastiCache, logger, clock }, state),
    }));
}

export const handler = waitAvailableHandler(systemClock);
