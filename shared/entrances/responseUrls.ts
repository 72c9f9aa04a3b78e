/**
 * Where a custom-resource request's ResponseURL waits for the workflow's answer. The URL is pre-signed,
 * that is a credential, so it never enters an execution's input, output or history: the bridge keeps
 * it in a Secrets Manager secret named after the execution it starts, and the answering step (the
 * notifying Task, which alone may read these secrets) reads it, answers, and deletes it at once.
 *
 * Secrets Manager rather than a free SSM parameter: the local stand-in serves it, so the same code
 * runs locally; a secret that lives for the minutes of one execution costs a small fraction of a cent.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerLike } from '../aws/types';
import { errorName, unlessNotFound } from '../errors';

/**
 * Outside `elasticache-provisioner/`, the prefix of the password secrets other functions may read:
 * serverless.yml grants this one to the bridge (write) and the notifying function (read, delete) only.
 */
export const RESPONSE_URL_SECRET_PREFIX = 'elasticache-provisioner-response-url/';

export function responseUrlSecretName(executionName: string): string {
  return `${RESPONSE_URL_SECRET_PREFIX}${executionName}`;
}

/** Keeps the URL for the execution; a redelivered request's newer URL replaces the kept one. */
export async function keepResponseUrl(
  secretsManager: SecretsManagerLike,
  executionName: string,
  responseUrl: string,
): Promise<void> {
  const name = responseUrlSecretName(executionName);
  try {
    await secretsManager.send(
      new CreateSecretCommand({
        Name: name,
        Description: 'CloudFormation ResponseURL of one custom-resource request; deleted once answered',
        SecretString: responseUrl,
      }),
    );
  } catch (err) {
    if (errorName(err) !== 'ResourceExistsException') throw err;
    await secretsManager.send(new PutSecretValueCommand({ SecretId: name, SecretString: responseUrl }));
  }
}

/** The URL kept for the execution, or undefined when none is (already answered, or never kept). */
export async function readResponseUrl(
  secretsManager: SecretsManagerLike,
  executionName: string,
): Promise<string | undefined> {
  const out = await unlessNotFound('ResourceNotFoundException', () =>
    secretsManager.send(new GetSecretValueCommand({ SecretId: responseUrlSecretName(executionName) })),
  );
  return out?.SecretString;
}

/** Deletes the kept URL at once (no recovery window: it is spent). */
export async function deleteResponseUrl(
  secretsManager: SecretsManagerLike,
  executionName: string,
): Promise<void> {
  await unlessNotFound('ResourceNotFoundException', () =>
    secretsManager.send(
      new DeleteSecretCommand({
        SecretId: responseUrlSecretName(executionName),
        ForceDeleteWithoutRecovery: true,
      }),
    ),
  );
}
