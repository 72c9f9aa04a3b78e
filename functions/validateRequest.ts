import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import type { NormalisedRequest } from '../shared/provision/state';
import { checkExistingUserGroups } from '../shared/provision/userGroup';
import { engineVersionCache, prepareRequest } from '../shared/request/prepare';

// Per container: a burst of executions asks DescribeCacheEngineVersions once, not once each.
const engineVersions = engineVersionCache();

/**
 * Receives the raw execution input (a request, an EventBridge event, or the custom-resource bridge's
 * input); its result is stored at $.request. The input is never logged: the bridge's carries the
 * custom resource's ResponseURL, a pre-signed URL (a credential). A user group of another engine stops
 * the run here, before anything is created; an existing replication group is compared with the request
 * by the next step (planChange).
 */
export const handler = middy<unknown, NormalisedRequest>()
  .use(injectLambdaContext(logger, { logEvent: false }))
  .handler(async (input) => {
    const request = await prepareRequest({ elastiCache, logger, engineVersions }, input);
    await checkExistingUserGroups({ elastiCache, logger }, request);
    return request;
  });
