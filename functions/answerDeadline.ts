import middy from '@middy/core';
import { eventBridge, secretsManager, sfn } from '../shared/aws/clients';
import { type Clock, systemClock } from '../shared/clock';
import {
  answerAtDeadline,
  type DeadlineOutcome,
  readDeadlineInput,
} from '../shared/entrances/answerDeadline';
import { createResponseSender } from '../shared/entrances/cfnResponse';
import { notifyConfigFromEnv } from '../shared/entrances/notify';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';

const config = notifyConfigFromEnv();

/** The handler on a given clock (retries to CloudFormation sleep): local runs compress time with it. */
export function answerDeadlineHandler(clock: Pick<Clock, 'sleep'>) {
  // Within the function's 35 s: 3 attempts of at most 8 s and 3 s of pauses.
  const respond = createResponseSender({ clock, logger, attempts: 3, attemptTimeoutMs: 8_000 });
  return middy<unknown, DeadlineOutcome>()
    .use(logContext(logger, { logEvent: false }))
    .handler((input) =>
      answerAtDeadline(
        { sfn, respond, eventBridge, secretsManager, logger, config },
        readDeadlineInput(input),
      ),
    );
}

export const handler = answerDeadlineHandler(systemClock);
