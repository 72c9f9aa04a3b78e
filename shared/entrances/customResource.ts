/**
 * The bridge between a CloudFormation custom resource (a Service Catalog product) and the
 * workflows. It starts the provisioning workflow for Create and the teardown workflow for Delete;
 * the workflow answers CloudFormation when it ends (see notify.ts). The bridge answers itself only
 * when no workflow is going to: a refused Update, a Delete with nothing to remove, a request that
 * cannot be started. A Create for a replication group that exists already is refused by the
 * workflow's validation (the envelope says Create), which answers FAILED with nothing created.
 *
 * Redelivered requests start nothing new: the execution name is derived from the request, so a
 * second StartExecution with it is refused by Step Functions (or answered with the same execution).
 * Every call the bridge makes either starts a workflow or ends in an answer: a failure is answered
 * FAILED, never left for CloudFormation to wait an hour on.
 *
 * Update goes through the provisioning workflow with the new properties: it changes the group in
 * place and answers SUCCESS with the same PhysicalResourceId, or answers FAILED naming what cannot
 * change in place, having changed nothing. The rollback of a failed Update is an Update back to the
 * old properties, and converges the same way. Only another ReplicationGroupId (another group, a
 * replacement) is refused here, except in the rollback that undoes it.
 */
import { createHash } from 'node:crypto';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CloudFormationLike, SecretsManagerLike, SfnLike } from '../aws/types';
import { errorName } from '../errors';
import { defaultUserId, isRbacId, isReplicationGroupId } from '../ids';
import { isRecord, parseJson } from '../json';
import type { Log } from '../logger';
import { passwordProblems } from '../request/inspect';
import { executionArnOf, type WorkflowKind } from '../workflow';
import { type CfnResponse, fitReason, type ResponseSender } from './cfnResponse';
import {
  type CustomResourceEnvelope,
  type CustomResourceRequest,
  describeEnvelope,
  ENVELOPE_KEY,
} from './customResourceEnvelope';
import { DEFAULT_SERVICE_TIMEOUT_SECONDS, deadlineInput } from './deadline';
import { notCreatedId, physicalIdKind } from './physicalId';
import { deleteResponseUrl, keepResponseUrl } from './responseUrls';

export interface BridgeConfig {
  provisionStateMachineArn?: string;
  teardownStateMachineArn?: string;
  /** The deadline started beside each workflow (see deadline.ts). */
  deadlineStateMachineArn?: string;
}

export function bridgeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  return {
    ...(env.PROVISION_STATE_MACHINE_ARN ? { provisionStateMachineArn: env.PROVISION_STATE_MACHINE_ARN } : {}),
    ...(env.TEARDOWN_STATE_MACHINE_ARN ? { teardownStateMachineArn: env.TEARDOWN_STATE_MACHINE_ARN } : {}),
    ...(env.DEADLINE_STATE_MACHINE_ARN ? { deadlineStateMachineArn: env.DEADLINE_STATE_MACHINE_ARN } : {}),
  };
}

export interface BridgeDeps {
  sfn: SfnLike;
  cloudFormation: CloudFormationLike;
  /** Where the ResponseURL waits for the workflow's answer, outside the execution. */
  secretsManager: SecretsManagerLike;
  respond: ResponseSender;
  logger: Log;
  config: BridgeConfig;
  /** When the request was received, which the deadline counts from; Date.now by default. */
  now?: () => number;
}

export type BridgeOutcome =
  | { Action: 'started'; Workflow: WorkflowKind; ExecutionName: string; ExecutionArn: string }
  | { Action: 'already-started'; Workflow: WorkflowKind; ExecutionName: string }
  | { Action: 'answered'; Status: CfnResponse['Status']; PhysicalResourceId: string; Reason?: string };

/**
 * Properties that are not part of the provisioning request: CloudFormation's own, and the final
 * snapshot name, which only the teardown reads (changing it is therefore not a change of the group).
 */
export const NON_REQUEST_PROPERTIES = ['ServiceToken', 'ServiceTimeout', 'FinalSnapshotIdentifier'] as const;

type Properties = Record<string, unknown>;

