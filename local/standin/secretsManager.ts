/**
 * Secrets Manager (JSON 1.1, `X-Amz-Target: secretsmanager.<Action>`): CreateSecret, GetSecretValue,
 * PutSecretValue, DescribeSecret, DeleteSecret, RestoreSecret, TagResource, UntagResource.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { ACCOUNT_ID, type SecretRecord, type Store, type Tag } from './store';
import { ServiceError } from './wire';

export interface JsonContext {
  store: Store;
  body: Record<string, unknown>;
  region: string;
}

export type JsonOperation = (context: JsonContext) => Record<string, unknown>;

const sm = {
  notFound: () =>
    new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
  exists: (name: string) =>
    new ServiceError(
      'ResourceExistsException',
      `The operation failed because the secret ${name} already exists.`,
    ),
  invalidParameter: (message: string) => new ServiceError('InvalidParameterException', message),
  invalidRequest: (message: string) => new ServiceError('InvalidRequestException', message),
  markedForDeletion: () =>
    new ServiceError(
      'InvalidRequestException',
      "You can't perform this operation on the secret because it was marked for deletion.",
    ),
};

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const seconds = (ms: number) => ms / 1000;

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw sm.invalidParameter(`${key} must be a string.`);
  return value;
}

function requiredString(body: Record<string, unknown>, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined || value === '') throw sm.invalidParameter(`${key} must be provided.`);
  return value;
}

function readTags(body: Record<string, unknown>, key = 'Tags'): Tag[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw sm.invalidParameter(`${key} must be a list.`);
  return value.map((item: unknown) => {
    const tag = (item ?? {}) as Record<string, unknown>;
    if (typeof tag.Key !== 'string' || tag.Key === '') throw sm.invalidParameter('Every tag needs a Key.');
    return { Key: tag.Key, Value: typeof tag.Value === 'string' ? tag.Value : '' };
  });
}

function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(existing.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) byKey.set(tag.Key, tag.Value);
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

/** By name, full ARN, or ARN without its random suffix. */
function findSecret(store: Store, secretId: string): SecretRecord {
  if (secretId.startsWith('arn:')) {
    for (const secret of store.secrets.values()) {
      if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret;
    }
    throw sm.notFound();
  }
  const secret = store.secrets.get(secretId);
  if (!secret) throw sm.notFound();
  return secret;
}

function readValue(body: Record<string, unknown>): { secretString?: string; secretBinary?: string } {
  const secretString = optionalString(body, 'SecretString');
  const secretBinary = optionalString(body, 'SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined) {
    throw sm.invalidParameter('You can provide SecretString or SecretBinary, not both.');
  }
  if (secretString !== undefined) return { secretString };
  if (secretBinary !== undefined) return { secretBinary };
  return {};
}

