/**
 * The AWS SDK clients, built once per Lambda container, in this one place. Endpoints come from the
 * standard settings (`AWS_ENDPOINT_URL_ELASTICACHE`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`,
 * `AWS_ENDPOINT_URL_SFN`, ...), which is how local runs point the very same code at the local stand-in.
 *
 * `@__PURE__` lets the bundler drop a client a function never uses (and the whole SDK package
 * behind it), so each function carries only what it calls.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * Standard retry mode already retries `Throttling`; a few more attempts ride out bursts before the
 * state machine's own Retry takes over. Without timeouts a connection that stalls would hold the
 * function until Lambda stops it, and the Task's timeout and retry would spend minutes more: a stalled
 * call fails within seconds instead, and is retried like any other.
 */
export const CLIENT_CONFIG = {
  maxAttempts: 5,
  // Without throwOnRequestTimeout the SDK only warns when requestTimeout passes.
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
} as const;

export const elastiCache = /* @__PURE__ */ new ElastiCacheClient(CLIENT_CONFIG);
export const secretsManager = /* @__PURE__ */ new SecretsManagerClient(CLIENT_CONFIG);
/** The custom-resource bridge starts executions with it. */
export const sfn = /* @__PURE__ */ new SFNClient(CLIENT_CONFIG);
/** Result events. */
export const eventBridge = /* @__PURE__ */ new EventBridgeClient(CLIENT_CONFIG);
/** The bridge tells an update rollback apart with it. */
export const cloudFormation = /* @__PURE__ */ new CloudFormationClient(CLIENT_CONFIG);