export async function handleCustomResource(
  deps: BridgeDeps,
  event: CloudFormationCustomResourceEvent,
): Promise<BridgeOutcome> {
  const envelope: CustomResourceRequest = {
    RequestType: event.RequestType,
    ResponseURL: event.ResponseURL,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...('PhysicalResourceId' in event && event.PhysicalResourceId
      ? { PhysicalResourceId: event.PhysicalResourceId }
      : {}),
  };
  deps.logger.info('Custom resource request', {
    ...describeEnvelope(envelope),
    ResourceType: event.ResourceType,
  });
  const properties: Properties = { ...(event.ResourceProperties ?? {}) };

  // Passwords never travel in an execution input: refused before anything is started. A Delete
  // passes on no properties that could hold one, and must not fail (its stack would be stuck).
  const passwords = event.RequestType === 'Delete' ? [] : passwordProblems(properties);
  if (passwords.length > 0) {
    return answer(deps, envelope, 'FAILED', passwords.map((p) => `${p.field}: ${p.message}`).join('; '));
  }

  switch (event.RequestType) {
    case 'Create':
      return create(deps, envelope, properties);
    case 'Update':
      return update(deps, envelope, properties, { ...(event.OldResourceProperties ?? {}) });
    case 'Delete':
      return remove(deps, envelope, properties);
    default:
      return answer(
        deps,
        envelope,
        'FAILED',
        `Unknown RequestType ${String((event as { RequestType?: unknown }).RequestType)}`,
      );
  }
}

/** A bridge deployed without the ARN of the state machine to start answers FAILED, naming the setting. */
function notConfigured(
  deps: BridgeDeps,
  envelope: CustomResourceRequest,
  setting: string,
): Promise<BridgeOutcome> {
  return answer(deps, envelope, 'FAILED', `The bridge is not configured: ${setting} is not set`);
}

async function create(
  deps: BridgeDeps,
  envelope: CustomResourceRequest,
  properties: Properties,
): Promise<BridgeOutcome> {
  const stateMachineArn = deps.config.provisionStateMachineArn;
  if (!stateMachineArn) return notConfigured(deps, envelope, 'PROVISION_STATE_MACHINE_ARN');
  // A redelivered Create reuses the name, which Step Functions refuses (or answers with the same
  // execution): no second run, whose validation would find the group the first one made.
  return startProvisioning(deps, envelope, stateMachineArn, properties);
}

async function update(
  deps: BridgeDeps,
  envelope: CustomResourceRequest,
  properties: Properties,
  oldProperties: Properties,
): Promise<BridgeOutcome> {
  const changes = changedProperties(oldProperties, properties);
  const renamed = changes.find(
    (change) =>
      change.property === 'ReplicationGroupId' &&
      String(change.from).toLowerCase() !== String(change.to).toLowerCase(),
  );
  // Another id is another group: CloudFormation would have to replace the resource. Its rollback
  // (the id going back) is let through.
  if (renamed && !(await isRollingBack(deps, envelope.StackId))) {
    return answer(
      deps,
      envelope,
      'FAILED',
      `Changing ReplicationGroupId (${describeValue(renamed.from)} -> ${describeValue(renamed.to)}) requires replacing ` +
        'the resource, which is not done in place: nothing was changed. Restore the previous value, or create a new ' +
        'resource with another ReplicationGroupId.',
    );
  }
  const stateMachineArn = deps.config.provisionStateMachineArn;
  if (!stateMachineArn) return notConfigured(deps, envelope, 'PROVISION_STATE_MACHINE_ARN');
  deps.logger.info('Update: the workflow converges the group to the properties', {
    ChangedProperties: changes.map((change) => change.property),
  });
  return startProvisioning(deps, envelope, stateMachineArn, properties);
}

/**
 * Kept between the availability time limit (counted from the execution's start) and CloudFormation's
 * deadline: the last check and the failure answer with its retries, which must come before the
 * bridge's own deadline answers (DEADLINE_MARGIN_SECONDS before CloudFormation's).
 */
export const ANSWER_RESERVE_SECONDS = 480;

/**
 * The shortest ServiceTimeout a Create or Update is started with: its deadline must come after the
 * validation's worst case (a Create answered at its deadline names the requested group, which only a
 * validated Create can have made), and it leaves a few minutes to provision.
 */
