/**
 * SDK clients of the entrances, built once per Lambda container like those of shared/aws/clients.ts.
 * Endpoints come from the standard settings (`AWS_ENDPOINT_URL_SFN`, `AWS_ENDPOINT_URL_EVENTBRIDGE`,
 * `AWS_ENDPOINT_URL_CLOUDFORMATION`), which is how local runs point them at the local stand-in.
 *
 * `@__PURE__` lets the bundler drop a client a function never uses (notifyResult carries EventBridge
 * only, the bridge Step Functions and CloudFormation).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';

// Standard retry mode already retries throttling; a few more attempts ride out bursts.
const clientConfig = { maxAttempts: 5 } as const;

export const sfn = /* @__PURE__ */ new SFNClient(clientConfig);
export const eventBridge = /* @__PURE__ */ new EventBridgeClient(clientConfig);
export const cloudFormation = /* @__PURE__ */ new CloudFormationClient(clientConfig);
