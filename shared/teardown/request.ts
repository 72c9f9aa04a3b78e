/**
 * The teardown request: the replication group to delete, plus what the caller knows about the
 * RBAC resources created for it. Checked as strictly as a provisioning request: a typo must not
 * silently become a default, least of all in a request that deletes things.
 */
import { type Problem, ValidationError } from '../errors';
import { unwrapExecutionInput } from '../executionInput';
import { isRbacId, isReplicationGroupId, REPLICATION_GROUP_ID } from '../ids';
import { isRecord } from '../json';
import type { TeardownPolling, TeardownRequest } from './types';

/**
 * Deleting a replication group takes minutes; one that is still being created has to finish first,
 * so the default limit leaves room for a creation and a deletion.
 */
export const TEARDOWN_POLLING_DEFAULTS: TeardownPolling = { TimeoutMinutes: 120, WaitSeconds: 30 };
export const TEARDOWN_POLLING_BOUNDS = {
  TimeoutMinutes: { min: 1, max: 1440 },
  WaitSeconds: { min: 1, max: 3600 },
} as const satisfies Record<keyof TeardownPolling, { min: number; max: number }>;

const FIELDS = [
  'ReplicationGroupId',
  'FinalSnapshotIdentifier',
  'KeepReplicationGroup',
  'IfNotManaged',
  'Rbac',
  'Polling',
  'CorrelationId',
] as const;
const RBAC_FIELDS = ['UserGroupId', 'UserIds'] as const;

export function validateTeardownRequest(input: unknown): TeardownRequest {
  const { body, correlationId } = unwrapExecutionInput(input);
  const problems: Problem[] = [];
  const notes: string[] = [];
  if (!isRecord(body)) {
    throw new ValidationError([{ field: '(request)', message: 'must be an object' }]);
  }
  for (const key of Object.keys(body)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      problems.push({ field: key, message: `unknown field; allowed here: ${FIELDS.join(', ')}` });
    }
  }

  const id = lowerCaseId(
    body.ReplicationGroupId,
    'ReplicationGroupId',
    problems,
    notes,
    isReplicationGroupId,
  );
  const snapshot = optionalString(body.FinalSnapshotIdentifier, 'FinalSnapshotIdentifier', problems);
  if (snapshot !== undefined && !(snapshot.length <= 255 && REPLICATION_GROUP_ID.test(snapshot))) {
    problems.push({
      field: 'FinalSnapshotIdentifier',
      message:
        'must start with a letter, hold only letters, digits and single hyphens, not end with a hyphen',
    });
  }
  const keep = optionalBoolean(body.KeepReplicationGroup, 'KeepReplicationGroup', problems) ?? false;
  if (keep && snapshot !== undefined) {
    problems.push({
      field: 'FinalSnapshotIdentifier',
      message: 'makes no sense with KeepReplicationGroup: true',
    });
  }
  const ifNotManaged = body.IfNotManaged ?? 'fail';
  if (ifNotManaged !== 'fail' && ifNotManaged !== 'keep') {
    problems.push({ field: 'IfNotManaged', message: 'must be "fail" (the default) or "keep"' });
  }
  const rbac = readRbac(body.Rbac, problems, notes);
  const polling = readPolling(body.Polling, problems);
  const ownCorrelationId = optionalString(body.CorrelationId, 'CorrelationId', problems);
  if (ownCorrelationId !== undefined && !/^[\x20-\x7E]{1,128}$/.test(ownCorrelationId)) {
    problems.push({ field: 'CorrelationId', message: 'must be 1-128 printable characters' });
  }

  if (problems.length > 0 || id === undefined) throw new ValidationError(problems);
  const correlation = ownCorrelationId ?? correlationId;
  return {
    ReplicationGroupId: id,
    ...(snapshot === undefined ? {} : { FinalSnapshotIdentifier: snapshot }),
    KeepReplicationGroup: keep,
    IfNotManaged: ifNotManaged as 'fail' | 'keep',
    ...(rbac === undefined ? {} : { Rbac: rbac }),
    Polling: polling,
    ...(correlation === undefined ? {} : { CorrelationId: correlation }),
    Notes: notes,
  };
}

function lowerCaseId(
  value: unknown,
  field: string,
  problems: Problem[],
  notes: string[],
  valid: (id: string) => boolean,
): string | undefined {
  if (value === undefined) {
    problems.push({ field, message: 'is required' });
    return undefined;
  }
  if (typeof value !== 'string' || !valid(value)) {
    problems.push({
      field,
      message:
        'must start with a letter and hold only letters, digits and hyphens (ElastiCache naming rules)',
    });
    return undefined;
  }
  const lower = value.toLowerCase();
  // ElastiCache stores ids lower-case; saying so avoids a surprise when comparing with the output.
  if (lower !== value) notes.push(`${field} lower-cased to ${lower}`);
  return lower;
}

function optionalString(value: unknown, field: string, problems: Problem[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    problems.push({ field, message: 'must be a non-empty string' });
    return undefined;
  }
  return value;
}

function optionalBoolean(value: unknown, field: string, problems: Problem[]): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  problems.push({ field, message: 'must be true or false' });
  return undefined;
}

function readRbac(value: unknown, problems: Problem[], notes: string[]): TeardownRequest['Rbac'] {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    problems.push({ field: 'Rbac', message: 'must be an object { UserGroupId, UserIds }' });
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!(RBAC_FIELDS as readonly string[]).includes(key)) {
      problems.push({
        field: `Rbac.${key}`,
        message: `unknown field; allowed here: ${RBAC_FIELDS.join(', ')}`,
      });
    }
  }
  const groupId = lowerCaseId(value.UserGroupId, 'Rbac.UserGroupId', problems, notes, isRbacId);
  const userIds: string[] = [];
  if (value.UserIds !== undefined) {
    if (!Array.isArray(value.UserIds)) {
      problems.push({ field: 'Rbac.UserIds', message: 'must be a list of user ids' });
    } else {
      value.UserIds.forEach((userId: unknown, index) => {
        const id = lowerCaseId(userId, `Rbac.UserIds[${index}]`, problems, notes, isRbacId);
        if (id !== undefined && !userIds.includes(id)) userIds.push(id);
      });
    }
  }
  return groupId === undefined ? undefined : { UserGroupId: groupId, UserIds: userIds };
}

function readPolling(value: unknown, problems: Problem[]): TeardownPolling {
  const polling = { ...TEARDOWN_POLLING_DEFAULTS };
  if (value === undefined) return polling;
  if (!isRecord(value)) {
    problems.push({ field: 'Polling', message: 'must be an object { TimeoutMinutes, WaitSeconds }' });
    return polling;
  }
  for (const [key, raw] of Object.entries(value)) {
    const bounds = TEARDOWN_POLLING_BOUNDS[key as keyof TeardownPolling];
    if (!bounds) {
      problems.push({
        field: `Polling.${key}`,
        message: 'unknown field; allowed here: TimeoutMinutes, WaitSeconds',
      });
      continue;
    }
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < bounds.min || raw > bounds.max) {
      problems.push({
        field: `Polling.${key}`,
        message: `must be a whole number from ${bounds.min} to ${bounds.max}`,
      });
      continue;
    }
    polling[key as keyof TeardownPolling] = raw;
  }
  return polling;
}