export const MIN_SERVICE_TIMEOUT_SECONDS = 900;

/** How long CloudFormation waits for this resource's answer: its ServiceTimeout, else an hour. */
export function serviceTimeoutSeconds(properties: Properties): number {
  const requested = Number(properties.ServiceTimeout);
  return Number.isInteger(requested) && requested > 0 && requested <= DEFAULT_SERVICE_TIMEOUT_SECONDS
    ? requested
    : DEFAULT_SERVICE_TIMEOUT_SECONDS;
}

/** The longest Polling.TimeoutMinutes that still answers within the resource's ServiceTimeout. */
export function timeoutMinutesBudget(properties: Properties): number {
  return Math.max(1, Math.floor((serviceTimeoutSeconds(properties) - ANSWER_RESERVE_SECONDS) / 60));
}

/**
 * Starts provisioning with a time limit CloudFormation can wait for: Polling.TimeoutMinutes defaults to
 * the budget, and a longer one is refused at once (the stack would otherwise see only a timeout).
 */
async function startProvisioning(
  deps: BridgeDeps,
  envelope: CustomResourceRequest,
  stateMachineArn: string,
  properties: Properties,
): Promise<BridgeOutcome> {
  const serviceTimeout = serviceTimeoutSeconds(properties);
  if (serviceTimeout < MIN_SERVICE_TIMEOUT_SECONDS) {
    return answer(
      deps,
      envelope,
      'FAILED',
      `ServiceTimeout: ${serviceTimeout} s is too short to provision and answer in; ` +
        `nothing was started. Set it to ${MIN_SERVICE_TIMEOUT_SECONDS} or more, or leave it out (an hour).`,
    );
  }
  const budget = timeoutMinutesBudget(properties);
  const polling = typeof properties.Polling === 'string' ? parseJson(properties.Polling) : properties.Polling;
  const given = isRecord(polling) ? polling : {};
  const asked = given.TimeoutMinutes === undefined ? undefined : Number(given.TimeoutMinutes);
  if (asked !== undefined && asked > budget) {
    return answer(
      deps,
      envelope,
      'FAILED',
      `Polling.TimeoutMinutes: ${String(given.TimeoutMinutes)} is more than the ${budget} minutes a CloudFormation ` +
        `resource can wait (ServiceTimeout ${serviceTimeout} s, less ${ANSWER_RESERVE_SECONDS} s to answer); ` +
        `nothing was started. Set it to ${budget} or less.`,
    );
  }
  const request = {
    ...requestProperties(properties),
    Polling: { ...given, TimeoutMinutes: String(asked ?? budget) },
  };
  return start(deps, envelope, 'provision', stateMachineArn, request, serviceTimeout);
}

async function remove(
  deps: BridgeDeps,
  envelope: CustomResourceRequest,
  properties: Properties,
): Promise<BridgeOutcome> {
  const physicalId = envelope.PhysicalResourceId;
  let kind = physicalIdKind(physicalId);
  if (kind === 'replication-group' && !isReplicationGroupId(physicalId ?? '')) kind = 'not-created';
  const rbac = rbacHints(properties);
  const requested = typeof properties.ReplicationGroupId === 'string' ? properties.ReplicationGroupId : '';

  let input: Properties;
  if (kind === 'replication-group') {
    const snapshot = properties.FinalSnapshotIdentifier;
    input = {
      ReplicationGroupId: physicalId,
      // A group without the provisioner's tags was never this resource's: leaving it is the right Delete.
      IfNotManaged: 'keep',
      ...(rbac ? { Rbac: rbac } : {}),
      ...(typeof snapshot === 'string' && snapshot !== '' ? { FinalSnapshotIdentifier: snapshot } : {}),
    };
  } else if (kind === 'rbac-only' && rbac && isReplicationGroupId(requested)) {
    input = {
      ReplicationGroupId: requested.toLowerCase(),
      KeepReplicationGroup: true,
      IfNotManaged: 'keep',
      Rbac: rbac,
    };
  } else {
    return answer(deps, envelope, 'SUCCESS', 'Nothing was created for this resource: nothing to delete');
  }
  // The group's deletion and then its user groups' each wait up to TimeoutMinutes: half the budget
  // each keeps the answer (a rollback Delete's too) within the resource's ServiceTimeout.
  input.Polling = { TimeoutMinutes: Math.max(1, Math.floor(timeoutMinutesBudget(properties) / 2)) };

  const stateMachineArn = deps.config.teardownStateMachineArn;
  if (!stateMachineArn) return notConfigured(deps, envelope, 'TEARDOWN_STATE_MACHINE_ARN');
  return start(deps, envelope, 'teardown', stateMachineArn, input, serviceTimeoutSeconds(properties));
}

