/**
 * The last state of the provisioning and teardown workflows, on success and on failure alike:
 * answers CloudFormation when the execution was started by the custom-resource bridge (on the
 * ResponseURL the bridge kept for this execution, deleted once answered), and publishes the outcome on
 * EventBridge in every case.
 *
 * Only known fields are copied out of the state document (never whole objects), so nothing the
 * document should not hold, a password least of all, can travel on.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeLike, SecretsManagerLike } from '../aws/types';
import { ResultNotDelivered } from '../errors';
import { problemsOf, type ReadableError, readableError } from '../functionError';
import { asArray, asRecord } from '../json';
import type { Log } from '../logger';
import type { Endpoint } from '../provision/state';
import type { KeptResource, TeardownResult } from '../teardown/types';
import { executionNameOf, type WorkflowKind } from '../workflow';
import {
  type CfnResponse,
  fitReason,
  MAX_RESPONSE_BYTES,
  type ResponseSender,
  responseBytes,
} from './cfnResponse';
import { type CustomResourceEnvelope, describeEnvelope, envelopeOf } from './customResourceEnvelope';
import { notCreatedId, rbacOnlyId } from './physicalId';
import { deleteResponseUrl, readResponseUrl } from './responseUrls';

export type Outcome = 'Succeeded' | 'Failed';

/** What the notifying Task passes: `State.$: "$"`, `Input.$: "$$.Execution.Input"`, `Execution.$: "$$.Execution.Id"`. */
export interface NotifyInput {
  Workflow: WorkflowKind;
  Outcome: Outcome;
  /** The state document as the workflow ends. */
  State: unknown;
  /** The execution input, where the custom-resource envelope is, whatever the states did to the document. */
  Input?: unknown;
  /**
   * The execution's ARN (`$$.Execution.Id`): where to look in the console, named in every result; its
   * last part is the execution's name, which the bridge kept the ResponseURL under.
   */
  Execution?: string;
  /**
   * What a failed Create answers as its PhysicalResourceId when the state cannot tell how far it got
   * (the deadline's answer for an execution it stopped); read from the state otherwise.
   */
  PhysicalResourceId?: string;
}

/**
 * What was delivered and, for a failure, its Error and readable Cause: NotifyFailure stores them at
 * $.error, where the Fail states read what the execution fails with (a function error's Cause is
 * decoded here, not in the state machine).
 */
export interface NotifyOutput extends Partial<ReadableError> {
  CloudFormation: 'SUCCESS' | 'FAILED' | 'not-requested';
  EventBridge: 'published' | 'disabled';
  DetailType: string;
}

export interface NotifyConfig {
  /** EventBridge `source` of the result events. */
  source: string;
  /** Event bus name or ARN; `none` turns publishing off (local runs without EventBridge). */
  eventBusName: string;
}

export interface NotifyDeps {
  respond: ResponseSender;
  eventBridge: EventBridgeLike;
  /** Where the bridge kept the ResponseURL. */
  secretsManager: SecretsManagerLike;
  logger: Log;
  config: NotifyConfig;
}

export const DEFAULT_RESULT_EVENT_SOURCE = 'elasticache-provisioner';
export const DEFAULT_RESULT_EVENT_BUS = 'default';
export const EVENTS_DISABLED = 'none';

export function notifyConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  return {
    source: env.RESULT_EVENT_SOURCE || DEFAULT_RESULT_EVENT_SOURCE,
    eventBusName: env.RESULT_EVENT_BUS || DEFAULT_RESULT_EVENT_BUS,
  };
}

export const DETAIL_TYPES: Record<WorkflowKind, Record<Outcome, string>> = {
  provision: { Succeeded: 'ElastiCache Provisioning Succeeded', Failed: 'ElastiCache Provisioning Failed' },
  teardown: { Succeeded: 'ElastiCache Teardown Succeeded', Failed: 'ElastiCache Teardown Failed' },
};

