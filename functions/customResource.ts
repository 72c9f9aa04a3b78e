import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { cloudFormation, secretsManager, sfn } from '../shared/aws/clients';
import { systemClock } from '../shared/clock';
import { createResponseSender } from '../shared/entrances/cfnResponse';
import {
  type BridgeOutcome,
  bridgeConfigFromEnv,
  handleCustomResource,
} from '../shared/entrances/customResource';
import { logContext } from '../shared/logContext';
import { logger } from '../shared/logger';

const respond = createResponseSender({ clock: systemClock, logger });
const config = bridgeConfigFromEnv();

// The event is never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says: its ResponseURL is a
// pre-signed URL, a credential.
export const handler = middy<CloudFormationCustomResourceEvent, BridgeOutcome>()
  .use(logContext(logger, { logEvent: false }))
  .handler((event) =>
    handleCustomResource({ sfn, cloudFormation, secretsManager, respond, logger, config }, event),
  );