async function start(
  deps: BridgeDeps,
  envelope: CustomResourceRequest,
  workflow: WorkflowKind,
  stateMachineArn: string,
  request: Properties,
  serviceTimeout: number,
): Promise<BridgeOutcome> {
  const deadlineArn = deps.config.deadlineStateMachineArn;
  if (!deadlineArn) return notConfigured(deps, envelope, 'DEADLINE_STATE_MACHINE_ARN');
  const name = executionName(envelope);
  // The ResponseURL (a credential) never enters the execution: the answering step finds it by name.
  const input = { ...request, [ENVELOPE_KEY]: describeEnvelope(envelope) };
  const deadline = deadlineInput({
    receivedAt: (deps.now ?? Date.now)(),
    serviceTimeoutSeconds: serviceTimeout,
    workflow,
    execution: executionArnOf(stateMachineArn, name),
    input,
  });
  let kept = false;
  let step = 'deadline';
  try {
    await keepResponseUrl(deps.secretsManager, name, envelope.ResponseURL);
    kept = true;
    // The deadline first: a workflow must never run without one. A redelivered request keeps the
    // deadline the first delivery set, counted from when CloudFormation started waiting.
    await startUnlessStarted(deps, deadlineArn, name, deadline);
    step = 'workflow';
    const out = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    deps.logger.info('Workflow started', {
      Workflow: workflow,
      ExecutionName: name,
      ExecutionArn: out.executionArn,
      AnswerBy: deadline.AnswerBy,
    });
    return {
      Action: 'started',
      Workflow: workflow,
      ExecutionName: name,
      ExecutionArn: out.executionArn ?? '',
    };
  } catch (err) {
    if (errorName(err) === 'ExecutionAlreadyExists') {
      // The running execution answers on the URL just kept, the newest CloudFormation gave.
      deps.logger.info('Execution already started for this request', { ExecutionName: name });
      return { Action: 'already-started', Workflow: workflow, ExecutionName: name };
    }
    // The SDK has already retried what is worth retrying: answering now keeps the stack from waiting an hour.
    const what =
      step === 'deadline' ? `the deadline of the ${workflow} workflow` : `the ${workflow} workflow`;
    const reason = `Could not start ${what}: ${errorName(err) ?? 'Error'}: ${
      err instanceof Error ? err.message : String(err)
    }`;
    deps.logger.warn('Workflow not started', {
      Workflow: workflow,
      ExecutionName: name,
      Step: step,
      Error: errorName(err),
    });
    // No execution will answer: the kept URL goes (a failure to delete it must not hide the answer).
    // A deadline already started then finds nothing to answer.
    if (kept) await deleteResponseUrl(deps.secretsManager, name).catch(() => undefined);
    return answer(deps, envelope, 'FAILED', reason);
  }
}

/** Starts the deadline; one already started for this request (a redelivery) stands. */
async function startUnlessStarted(
  deps: BridgeDeps,
  stateMachineArn: string,
  name: string,
  input: object,
): Promise<void> {
  try {
    await deps.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  } catch (err) {
    if (errorName(err) !== 'ExecutionAlreadyExists') throw err;
  }
}