/**
 * Keys of the custom resource's `Data` (what `Fn::GetAtt` reads). Every one is always present, empty
 * when it does not apply, so a template may reference any of them whatever the cluster mode.
 * `PasswordSecretArn.<UserId>` keys are added per user as long as the response stays within 4096 bytes.
 */
export const DATA_KEYS = [
  'ReplicationGroupId',
  'Arn',
  'ClusterMode',
  'EndpointAddress',
  'Port',
  'PrimaryEndpointAddress',
  'ReaderEndpointAddress',
  'ConfigurationEndpointAddress',
  'TransitEncryptionEnabled',
  'UserGroupId',
  'UserGroupIds',
  'UserIds',
  'PasswordSecretArns',
  'DataTruncated',
] as const;
export type DataKey = (typeof DATA_KEYS)[number];

/** Answers on the URL kept for the execution, then deletes it; kept when the answer did not go through. */
async function answerCloudFormation(
  deps: NotifyDeps,
  executionName: string | undefined,
  response: CfnResponse,
): Promise<void> {
  const url = executionName ? await readResponseUrl(deps.secretsManager, executionName) : undefined;
  if (!url) {
    throw new Error(
      `no CloudFormation ResponseURL is kept for execution ${executionName ?? '(unnamed)'}: answered already, or never kept`,
    );
  }
  await deps.respond(url, response);
  await deleteResponseUrl(deps.secretsManager, executionName ?? '');
}

export async function notifyResult(deps: NotifyDeps, input: NotifyInput): Promise<NotifyOutput> {
  const state = asRecord(input.State);
  const envelope = envelopeOf(input.Input) ?? envelopeOf(state);
  const correlationId = correlationIdOf(state, input.Input, envelope);
  const executionArn =
    typeof input.Execution === 'string' && input.Execution !== '' ? input.Execution : undefined;

  // A success without its result is a defect of the state machine; it is reported as the failure it is.
  const success = input.Outcome === 'Succeeded' ? successDetail(input.Workflow, state) : undefined;
  const failure = success ? undefined : failureOf(state, input.Outcome === 'Succeeded');
  const outcome: Outcome = success ? 'Succeeded' : 'Failed';
  const detailType = DETAIL_TYPES[input.Workflow][outcome];

  const detail: Record<string, unknown> = {
    ...(success ?? failureDetail(failure ?? unknownFailure(), replicationGroupIdOf(state, input.Input))),
    ...(correlationId ? { CorrelationId: correlationId } : {}),
    ...(executionArn ? { ExecutionArn: executionArn } : {}),
    ...(envelope ? { CustomResource: describeEnvelope(envelope) } : {}),
  };

  const deliveries: Promise<unknown>[] = [];
  let cloudFormation: NotifyOutput['CloudFormation'] = 'not-requested';
  if (envelope) {
    const response = success
      ? successResponse(envelope, success, input.Workflow)
      : failedResponse(envelope, state, failure ?? unknownFailure(), executionArn, input.PhysicalResourceId);
    cloudFormation = response.Status;
    const executionName = executionArn === undefined ? undefined : executionNameOf(executionArn);
    deliveries.push(answerCloudFormation(deps, executionName, response));
  }
  const publishing = deps.config.eventBusName !== EVENTS_DISABLED;
  if (publishing) deliveries.push(publish(deps, detailType, detail, success?.ARN));

  // Both are attempted whatever happens to the other: one channel down must not silence the other.
  const settled = await Promise.allSettled(deliveries);
  const rejected = settled.flatMap((item) => (item.status === 'rejected' ? [item.reason as unknown] : []));
  if (rejected.length > 0) {
    const reasons = rejected.map((reason) => (reason instanceof Error ? reason.message : String(reason)));
    throw new ResultNotDelivered(`${detailType} could not be delivered: ${reasons.join('; ')}`, {
      cause: rejected[0],
    });
  }
  deps.logger.info('Result delivered', {
    DetailType: detailType,
    CloudFormation: cloudFormation,
    EventBridge: publishing,
    CorrelationId: correlationId,
    ExecutionArn: executionArn,
    ...(envelope ? { CustomResource: describeEnvelope(envelope) } : {}),
  });
  return {
    CloudFormation: cloudFormation,
    EventBridge: publishing ? 'published' : 'disabled',
    DetailType: detailType,
    ...(failure ? { Error: failure.Error, Cause: failure.Cause } : {}),
  };
}

