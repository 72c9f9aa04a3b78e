import middy from '@middy/core';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import { validateTeardownRequest } from '../shared/teardown/request';
import type { TeardownRequest } from '../shared/teardown/types';

// The event is never logged: it may carry a custom resource's ResponseURL, a pre-signed URL (a credential).
export const handler = middy<unknown, TeardownRequest>()
  .use(logContext(logger, { logEvent: false }))
  .handler((input) => validateTeardownRequest(input));
