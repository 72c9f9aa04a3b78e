/**
 * Secrets Manager (JSON 1.1, `X-Amz-Target: secretsmanager.<Action>`): CreateSecret, GetSecretValue,
 * PutSecretValue, DescribeSecret, DeleteSecret, RestoreSecret, TagResource, UntagResource, and
 * rotation: RotateSecret, CancelRotateSecret, UpdateSecretVersionStage. Versions carry staging labels
 * (AWSCURRENT, AWSPREVIOUS, AWSPENDING) as in AWS; RotateSecret runs the rotation function's four steps.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { SecretRotations } from './rotation';
import {
  ACCOUNT_ID,
  type SecretRecord,
  type SecretValue,
  type SecretVersion,
  type Store,
  type Tag,
} from './store';
import { ServiceError } from './wire';

export interface JsonContext {
  store: Store;
  body: Record<string, unknown>;
  region: string;
  rotations: SecretRotations;
}

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const PENDING = 'AWSPENDING';
const DAY_MS = 86_400_000;

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

function readValue(body: Record<string, unknown>): SecretValue {
  const secretString = optionalString(body, 'SecretString');
  const secretBinary = optionalString(body, 'SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined) {
    throw sm.invalidParameter('You can provide SecretString or SecretBinary, not both.');
  }
  if (secretString !== undefined) return { secretString };
  if (secretBinary !== undefined) return { secretBinary };
  return {};
}

const versionNotFound = () =>
  new ServiceError(
    'ResourceNotFoundException',
    "Secrets Manager can't find the specified secret value for the requested version or staging label.",
  );

function versionsOf(store: Store, secret: SecretRecord): SecretVersion[] {
  let versions = store.secretVersions.get(secret.name);
  if (!versions) {
    versions = [];
    store.secretVersions.set(secret.name, versions);
  }
  return versions;
}

function versionWith(store: Store, secret: SecretRecord, stage: string): SecretVersion | undefined {
  return versionsOf(store, secret).find((version) => version.stages.includes(stage));
}

/**
 * Attaches `stage` to one version, taking it off any other. Moving AWSCURRENT labels the version that
 * had it AWSPREVIOUS, as Secrets Manager does. Versions left without a label are dropped.
 */
function moveStage(store: Store, secret: SecretRecord, stage: string, to: SecretVersion): void {
  const versions = versionsOf(store, secret);
  const from = versions.find((version) => version.stages.includes(stage));
  if (from === to) return;
  if (from) from.stages = from.stages.filter((label) => label !== stage);
  to.stages.push(stage);
  if (stage === CURRENT && from) moveStage(store, secret, PREVIOUS, from);
  store.secretVersions.set(
    secret.name,
    versions.filter((version) => version.stages.length > 0),
  );
}

const sameValue = (a: SecretValue | undefined, b: SecretValue) => JSON.stringify(a) === JSON.stringify(b);

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
    const current = versionWith(store, existing, CURRENT);
    if (token !== undefined && current?.versionId === token && sameValue(current.value, value)) {
      return { ARN: existing.arn, Name: existing.name, VersionId: token };
    }
    throw sm.exists(name);
  }

  const suffix = Array.from({ length: 6 }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');
  const now = store.now();
  const hasValue = value.secretString !== undefined || value.secretBinary !== undefined;
  const secret: SecretRecord = {
    name,
    arn: `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${name}-${suffix}`,
    createdAt: now,
    lastChangedAt: now,
    tags,
  };
  const description = optionalString(body, 'Description');
  const kmsKeyId = optionalString(body, 'KmsKeyId');
  if (description !== undefined) secret.description = description;
  if (kmsKeyId !== undefined) secret.kmsKeyId = kmsKeyId;
  store.secrets.set(name, secret);
  const versionId = token ?? randomUUID();
  store.secretVersions.set(name, hasValue ? [{ versionId, value, stages: [CURRENT], createdAt: now }] : []);
  return { ARN: secret.arn, Name: secret.name, ...(hasValue ? { VersionId: versionId } : {}) };
};

const getSecretValue: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  if (secret.deletedAt !== undefined) throw sm.markedForDeletion();
  const versionId = optionalString(body, 'VersionId');
  const versionStage =
    optionalString(body, 'VersionStage') ?? (versionId === undefined ? CURRENT : undefined);
  const version = versionsOf(store, secret).find(
    (candidate) =>
      (versionId === undefined || candidate.versionId === versionId) &&
      (versionStage === undefined || candidate.stages.includes(versionStage)),
  );
  const value = version?.value;
  if (!version || !value) throw versionNotFound();
  secret.lastAccessedAt = store.now();
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    ...(value.secretString === undefined ? {} : { SecretString: value.secretString }),
    ...(value.secretBinary === undefined ? {} : { SecretBinary: value.secretBinary }),
    VersionStages: [...version.stages],
    CreatedDate: seconds(version.createdAt),
  };
};

