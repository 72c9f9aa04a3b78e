import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import { createReplicationGroup } from '../shared/provision/replicationGroup';
import type { CreateReplicationGroupResult, ProvisionState } from '../shared/provision/state';

export const handler = middy<ProvisionState, CreateReplicationGroupResult>()
  .use(injectLambdaContext(logger))
  .handler((state) => createReplicationGroup({ elastiCache, logger }, state));
