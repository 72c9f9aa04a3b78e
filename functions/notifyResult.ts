import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { eventBridge } from '../shared/aws/clients';
import { systemClock } from '../shared/clock';
import { createResponseSender } from '../shared/entrances/cfnResponse';
import {
  type NotifyInput,
  type NotifyOutput,
  notifyConfigFromEnv,
  notifyResult,
} from '../shared/entrances/notify';
import { logger } from '../shared/logger';

const respond = createResponseSender({ clock: systemClock, logger });
const config = notifyConfigFromEnv();

// The event is never logged: it may carry a custom resource's ResponseURL, a pre-signed URL (a credential).
export const handler = middy<NotifyInput, NotifyOutput>()
  .use(injectLambdaContext(logger, { logEvent: false }))
  .handler((input) => notifyResult({ respond, eventBridge, logger, config }, input));