function failureDetail(failure: Failure, replicationGroupId: string | undefined): Record<string, unknown> {
  return {
    ...(replicationGroupId ? { ReplicationGroupId: replicationGroupId } : {}),
    Error: failure.Error,
    Cause: failure.message,
    ...(failure.problems ? { Problems: failure.problems } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Success

type SuccessDetail = (PickedProvisioningResult | PickedTeardownResult) & {
  ReplicationGroupId: string;
  ARN?: string;
};

interface PickedProvisioningResult {
  ReplicationGroupId: string;
  Status: string;
  ARN: string;
  ClusterMode: string;
  Endpoints: Record<string, Endpoint>;
  TransitEncryptionEnabled: boolean;
  UserGroupIds: string[];
  Users: { UserId: string; UserName: string; PasswordSecretArn?: string }[];
  Created: { Users: string[]; UserGroup: boolean; ReplicationGroup: boolean };
  Notes?: string[];
  /** What the run changed in an existing group. */
  Changes?: { field: string; current: unknown; requested: unknown }[];
}

type PickedTeardownResult = Omit<TeardownResult, 'CorrelationId'>;

function successDetail(workflow: WorkflowKind, state: Record<string, unknown>): SuccessDetail | undefined {
  if (workflow === 'provision') {
    const poll = asRecord(state.poll);
    return pickProvisioningResult(poll.Result);
  }
  return pickTeardownResult(state.result);
}

export function pickProvisioningResult(value: unknown): PickedProvisioningResult | undefined {
  const result = asRecord(value);
  if (typeof result.ReplicationGroupId !== 'string' || typeof result.ARN !== 'string') return undefined;
  const endpoints: Record<string, Endpoint> = {};
  for (const [name, endpoint] of Object.entries(asRecord(result.Endpoints))) {
    const { Address, Port } = asRecord(endpoint);
    if (typeof Address === 'string' && typeof Port === 'number') endpoints[name] = { Address, Port };
  }
  const created = asRecord(result.Created);
  return {
    ReplicationGroupId: result.ReplicationGroupId,
    Status: String(result.Status ?? 'available'),
    ARN: result.ARN,
    ClusterMode: String(result.ClusterMode ?? ''),
    Endpoints: endpoints,
    TransitEncryptionEnabled: result.TransitEncryptionEnabled === true,
    UserGroupIds: strings(result.UserGroupIds),
    Users: asArray(result.Users).flatMap((item) => {
      const user = asRecord(item);
      if (typeof user.UserId !== 'string') return [];
      return [
        {
          UserId: user.UserId,
          UserName: String(user.UserName ?? ''),
          ...(typeof user.PasswordSecretArn === 'string'
            ? { PasswordSecretArn: user.PasswordSecretArn }
            : {}),
        },
      ];
    }),
    Created: {
      Users: strings(created.Users),
      UserGroup: created.UserGroup === true,
      ReplicationGroup: created.ReplicationGroup === true,
    },
    ...(Array.isArray(result.Notes) ? { Notes: strings(result.Notes) } : {}),
    ...(Array.isArray(result.Changes) ? { Changes: fieldChanges(result.Changes) } : {}),
  };
}

/** Field, current and requested values only; the values are those of the request and ElastiCache's description. */
function fieldChanges(items: unknown[]): NonNullable<PickedProvisioningResult['Changes']> {
  return items.flatMap((item) => {
    const change = asRecord(item);
    return typeof change.field === 'string'
      ? [{ field: change.field, current: change.current ?? null, requested: change.requested ?? null }]
      : [];
  });
}

export function pickTeardownResult(value: unknown): PickedTeardownResult | undefined {
  const result = asRecord(value);
  if (typeof result.ReplicationGroupId !== 'string') return undefined;
  const deleted = asRecord(result.Deleted);
  return {
    ReplicationGroupId: result.ReplicationGroupId,
    Deleted: {
      ReplicationGroup: deleted.ReplicationGroup === true,
      UserGroups: strings(deleted.UserGroups),
      Users: strings(deleted.Users),
      Secrets: strings(deleted.Secrets),
    },
    Kept: asArray(result.Kept).flatMap((item): KeptResource[] => {
      const kept = asRecord(item);
      const types = ['ReplicationGroup', 'UserGroup', 'User', 'Secret'];
      if (typeof kept.Id !== 'string' || typeof kept.Type !== 'string' || !types.includes(kept.Type))
        return [];
      return [{ Type: kept.Type as KeptResource['Type'], Id: kept.Id, Reason: String(kept.Reason ?? '') }];
    }),
    ...(typeof result.FinalSnapshotIdentifier === 'string'
      ? { FinalSnapshotIdentifier: result.FinalSnapshotIdentifier }
      : {}),
  };
}

function successResponse(
  envelope: CustomResourceEnvelope,
  success: SuccessDetail,
  workflow: WorkflowKind,
): CfnResponse {
  const response: CfnResponse = {
    Status: 'SUCCESS',
    // Update and Delete must echo the id CloudFormation knows: a different one means "replaced".
    PhysicalResourceId: envelope.PhysicalResourceId ?? success.ReplicationGroupId,
    StackId: envelope.StackId,
    RequestId: envelope.RequestId,
    LogicalResourceId: envelope.LogicalResourceId,
  };
  if (workflow === 'teardown' || !('Endpoints' in success)) return response;
  return { ...response, Data: provisioningData(response, success) };
}

/** The Data of a provisioning success, within the response size limit (see DATA_KEYS). */
export function provisioningData(
  response: Omit<CfnResponse, 'Data'>,
  result: PickedProvisioningResult,
): Record<string, string> {
  const endpoint = (name: string): Endpoint | undefined => result.Endpoints[name];
  const main = endpoint('Configuration') ?? endpoint('Primary');
  const withSecrets = result.Users.filter((user) => user.PasswordSecretArn !== undefined);
  const data: Record<DataKey, string> = {
    ReplicationGroupId: result.ReplicationGroupId,
    Arn: result.ARN,
    ClusterMode: result.ClusterMode,
    EndpointAddress: main?.Address ?? '',
    Port: main ? String(main.Port) : '',
    PrimaryEndpointAddress: endpoint('Primary')?.Address ?? '',
    ReaderEndpointAddress: endpoint('Reader')?.Address ?? '',
    ConfigurationEndpointAddress: endpoint('Configuration')?.Address ?? '',
    TransitEncryptionEnabled: String(result.TransitEncryptionEnabled),
    // ElastiCache attaches at most one user group to a replication group.
    UserGroupId: result.UserGroupIds[0] ?? '',
    UserGroupIds: result.UserGroupIds.join(','),
    UserIds: result.Users.map((user) => user.UserId).join(','),
    PasswordSecretArns: withSecrets.map((user) => user.PasswordSecretArn).join(','),
    DataTruncated: 'false',
  };
  const fits = (candidate: Record<string, string>) =>
    responseBytes({ ...response, Data: candidate }) <= MAX_RESPONSE_BYTES;
  if (!fits(data)) {
    // Only the lists can grow without bound; the full lists are in the result event.
    data.UserIds = '';
    data.PasswordSecretArns = '';
    data.DataTruncated = 'true';
  }
  const extended: Record<string, string> = { ...data };
  for (const user of withSecrets) {
    const key = `PasswordSecretArn.${user.UserId}`;
    const next = { ...extended, [key]: user.PasswordSecretArn as string };
    if (!fits(next)) {
      extended.DataTruncated = 'true';
      break;
    }
    extended[key] = user.PasswordSecretArn as string;
  }
  return extended;
}

// ---------------------------------------------------------------------------------------------
// Failure

/** A failure: as the execution fails with it (Error, Cause), and as the result event and CloudFormation tell it. */
interface Failure extends ReadableError {
  /** The Cause, a ValidationError's problems listed one by one. */
  message: string;
  problems?: { field: string; message: string }[];
}

/** A failure whose cause is told as it is. */
function plainFailure(error: string, cause: string): Failure {
  return { Error: error, Cause: cause, message: cause };
}

function unknownFailure(): Failure {
  return plainFailure('UnknownError', 'The workflow failed without reporting an error.');
}

function failureOf(state: Record<string, unknown>, missingResult: boolean): Failure {
  if (missingResult) return plainFailure('ResultMissing', 'The workflow reported success without a result.');
  const caught = readableError(state.error);
  if (!caught) return unknownFailure();
  const problems = problemsOf(caught.Cause);
  if (!problems) return plainFailure(caught.Error, caught.Cause);
  return { ...caught, message: problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems };
}

function failedResponse(
  envelope: CustomResourceEnvelope,
  state: Record<string, unknown>,
  failure: Failure,
  executionArn: string | undefined,
  physicalResourceId: string | undefined,
): CfnResponse {
  const base = {
    Status: 'FAILED' as const,
    PhysicalResourceId: envelope.PhysicalResourceId ?? physicalResourceId ?? failedCreateId(envelope, state),
    StackId: envelope.StackId,
    RequestId: envelope.RequestId,
    LogicalResourceId: envelope.LogicalResourceId,
  };
  // The execution is named so the stack's events lead straight to its history.
  const execution = executionArn ? ` (execution ${executionArn})` : '';
  return { ...base, Reason: fitReason(base, `${failure.Error}: ${failure.message}${execution}`) };
}

/** How much a failed Create leaves behind decides what its rollback Delete has to remove (see physicalId.ts). */
function failedCreateId(envelope: CustomResourceEnvelope, state: Record<string, unknown>): string {
  const request = asRecord(state.request);
  if (typeof request.ReplicationGroupId !== 'string') return notCreatedId(envelope.RequestId);
  if (state.replicationGroup !== undefined) return request.ReplicationGroupId;
  return request.Rbac !== undefined ? rbacOnlyId(envelope.RequestId) : notCreatedId(envelope.RequestId);
}

// ---------------------------------------------------------------------------------------------
// EventBridge

async function publish(
  deps: NotifyDeps,
  detailType: string,
  detail: Record<string, unknown>,
  arn: string | undefined,
): Promise<void> {
  const out = await deps.eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: deps.config.source,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          EventBusName: deps.config.eventBusName,
          ...(arn ? { Resources: [arn] } : {}),
        },
      ],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    const entry = out.Entries?.[0];
    throw new ResultNotDelivered(
      `EventBridge refused the ${detailType} event: ${entry?.ErrorCode ?? 'unknown error'} ${entry?.ErrorMessage ?? ''}`.trim(),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Reading an untyped document

function correlationIdOf(
  state: Record<string, unknown>,
  input: unknown,
  envelope: CustomResourceEnvelope | undefined,
): string | undefined {
  const raw = asRecord(input);
  const candidates = [
    asRecord(state.request).CorrelationId,
    asRecord(state.result).CorrelationId,
    raw.CorrelationId,
    asRecord(raw.detail).CorrelationId,
    envelope?.RequestId,
    raw.id,
  ];
  return candidates.find((value): value is string => typeof value === 'string' && value !== '');
}

function replicationGroupIdOf(state: Record<string, unknown>, input: unknown): string | undefined {
  const raw = asRecord(input);
  const candidates = [
    asRecord(state.request).ReplicationGroupId,
    raw.ReplicationGroupId,
    asRecord(raw.detail).ReplicationGroupId,
  ];
  const found = candidates.find((value): value is string => typeof value === 'string' && value !== '');
  return found?.toLowerCase();
}

function strings(value: unknown): string[] {
  return asArray(value).filter((item): item is string => typeof item === 'string');
}