async function answer(
  deps: BridgeDeps,
  envelope: CustomResourceRequest,
  status: CfnResponse['Status'],
  reason: string,
): Promise<BridgeOutcome> {
  const base = {
    Status: status,
    // Nothing exists for a Create answered here: the marker makes its rollback Delete a no-op.
    PhysicalResourceId: envelope.PhysicalResourceId ?? notCreatedId(envelope.RequestId),
    StackId: envelope.StackId,
    RequestId: envelope.RequestId,
    LogicalResourceId: envelope.LogicalResourceId,
  };
  const response: CfnResponse = { ...base, Reason: fitReason(base, reason) };
  deps.logger.info('Answering CloudFormation directly', { Status: status, Reason: response.Reason });
  // Not caught: if CloudFormation cannot be told, the invocation fails and Lambda retries it.
  await deps.respond(envelope.ResponseURL, response);
  return {
    Action: 'answered',
    Status: status,
    PhysicalResourceId: response.PhysicalResourceId,
    ...(response.Reason ? { Reason: response.Reason } : {}),
  };
}

/**
 * The same request always gets the same name (redelivery starts nothing new); different requests,
 * stacks or resources get different ones. Step Functions allows 80 characters: letters, digits, - and _.
 */
export function executionName(
  envelope: Pick<CustomResourceEnvelope, 'RequestType' | 'StackId' | 'LogicalResourceId' | 'RequestId'>,
): string {
  const digest = createHash('sha256')
    .update([envelope.StackId, envelope.LogicalResourceId, envelope.RequestId].join('\n'))
    .digest('hex');
  const readable = envelope.LogicalResourceId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 30);
  return `${envelope.RequestType.toLowerCase()}-${readable}-${digest.slice(0, 40)}`;
}

async function isRollingBack(deps: BridgeDeps, stackId: string): Promise<boolean> {
  try {
    const out = await deps.cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }));
    return out.Stacks?.[0]?.StackStatus === 'UPDATE_ROLLBACK_IN_PROGRESS';
  } catch (err) {
    // Without the stack's status the change is refused, the safe side outside a rollback.
    deps.logger.warn('Could not read the stack status', { Error: errorName(err) });
    return false;
  }
}

export function requestProperties(properties: Properties): Properties {
  const ignored: readonly string[] = NON_REQUEST_PROPERTIES;
  return Object.fromEntries(Object.entries(properties).filter(([key]) => !ignored.includes(key)));
}

export interface PropertyChange {
  property: string;
  from: unknown;
  to: unknown;
}

/** Request properties whose value differs (compared as JSON with sorted keys), in name order. */
export function changedProperties(before: Properties, after: Properties): PropertyChange[] {
  const old = requestProperties(before);
  const next = requestProperties(after);
  const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])].sort();
  return keys
    .filter((key) => canonical(old[key]) !== canonical(next[key]))
    .map((key) => ({ property: key, from: old[key], to: next[key] }));
}

function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'object' && item !== null && !Array.isArray(item)
        ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))
        : item,
    ) ?? 'undefined'
  );
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The user group and users the request named, for the teardown to consider: the properties hold
 * them as an object or as its JSON text. The managed default user (`<UserGroupId>-default`) is
 * included; the teardown deletes only what is tagged as created for this replication group.
 */
export function rbacHints(properties: Properties): { UserGroupId: string; UserIds: string[] } | undefined {
  const rbac = typeof properties.Rbac === 'string' ? parseJson(properties.Rbac) : properties.Rbac;
  if (typeof rbac !== 'object' || rbac === null || Array.isArray(rbac)) return undefined;
  const { UserGroupId, Users, DefaultUser } = rbac as Record<string, unknown>;
  if (typeof UserGroupId !== 'string' || !isRbacId(UserGroupId)) return undefined;
  const groupId = UserGroupId.toLowerCase();
  const userId = (user: unknown): string[] => {
    const id =
      typeof user === 'object' && user !== null ? (user as Record<string, unknown>).UserId : undefined;
    return typeof id === 'string' && isRbacId(id) ? [id.toLowerCase()] : [];
  };
  const list = typeof Users === 'string' ? parseJson(Users) : Users;
  const users = Array.isArray(list) ? list.flatMap(userId) : [];
  const managedDefault = defaultUserId(groupId);
  const ids = [...users, ...userId(DefaultUser), ...(isRbacId(managedDefault) ? [managedDefault] : [])];
  return { UserGroupId: groupId, UserIds: [...new Set(ids)] };
}
