/** AWS answers as the SDK raises them, so that every test fakes "not found" and throttling alike. */
import {
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  ReplicationGroupNotFoundFault,
  UserGroupNotFoundFault,
  UserNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

export const notFound = {
  replicationGroup: (message = 'not found') => new ReplicationGroupNotFoundFault({ message, $metadata: {} }),
  userGroup: (message = 'not found') => new UserGroupNotFoundFault({ message, $metadata: {} }),
  user: (message = 'User not found') => new UserNotFoundFault({ message, $metadata: {} }),
  secret: (message = "Secrets Manager can't find the specified secret.") =>
    new ResourceNotFoundException({ message, $metadata: {} }),
};

/** ElastiCache refusing a call for its rate, under the name the state machines retry on. */
export function throttling(): ElastiCacheServiceException {
  return new ElastiCacheServiceException({
    name: 'Throttling',
    $fault: 'client',
    $metadata: {},
    message: 'Rate exceeded',
  });
}

/** Neither the replication group nor any user group exists yet: a new request's ids are free. */
export function noGroupExists(ec: AwsClientStub<ElastiCacheClient>): void {
  ec.on(DescribeReplicationGroupsCommand).rejects(notFound.replicationGroup());
  ec.on(DescribeUserGroupsCommand).rejects(notFound.userGroup());
}

/**
 * Stubs answering every ElastiCache and Secrets Manager call (`ec`, `sm`), and the clients a core
 * function is handed, whose calls the stubs answer.
 */
export function mockAws() {
  return {
    ec: mockClient(ElastiCacheClient),
    sm: mockClient(SecretsManagerClient),
    elastiCache: new ElastiCacheClient({ region: 'eu-west-1' }),
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
  };
}