const createSecret: JsonOperation = ({ store, body, region }) => {
  const name = requiredString(body, 'Name');
  if (name.length > 512 || !/^[A-Za-z0-9/_+=.@!-]+$/.test(name)) {
    throw sm.invalidParameter(
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
  const value = readValue(body);
  const token = optionalString(body, 'ClientRequestToken');
  const tags = readTags(body);

  const existing = store.secrets.get(name);
  if (existing) {
    if (existing.deletedAt !== undefined) {
      throw sm.invalidRequest(
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    // A retried request (same token, same value) is answered as the first one was.
    const current = store.secretValues.get(name);
    if (
      token !== undefined &&
      token === existing.versionId &&
      JSON.stringify(current) === JSON.stringify(value)
    ) {
      return { ARN: existing.arn, Name: existing.name, VersionId: existing.versionId };
    }
    throw sm.exists(name);
  }

  const suffix = Array.from({ length: 6 }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');
  const now = store.now();
  const hasValue = value.secretString !== undefined || value.secretBinary !== undefined;
  const secret: SecretRecord = {
    name,
    arn: `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${name}-${suffix}`,
    versionId: hasValue ? (token ?? randomUUID()) : '',
    createdAt: now,
    lastChangedAt: now,
    tags,
  };
  const description = optionalString(body, 'Description');
  const kmsKeyId = optionalString(body, 'KmsKeyId');
  if (description !== undefined) secret.description = description;
  if (kmsKeyId !== undefined) secret.kmsKeyId = kmsKeyId;
  store.secrets.set(name, secret);
  if (hasValue) store.secretValues.set(name, value);
  return { ARN: secret.arn, Name: secret.name, ...(hasValue ? { VersionId: secret.versionId } : {}) };
};

const getSecretValue: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  if (secret.deletedAt !== undefined) throw sm.markedForDeletion();
  const value = store.secretValues.get(secret.name);
  const versionId = optionalString(body, 'VersionId');
  const versionStage = optionalString(body, 'VersionStage');
  const wrongVersion = versionId !== undefined && versionId !== secret.versionId;
  if (!value || wrongVersion || (versionStage !== undefined && versionStage !== 'AWSCURRENT')) {
    throw new ServiceError(
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret value for the requested version or staging label.",
    );
  }
  secret.lastAccessedAt = store.now();
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: secret.versionId,
    ...(value.secretString === undefined ? {} : { SecretString: value.secretString }),
    ...(value.secretBinary === undefined ? {} : { SecretBinary: value.secretBinary }),
    VersionStages: ['AWSCURRENT'],
    CreatedDate: seconds(secret.lastChangedAt),
  };
};

const putSecretValue: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  if (secret.deletedAt !== undefined) throw sm.markedForDeletion();
  const value = readValue(body);
  if (value.secretString === undefined && value.secretBinary === undefined) {
    throw sm.invalidParameter('You must provide either SecretString or SecretBinary.');
  }
  secret.versionId = optionalString(body, 'ClientRequestToken') ?? randomUUID();
  secret.lastChangedAt = store.now();
  store.secretValues.set(secret.name, value);
  return { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId, VersionStages: ['AWSCURRENT'] };
};

const describeSecret: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  const hasValue = store.secretValues.has(secret.name);
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description === undefined ? {} : { Description: secret.description }),
    ...(secret.kmsKeyId === undefined ? {} : { KmsKeyId: secret.kmsKeyId }),
    LastChangedDate: seconds(secret.lastChangedAt),
    ...(secret.lastAccessedAt === undefined ? {} : { LastAccessedDate: seconds(secret.lastAccessedAt) }),
    ...(secret.deletedAt === undefined ? {} : { DeletedDate: seconds(secret.deletedAt) }),
    Tags: secret.tags,
    ...(hasValue ? { VersionIdsToStages: { [secret.versionId]: ['AWSCURRENT'] } } : {}),
    CreatedDate: seconds(secret.createdAt),
  };
};

const deleteSecret: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  const force = body.ForceDeleteWithoutRecovery === true;
  const window = body.RecoveryWindowInDays;
  if (force && window !== undefined && window !== null) {
    throw sm.invalidParameter(
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
  }
  const days = typeof window === 'number' ? window : 30;
  if (days < 7 || days > 30) throw sm.invalidParameter('RecoveryWindowInDays must be between 7 and 30.');
  const now = store.now();
  if (force) {
    store.secrets.delete(secret.name);
    store.secretValues.delete(secret.name);
    return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(now) };
  }
  secret.deletedAt ??= now;
  secret.deletionDate ??= now + days * 86_400_000;
  return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(secret.deletionDate) };
};

const restoreSecret: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  delete secret.deletedAt;
  delete secret.deletionDate;
  return { ARN: secret.arn, Name: secret.name };
};

const tagResource: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  secret.tags = mergeTags(secret.tags, readTags(body));
  return {};
};

const untagResource: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  const keys = Array.isArray(body.TagKeys) ? body.TagKeys : [];
  secret.tags = secret.tags.filter((tag) => !keys.includes(tag.Key));
  return {};
};

export const secretsManagerOperations: Record<string, JsonOperation> = {
  CreateSecret: createSecret,
  GetSecretValue: getSecretValue,
  PutSecretValue: putSecretValue,
  DescribeSecret: describeSecret,
  DeleteSecret: deleteSecret,
  RestoreSecret: restoreSecret,
  TagResource: tagResource,
  UntagResource: untagResource,
};
