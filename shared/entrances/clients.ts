/**
 * SDK clients of the entrances, built once per Lambda container like those of shared/aws/clients.ts.
 * Endpoints come from the standard settings (`AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_EVENTBRIDGE`,
 * `AWS_ENDPOINT_URL_CLOUDFORMATION`, `AWS_ENDPOINT_URL_ELASTICACHE`).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';

// Standard retry mode already retries throttling; a few more attempts ride out bursts.
const clientConfig = { maxAttempts: 5 } as const;

export const sfn = new SFNClient(clientConfig);
export const eventBridge = new EventBridgeClient(clientConfig);
export const cloudFormation = new CloudFormationClient(clientConfig);
