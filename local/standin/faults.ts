/**
 * Faults the stand-in injects on purpose, drawn from a seeded generator so a run is reproducible.
 */

/** The services the stand-in answers; faults apply to ElastiCache only unless the plan names others. */
export type StandInService = 'elasticache' | 'secretsmanager' | 'events' | 'states' | 'cloudformation';

export interface FaultPlan {
  /** Share of requests answered with throttling (0..1): ElastiCache `Throttling`, Secrets Manager `ThrottlingException`, HTTP 400. */
  throttleRate?: number;
  /** Share of requests answered with HTTP 500 `InternalFailure` or 503 `ServiceUnavailable` (0..1). */
  serverErrorRate?: number;
  /** Added to every answer. */
  latencyMs?: number;
  /** Added to the replication group creation delay. */
  createDelaySeconds?: number;
  /** Replication groups end `create-failed` instead of `available`. */
  createFails?: boolean;
  /** Replication groups stay `creating` for ever. */
  neverAvailable?: boolean;
  /** A modified user group stays `modifying` this long (instead of the configured delay). */
  userGroupModifyingSeconds?: number;
  /** Seed of the generator deciding which requests fail (default 1). */
  seed?: number;
  /** Services whose requests may be throttled, failed or delayed (default: ElastiCache only). */
  services?: StandInService[];
  /** Only these actions may be throttled, failed or delayed (default: all). */
  actions?: string[];
}

export type FaultKind =
  | 'throttling'
  | 'serverError'
  | 'latency'
  | 'createDelay'
  | 'createFailed'
  | 'neverAvailable'
  | 'userGroupModifying';

export type FaultCounts = Record<FaultKind, number>;

export const noFaults = (): FaultCounts => ({
  throttling: 0,
  serverError: 0,
  latency: 0,
  createDelay: 0,
  createFailed: 0,
  neverAvailable: 0,
  userGroupModifying: 0,
});

/** mulberry32: small, fast and good enough to pick which requests fail. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RequestFault =
  | { kind: 'throttling' }
  | { kind: 'serverError'; status: 500 | 503; code: 'InternalFailure' | 'ServiceUnavailable' };

export class FaultInjector {
  readonly counts: FaultCounts = noFaults();
  private plan: FaultPlan = {};
  private random: () => number = seededRandom(1);

  constructor(plan: FaultPlan = {}) {
    this.setPlan(plan);
  }

  setPlan(plan: FaultPlan): void {
    this.plan = { ...plan };
    this.random = seededRandom(plan.seed ?? 1);
  }

  get current(): Readonly<FaultPlan> {
    return this.plan;
  }

  private applies(service: StandInService, action: string): boolean {
    const services = this.plan.services ?? ['elasticache'];
    return (
      services.includes(service) && (this.plan.actions === undefined || this.plan.actions.includes(action))
    );
  }

  /** Latency to add before answering this request. */
  latencyFor(service: StandInService, action: string): number {
    const latency = this.plan.latencyMs ?? 0;
    if (latency <= 0 || !this.applies(service, action)) return 0;
    this.counts.latency++;
    return latency;
  }

  /** Whether this request fails on purpose; each configured rate draws once per request. */
  requestFault(service: StandInService, action: string): RequestFault | undefined {
    if (!this.applies(service, action)) return undefined;
    const throttleRate = this.plan.throttleRate ?? 0;
    if (throttleRate > 0 && this.random() < throttleRate) {
      this.counts.throttling++;
      return { kind: 'throttling' };
    }
    const serverErrorRate = this.plan.serverErrorRate ?? 0;
    if (serverErrorRate > 0 && this.random() < serverErrorRate) {
      this.counts.serverError++;
      return this.random() < 0.5
        ? { kind: 'serverError', status: 500, code: 'InternalFailure' }
        : { kind: 'serverError', status: 503, code: 'ServiceUnavailable' };
    }
    return undefined;
  }

  /** How a replication group creation goes, decided (and counted) when it is requested. */
  creationFaults(): { extraDelayMs: number; outcome: 'normal' | 'createFailed' | 'neverAvailable' } {
    let extraDelayMs = 0;
    if ((this.plan.createDelaySeconds ?? 0) > 0) {
      this.counts.createDelay++;
      extraDelayMs = (this.plan.createDelaySeconds ?? 0) * 1000;
    }
    if (this.plan.neverAvailable) {
      this.counts.neverAvailable++;
      return { extraDelayMs, outcome: 'neverAvailable' };
    }
    if (this.plan.createFails) {
      this.counts.createFailed++;
      return { extraDelayMs, outcome: 'createFailed' };
    }
    return { extraDelayMs, outcome: 'normal' };
  }

  /** How long a user group modification lasts when the plan overrides it. */
  userGroupModifyingMs(): number | undefined {
    if (this.plan.userGroupModifyingSeconds === undefined) return undefined;
    this.counts.userGroupModifying++;
    return this.plan.userGroupModifyingSeconds * 1000;
  }
}
