import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import { prepareRequest } from '../shared/request/prepare';
import type { NormalisedRequest } from '../shared/state';

/** Receives the raw execution input (a request or an EventBridge event); its result is stored at $.request. */
export const handler = middy<unknown, NormalisedRequest>()
  .use(injectLambdaContext(logger))
  .handler((input) => prepareRequest({ elastiCache, logger }, input));
