import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from '../shared/aws/clients';
import { logger } from '../shared/logger';
import type { EnsureGroupResult, ProvisionState } from '../shared/provision/state';
import { ensureGroup } from '../shared/provision/userGroup';

export const handler = middy<ProvisionState, EnsureGroupResult>()
  .use(injectLambdaContext(logger))
  .handler((state) => ensureGroup({ elastiCache, logger }, state));