function readStages(body: Record<string, unknown>): string[] {
  const value = body.VersionStages;
  if (value === undefined || value === null) return [CURRENT];
  if (!Array.isArray(value) || value.length === 0 || value.some((stage) => typeof stage !== 'string')) {
    throw sm.invalidParameter('VersionStages must be a non-empty list of strings.');
  }
  return [...new Set(value as string[])];
}

const putSecretValue: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  if (secret.deletedAt !== undefined) throw sm.markedForDeletion();
  const value = readValue(body);
  if (value.secretString === undefined && value.secretBinary === undefined) {
    throw sm.invalidParameter('You must provide either SecretString or SecretBinary.');
  }
  const stages = readStages(body);
  const versionId = optionalString(body, 'ClientRequestToken') ?? randomUUID();
  const versions = versionsOf(store, secret);
  let version = versions.find((candidate) => candidate.versionId === versionId);
  if (version?.value !== undefined) {
    // The same request again is answered as before; another value under that version is refused.
    if (!sameValue(version.value, value)) {
      throw new ServiceError(
        'ResourceExistsException',
        "You can't modify an existing version, you can only create new versions.",
      );
    }
  } else if (version) {
    version.value = value;
  } else {
    version = { versionId, value, stages: [], createdAt: store.now() };
    versions.push(version);
  }
  for (const stage of stages) moveStage(store, secret, stage, version);
  secret.lastChangedAt = store.now();
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    VersionStages: [...version.stages],
  };
};

const updateSecretVersionStage: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  if (secret.deletedAt !== undefined) throw sm.markedForDeletion();
  const stage = requiredString(body, 'VersionStage');
  const moveTo = optionalString(body, 'MoveToVersionId');
  const removeFrom = optionalString(body, 'RemoveFromVersionId');
  const holder = versionWith(store, secret, stage);
  if (holder && holder.versionId !== removeFrom && holder.versionId !== moveTo) {
    throw sm.invalidParameter(
      `The staging label ${stage} is currently attached to version ${holder.versionId}, but you have not specified it as RemoveFromVersionId.`,
    );
  }
  if (moveTo === undefined) {
    if (removeFrom === undefined)
      throw sm.invalidParameter('Give MoveToVersionId, RemoveFromVersionId or both.');
    if (stage === CURRENT)
      throw sm.invalidParameter("You can't remove the AWSCURRENT label without moving it.");
    if (holder) holder.stages = holder.stages.filter((label) => label !== stage);
    store.secretVersions.set(
      secret.name,
      versionsOf(store, secret).filter((version) => version.stages.length > 0),
    );
  } else {
    const target = versionsOf(store, secret).find((version) => version.versionId === moveTo);
    if (!target?.value) throw versionNotFound();
    moveStage(store, secret, stage, target);
  }
  secret.lastChangedAt = store.now();
  return { ARN: secret.arn, Name: secret.name };
};

const describeSecret: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  const versions = versionsOf(store, secret);
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description === undefined ? {} : { Description: secret.description }),
    ...(secret.kmsKeyId === undefined ? {} : { KmsKeyId: secret.kmsKeyId }),
    LastChangedDate: seconds(secret.lastChangedAt),
    ...(secret.lastAccessedAt === undefined ? {} : { LastAccessedDate: seconds(secret.lastAccessedAt) }),
    ...(secret.deletedAt === undefined ? {} : { DeletedDate: seconds(secret.deletedAt) }),
    Tags: secret.tags,
    ...rotationShape(secret),
    ...(versions.length > 0
      ? {
          VersionIdsToStages: Object.fromEntries(
            versions.map((version) => [version.versionId, [...version.stages]]),
          ),
        }
      : {}),
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
    store.secretVersions.delete(secret.name);
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

function rotationShape(secret: SecretRecord): Record<string, unknown> {
  const rotation = secret.rotation;
  if (!rotation) return { RotationEnabled: false };
  return {
    RotationEnabled: rotation.enabled,
    RotationLambdaARN: rotation.lambdaArn,
    RotationRules: rotation.rules,
    ...(rotation.lastRotatedAt === undefined ? {} : { LastRotatedDate: seconds(rotation.lastRotatedAt) }),
    ...(rotation.enabled && rotation.nextRotationAt !== undefined
      ? { NextRotationDate: seconds(rotation.nextRotationAt) }
      : {}),
  };
}

const RATE = /^rate\((\d+) (hour|hours|day|days)\)$/;

