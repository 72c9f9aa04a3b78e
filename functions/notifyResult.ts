import middy from '@middy/core';
import { eventBridge, secretsManager } from '../shared/aws/clients';
import { type Clock, systemClock } from '../shared/clock';
import { createResponseSender } from '../shared/entrances/cfnResponse';
import {
  type NotifyInput,
  type NotifyOutput,
  notifyConfigFromEnv,
  notifyResult,
} from '../shared/entrances/notify';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';

const config = notifyConfigFromEnv();

/** The handler on a given clock (retries to CloudFormation sleep): local runs compress time with it. */
export function notifyResultHandler(clock: Pick<Clock, 'sleep'>) {
  const respond = createResponseSender({ clock, logger });
  // The event is never logged: the state document is the workflow's, and need not be in the logs.
  return middy<NotifyInput, NotifyOutput>()
    .use(logContext(logger, { logEvent: false }))
    .handler((input) => notifyResult({ respond, eventBridge, secretsManager, logger, config }, input));
}

export const handler = notifyResultHandler(systemClock);
