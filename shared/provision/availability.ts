/**
 * Waiting for the replication group to become available. Each invocation makes a few spaced
 * checks; between invocations the state machine's Wait state sleeps for free. ElapsedSeconds is
 * counted on the schedule's own clock (the sum of the scheduled waits), so it is deterministic; the
 * time limit counts from the execution's start ($$.Execution.StartTime) when the state document has
 * it, so user and user-group waits, slow calls and retries all count against it, never only the
 * planned waits.
 */
import {
  DescribeReplicationGroupsCommand,
  type Endpoint,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import type { ElastiCacheLike } from '../aws/types';
import type { Clock } from '../clock';
import { ConflictError, ProvisioningTimedOut } from '../errors';
import type { Log } from '../logger';
import { MAX_SECONDS_CHECKING_PER_INVOCATION } from './polling';
import { createFailedError } from './replicationGroup';
import type { PollingSettings, PollResult, ProvisioningResult, ProvisionState } from './state';

export interface WaitAvailableDeps {
  elastiCache: ElastiCacheLike;
  logger: Log;
  clock: Clock;
}

export async function waitAvailable(deps: WaitAvailableDeps, state: ProvisionState): Promise<PollResult> {
  const { request, poll } = state;
  const settings = request.Polling;
  const id = request.ReplicationGroupId;
  const limitSeconds = settings.TimeoutMinutes * 60;
  const attempt = (poll?.Attempt ?? 0) + 1;
  const checks = checksPerInvocation(settings);
  // The first invocation follows the initial Wait; later ones follow the Wait this function asked for.
  let elapsed = poll ? poll.ElapsedSeconds + poll.NextWaitSeconds : settings.InitialWaitSeconds;

  for (let check = 1; ; check++) {
    const group = await describeReplicationGroup(deps, id);
    const status = group.Status ?? 'unknown';
    deps.logger.info('Replication group status checked', {
      ReplicationGroupId: id,
      Status: status,
      Attempt: attempt,
      Check: check,
      ElapsedSeconds: elapsed,
    });

    if (status === 'create-failed') throw await createFailedError(deps, id);
    if (status === 'deleting') {
      throw new ConflictError(
        `Replication group ${id} is being deleted; it will not become available. Retry once the deletion has finished.`,
      );
    }
    if (status === 'available') {
      const result = provisioningResult(state, group);
      if (result) {
        return {
          Status: status,
          Attempt: attempt,
          ElapsedSeconds: elapsed,
          NextWaitSeconds: 0,
          Available: true,
          Result: result,
        };
      }
      deps.logger.warn('Replication group is available but its description is incomplete; checking again', {
        ReplicationGroupId: id,
      });
    }

    const spent = Math.max(elapsed, secondsSinceStart(state, deps.clock));
    const remaining = limitSeconds - spent;
    if (remaining <= 0) {
      throw new ProvisioningTimedOut(
        `Replication group ${id} is not available after ${minutes(spent)} minutes ` +
          `(limit ${settings.TimeoutMinutes} minutes); last status: ${status}.`,
      );
    }
    // Never schedule past the limit, so the last check lands on it exactly.
    if (check >= checks) {
      return {
        Status: status,
        Attempt: attempt,
        ElapsedSeconds: elapsed,
        NextWaitSeconds: Math.min(settings.WaitSeconds, remaining),
        Available: false,
      };
    }
    const sleepSeconds = Math.min(settings.CheckIntervalSeconds, remaining);
    await deps.clock.sleep(sleepSeconds * 1000);
    elapsed += sleepSeconds;
  }
}

/** Whole seconds since the execution started; 0 when the document does not say when that was. */
export function secondsSinceStart(
  state: Pick<ProvisionState, 'execution'>,
  clock: Pick<Clock, 'now'>,
): number {
  const started = Date.parse(state.execution?.StartTime ?? '');
  return Number.isFinite(started) ? Math.max(0, Math.floor((clock.now() - started) / 1000)) : 0;
}

/** Checks one invocation makes: the requested number, capped so its sleeps fit the invocation's budget. */
export function checksPerInvocation(settings: PollingSettings): number {
  const sleepsThatFit = Math.floor(MAX_SECONDS_CHECKING_PER_INVOCATION / settings.CheckIntervalSeconds);
  return Math.max(1, Math.min(settings.ChecksPerInvocation, sleepsThatFit + 1));
}

/** Contract section 3; undefined while ElastiCache does not yet report what it needs. */
export function provisioningResult(
  state: ProvisionState,
  group: ReplicationGroup,
): ProvisioningResult | undefined {
  const { request } = state;
  const endpoints = endpointsOf(request.ClusterMode, group);
  if (!endpoints || !group.ARN) return undefined;
  return {
    ReplicationGroupId: request.ReplicationGroupId,
    Status: 'available',
    ARN: group.ARN,
    ClusterMode: request.ClusterMode,
    Endpoints: endpoints,
    TransitEncryptionEnabled: group.TransitEncryptionEnabled ?? request.TransitEncryptionEnabled,
    UserGroupIds: group.UserGroupIds ?? request.UserGroupIds,
    Users: (state.users?.Users ?? []).map((user) => ({
      UserId: user.UserId,
      UserName: user.UserName,
      ...(user.PasswordSecretArn ? { PasswordSecretArn: user.PasswordSecretArn } : {}),
    })),
    Created: {
      Users: state.users?.Created ?? [],
      UserGroup: state.userGroup?.Created ?? false,
      ReplicationGroup: state.replicationGroup?.Created ?? false,
    },
    ...(request.Notes.length > 0 ? { Notes: request.Notes } : {}),
    ...(state.change?.Changes.length ? { Changes: state.change.Changes } : {}),
    ...(request.CorrelationId ? { CorrelationId: request.CorrelationId } : {}),
  };
}

function endpointsOf(
  clusterMode: ProvisioningResult['ClusterMode'],
  group: ReplicationGroup,
): ProvisioningResult['Endpoints'] | undefined {
  if (clusterMode === 'enabled') {
    const configuration = toEndpoint(group.ConfigurationEndpoint);
    return configuration && { Configuration: configuration };
  }
  const nodeGroup = group.NodeGroups?.[0];
  const primary = toEndpoint(nodeGroup?.PrimaryEndpoint);
  if (!primary) return undefined;
  const reader = toEndpoint(nodeGroup?.ReaderEndpoint);
  return reader ? { Primary: primary, Reader: reader } : { Primary: primary };
}

function toEndpoint(endpoint: Endpoint | undefined): { Address: string; Port: number } | undefined {
  return endpoint?.Address && endpoint.Port !== undefined
    ? { Address: endpoint.Address, Port: endpoint.Port }
    : undefined;
}

/** A group that vanished while being waited for is not handled on purpose: its SDK error propagates. */
async function describeReplicationGroup(deps: WaitAvailableDeps, id: string): Promise<ReplicationGroup> {
  const output = await deps.elastiCache.send(
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
  );
  const group = output.ReplicationGroups?.[0];
  return group ?? { ReplicationGroupId: id, Status: 'unknown' };
}

function minutes(seconds: number): string {
  return String(Math.round((seconds / 60) * 10) / 10);
}
