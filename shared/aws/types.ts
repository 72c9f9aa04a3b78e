/**
 * The only part of each SDK client the core functions use: tests and local runs hand in anything
 * that sends commands, production hands in the clients built once in clients.ts.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';

export type ElastiCacheLike = Pick<ElastiCacheClient, 'send'>;
export type SecretsManagerLike = Pick<SecretsManagerClient, 'send'>;
export type SfnLike = Pick<SFNClient, 'send'>;
export type EventBridgeLike = Pick<EventBridgeClient, 'send'>;
export type CloudFormationLike = Pick<CloudFormationClient, 'send'>;
