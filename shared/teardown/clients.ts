/** The only parts of the SDK clients the teardown core functions use. */
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export type ElastiCacheSender = Pick<ElastiCacheClient, 'send'>;
export type SecretsManagerSender = Pick<SecretsManagerClient, 'send'>;
