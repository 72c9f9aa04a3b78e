import { readFileSync } from 'node:fs';
import type { ElastiCacheLike } from '../../shared/aws/types';
import { planChange } from '../../shared/provision/change/plan';
import { readCurrent } from '../../shared/provision/change/read';
import type { CurrentConfiguration } from '../../shared/provision/change/types';
import type { NormalisedRequest } from '../../shared/provision/state';
import { prepareRequest } from '../../shared/request/prepare';
import { loadState, type StateFixture } from '../fixtures/states/load';
import { createGivenSecret } from '../reliability/support/account';
import type { Harness } from '../reliability/support/harness';
import { rbacRequest } from '../reliability/support/requests';

export type CurrentFixture = 'current-rbac-redis' | 'current-cluster-mode-enabled';

/** A fresh copy of what ElastiCache reports about an existing group (tests/fixtures/change/). */
export function loadCurrent(name: CurrentFixture): CurrentConfiguration {
  return readFixture<CurrentConfiguration>(`${name}.json`);
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/change/${name}`, import.meta.url), 'utf8')) as T;
}

/** The request of a state fixture, changed by `edit`. */
export function requestOf(name: StateFixture, edit: (request: NormalisedRequest) => void = () => {}) {
  const { request } = loadState(name);
  edit(request);
  return request;
}

/**
 * rbac-redis moved from user group `orders` to `orders-v2`: orders-app stays, with the new group's own
 * managed default user; orders-iam is no longer requested.
 */
export function replacedUserGroupRequest(): NormalisedRequest {
  return requestOf('rbac-redis', (r) => {
    r.UserGroupIds = ['orders-v2'];
    if (!r.Rbac) return;
    r.Rbac.UserGroupId = 'orders-v2';
    r.Rbac.Users = r.Rbac.Users.flatMap((u) => {
      if (u.UserId === 'orders-iam') return [];
      return u.ManagedDefault ? [{ ...u, UserId: 'orders-v2-default' }] : [u];
    });
  });
}

/** The cluster-mode-enabled request matching current-cluster-mode-enabled.json. */
export function clusterModeEnabledRequest(edit: (request: NormalisedRequest) => void = () => {}) {
  return requestOf('no-rbac', (request) => {
    request.ClusterMode = 'enabled';
    delete request.NumCacheClusters;
    request.NumNodeGroups = 4;
    request.ReplicasPerNodeGroup = 1;
    request.CacheParameterGroupName = 'default.redis7.cluster.on';
    edit(request);
  });
}

const silent = { info() {}, warn() {}, debug() {} };

/** The calls still needed for the group to match the request, as planChange sees it; empty once converged. */
export async function remainingSteps(elastiCache: ElastiCacheLike, request: unknown): Promise<string[]> {
  const normalised = await prepareRequest({ elastiCache, logger: silent }, request);
  const current = await readCurrent(elastiCache, normalised);
  if (!current) throw new Error(`replication group ${normalised.ReplicationGroupId} does not exist`);
  return planChange(current, normalised).steps.map((step) => step.Action);
}

/** Provisions the reliability suite's RBAC request once for `id`; the group then exists as the provisioner made it. */
export async function provisionedOnce(harness: Harness, id: string): Promise<void> {
  await createGivenSecret(harness.admin, id);
  const first = await harness.execute(rbacRequest(id));
  if (first.status !== 'SUCCEEDED') throw new Error(`provisioning ${id} failed: ${first.error?.Cause}`);
}
