import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { envelopeOf } from '../shared/entrances/customResourceEnvelope';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import { checkExistingReplicationGroup } from '../shared/provision/replicationGroup';
import type { NormalisedRequest } from '../shared/provision/state';
import { checkExistingUserGroups } from '../shared/provision/userGroup';
import { engineVersionCache, prepareRequest } from '../shared/request/prepare';

// Per container: a burst of executions asks DescribeCacheEngineVersions once, not once each.
const engineVersions = engineVersionCache();
const restoreBucket = process.env.RESTORE_SNAPSHOT_BUCKET;

/**
 * Receives the raw execution input (a request, an EventBridge event, or the custom-resource bridge's
 * input); its result is stored at $.request. The input is never logged: the bridge's carries the
 * custom resource's ResponseURL, a pre-signed URL (a credential). A user group of another engine stops
 * the run here, before anything is created, and so does any existing group for a custom resource's
 * Create; any other existing replication group is compared with the request by the next step (planChange).
 */
export const handler = middy<unknown, NormalisedRequest>()
  .use(logContext(logger, { logEvent: false }))
  .handler(async (input) => {
    const request = await prepareRequest(
      { elastiCache, logger, engineVersions, ...(restoreBucket ? { restoreBucket } : {}) },
      input,
    );
    await Promise.all([
      checkExistingReplicationGroup({ elastiCache, logger }, request, {
        mustBeNew: envelopeOf(input)?.RequestType === 'Create',
      }),
      checkExistingUserGroups({ elastiCache, logger }, request),
    ]);
    return request;
  });
