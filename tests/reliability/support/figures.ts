/**
 * Figures the reliability run reports (reliability/run.ts): each test appends what it measured to the
 * file named by RELIABILITY_FIGURES, one JSON document a line. Without that variable nothing is written.
 * The same variables size the scenarios: FUZZ_RUNS, RELIABILITY_SEEDS, RELIABILITY_CRASH_POINTS.
 */
import { appendFileSync } from 'node:fs';
import type { FaultCounts } from '../../../local/standin';

export type Figure =
  | {
      kind: 'fuzz';
      property: string;
      /** Inputs judged: accepted + rejected + violations (never the discarded ones). */
      checked: number;
      rejected: number;
      accepted: number;
      /** Inputs generated but ruled out by the property's precondition, so never judged. */
      discarded: number;
      /** Inputs that were neither accepted nor cleanly rejected, by kind of violation. */
      violations: Record<string, number>;
    }
  | {
      kind: 'faults';
      scenario: string;
      seed?: number;
      injected: FaultCounts;
      /** Requests the run made to the stand-in (each one delayed when the plan adds latency). */
      calls: number;
      /** Latency the plan adds to every request of the services it names, in ms. */
      latencyMs: number;
      outcome: string;
      expected: string;
      stateRetries: number;
    }
  | { kind: 'crash'; point: string; converged: boolean }
  | {
      kind: 'concurrency';
      scenario: string;
      executions: number;
      succeeded: number;
      conflicts: number;
      other: number;
    }
  | { kind: 'secrets'; source: string; passwords: number; hits: number };

export const violationCount = (violations: Record<string, number>): number =>
  Object.values(violations).reduce((sum, count) => sum + count, 0);

export function figuresWanted(): boolean {
  return Boolean(process.env.RELIABILITY_FIGURES);
}

export function recordFigure(figure: Figure): void {
  const file = process.env.RELIABILITY_FIGURES;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify(figure)}\n`);
}

/** Property runs per fuzzed property: a few hundred in `npm test`, thousands in the reliability run. */
export function fuzzRuns(fallback = 200): number {
  const runs = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(runs) && runs > 0 ? runs : fallback;
}

/** Fault-plan seeds to run the transient scenario with (RELIABILITY_SEEDS=1,2,3). */
export function faultSeeds(fallback: number[] = [1]): number[] {
  const seeds = (process.env.RELIABILITY_SEEDS ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number)
    .filter((seed) => Number.isInteger(seed));
  return seeds.length > 0 ? seeds : fallback;
}

/** `every`: a crash after every function invocation of a run, not only after the first of each Task. */
export function everyCrashPoint(): boolean {
  return process.env.RELIABILITY_CRASH_POINTS === 'every';
}
