import type { NormalisedRequest, PollingSettings } from '../shared/provision/state';
import { validateRequest } from '../shared/request/validate';

/** The normalised request the simulations run: cluster mode disabled, two nodes, no RBAC (the defaults). */
export function benchRequest(polling: PollingSettings): NormalisedRequest {
  const validated = validateRequest({
    ReplicationGroupId: 'bench-cache',
    ReplicationGroupDescription: 'bench',
    EngineVersion: '7.1',
  });
  if (!validated.ok) throw new Error(`the bench request is invalid: ${JSON.stringify(validated.problems)}`);
  // The engine family is what the version resolves to against ElastiCache; the simulations make no call.
  return {
    ...validated.request,
    EngineVersion: '7.1',
    CacheParameterGroupFamily: 'redis7',
    Polling: polling,
  };
}
