import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache, secretsManager } from '../shared/aws/clients';
import { type Clock, systemClock } from '../shared/clock';
import { logger } from '../shared/logger';
import { type RedisAuthProbe, redisAuthProbe } from '../shared/provision/redisAuth';
import { type RotationEvent, rotatePassword } from '../shared/provision/rotation';

/**
 * Secrets Manager's rotation function for the generated password secrets. The deployed one runs on the
 * system clock and trusts the system's CAs; local runs hand in a compressed clock and their nodes' CA.
 */
export function rotatePasswordHandler(options: { clock: Clock; authenticate: RedisAuthProbe }) {
  return middy<RotationEvent, void>()
    .use(injectLambdaContext(logger))
    .handler((event) => rotatePassword({ secretsManager, elastiCache, logger, ...options }, event));
}

export const handler = rotatePasswordHandler({ clock: systemClock, authenticate: redisAuthProbe() });
