/** The only parts of the SDK clients the teardown core functions use. */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export type { ElastiCacheSender } from '../aws/lookups';
export type SecretsManagerSender = Pick<SecretsManagerClient, 'send'>;
