/**
 * The AWS SDK clients, built once per Lambda container. Endpoints come from the standard
 * settings (`AWS_ENDPOINT_URL_ELASTICACHE`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, ...), which is how
 * local runs point the very same code at the local stand-in.
 *
 * `@__PURE__` lets the bundler drop a client a function never uses (and the whole SDK package
 * behind it), so each function carries only what it calls.
 */
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

// Standard retry mode already retries `Throttling`; a few more attempts ride out bursts
// before the state machine's own Retry takes over.
const clientConfig = { maxAttempts: 5 } as const;

export const elastiCache = /* @__PURE__ */ new ElastiCacheClient(clientConfig);
export const secretsManager = /* @__PURE__ */ new SecretsManagerClient(clientConfig);
