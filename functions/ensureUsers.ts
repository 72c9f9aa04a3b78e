import middy from '@middy/core';
import { elastiCache, secretsManager } from '../shared/aws/clients';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';
import type { ProvisionState } from '../shared/provision/state';
import { ensureUsers } from '../shared/provision/users';

// Set by serverless.yml to the deployed rotatePassword function.
const rotationFunctionArn = process.env.ROTATION_FUNCTION_ARN || undefined;

// Returns the document with the result where it belongs (see the state machine's OutputPath).
export const handler = middy<ProvisionState, ProvisionState>()
  .use(logContext(logger))
  .handler(async (state) => ({
    ...state,
    users: await ensureUsers({ elastiCache, secretsManager, logger, rotationFunctionArn }, state),
  }));