/** RotationRules as Secrets Manager checks them; answers the days between rotations when it can tell. */
function readRotationRules(value: unknown): { rules: Record<string, unknown>; days?: number } {
  if (value === undefined || value === null) return { rules: {} };
  if (typeof value !== 'object' || Array.isArray(value))
    throw sm.invalidParameter('RotationRules must be an object.');
  const rules = value as Record<string, unknown>;
  const { AutomaticallyAfterDays: days, ScheduleExpression: expression, Duration: duration } = rules;
  if (days !== undefined && expression !== undefined) {
    throw sm.invalidParameter("You can't specify both AutomaticallyAfterDays and ScheduleExpression.");
  }
  if (days !== undefined && (!Number.isInteger(days) || (days as number) < 1 || (days as number) > 1000)) {
    throw sm.invalidParameter('AutomaticallyAfterDays must be an integer between 1 and 1000.');
  }
  if (duration !== undefined) {
    const hours = typeof duration === 'string' ? /^(\d{1,2})h$/.exec(duration)?.[1] : undefined;
    if (hours === undefined || Number(hours) < 1 || Number(hours) > 24) {
      throw sm.invalidParameter('Duration must be between 1h and 24h, such as 4h.');
    }
  }
  if (expression === undefined) return { rules, ...(days === undefined ? {} : { days: days as number }) };
  if (typeof expression !== 'string' || expression.length > 256) {
    throw sm.invalidParameter('ScheduleExpression must be a rate() or cron() expression.');
  }
  const rate = RATE.exec(expression);
  if (rate) {
    const count = Number(rate[1]);
    const inDays = rate[2]?.startsWith('day') ? count : count / 24;
    if ((!rate[2]?.startsWith('day') && count < 4) || inDays < 1 / 6 || inDays > 1000) {
      throw sm.invalidParameter('A rate() schedule must be between 4 hours and 1000 days.');
    }
    return { rules, days: inDays };
  }
  if (!/^cron\(\S+( \S+){5}\)$/.test(expression)) {
    throw sm.invalidParameter('ScheduleExpression must be a rate() or cron() expression.');
  }
  return { rules };
}

const rotateSecret: JsonOperation = ({ store, body, rotations }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  if (secret.deletedAt !== undefined) throw sm.markedForDeletion();
  const lambdaArn = optionalString(body, 'RotationLambdaARN') ?? secret.rotation?.lambdaArn;
  if (lambdaArn === undefined) {
    throw sm.invalidRequest('No Lambda rotation function ARN is associated with this secret.');
  }
  if (!rotations.has(lambdaArn)) {
    throw new ServiceError(
      'AccessDeniedException',
      'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
    );
  }
  const given = body.RotationRules === undefined ? undefined : readRotationRules(body.RotationRules);
  const rules = given?.rules ?? secret.rotation?.rules ?? {};
  const days = given ? given.days : readRotationRules(rules).days;
  const now = store.now();
  const rotation = {
    ...secret.rotation,
    enabled: true,
    lambdaArn,
    rules,
    ...(days === undefined ? {} : { nextRotationAt: now + days * DAY_MS }),
  };
  const pending = versionWith(store, secret, PENDING);
  if (pending && !pending.stages.includes(CURRENT)) {
    // As AWS: the unfinished rotation is tried again, under its own token, and the caller is told.
    secret.rotation = rotation;
    if (!rotations.isRunning(secret.name)) startRotation(store, secret, rotations, pending.versionId);
    throw sm.invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
  }
  secret.rotation = rotation;
  if (body.RotateImmediately === false) {
    // The schedule alone: the first rotation comes when it is due (or with the next RotateSecret).
    return { ARN: secret.arn, Name: secret.name };
  }
  const token = optionalString(body, 'ClientRequestToken') ?? randomUUID();
  const staged: SecretVersion = { versionId: token, stages: [], createdAt: now };
  versionsOf(store, secret).push(staged);
  moveStage(store, secret, PENDING, staged);
  startRotation(store, secret, rotations, token);
  return { ARN: secret.arn, Name: secret.name, VersionId: token };
};

function startRotation(store: Store, secret: SecretRecord, rotations: SecretRotations, token: string): void {
  const lambdaArn = secret.rotation?.lambdaArn ?? '';
  rotations.start(secret.name, lambdaArn, { SecretId: secret.arn, ClientRequestToken: token }, (failure) => {
    const rotation = secret.rotation;
    if (!rotation) return;
    if (failure) {
      rotation.lastFailure = `${failure.name}: ${failure.message}`;
      return;
    }
    // Done: the new version keeps AWSCURRENT only.
    const version = versionsOf(store, secret).find((candidate) => candidate.versionId === token);
    if (version) version.stages = version.stages.filter((stage) => stage !== PENDING);
    delete rotation.lastFailure;
    rotation.lastRotatedAt = store.now();
    const { days } = readRotationRules(rotation.rules);
    if (days !== undefined) rotation.nextRotationAt = rotation.lastRotatedAt + days * DAY_MS;
  });
}

const cancelRotateSecret: JsonOperation = ({ store, body }) => {
  const secret = findSecret(store, requiredString(body, 'SecretId'));
  if (secret.deletedAt !== undefined) throw sm.markedForDeletion();
  if (secret.rotation) secret.rotation.enabled = false;
  const pending = versionWith(store, secret, PENDING);
  return { ARN: secret.arn, Name: secret.name, ...(pending ? { VersionId: pending.versionId } : {}) };
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
  RotateSecret: rotateSecret,
  CancelRotateSecret: cancelRotateSecret,
  UpdateSecretVersionStage: updateSecretVersionStage,
};
