import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import { deleteReplicationGroup } from '../shared/teardown/replicationGroup';
import type { ReplicationGroupTeardown, TeardownState } from '../shared/teardown/types';

export const handler = middy<TeardownState, ReplicationGroupTeardown>()
  .use(injectLambdaContext(logger))
  .handler((state) => deleteReplicationGroup({ elastiCache, logger }, state));
