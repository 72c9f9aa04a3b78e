/**
 * Section 2 of `npm run bench`, polling economics: measures the detection overhead on the stand-in,
 * simulates every schedule (economics.ts) and renders the rows, the sensitivity table, the frontier and
 * the notes.
 */
import { POLLING_DEFAULTS } from '../shared/provision/polling';
import { transitionModel } from './asl';
import { measureDetectionOverhead } from './detection';
import {
  COST_GOAL,
  CREATE_DISTRIBUTIONS,
  type DurationResult,
  type EconomicsOptions,
  type EconomicsResult,
  FRONTIER_GRID,
  type FrontierPoint,
  frontier,
  goalsOf,
  LATENCY_GOAL_SECONDS,
  PRICES,
  pollingEconomics,
  REFERENCE_LIMIT_SECONDS,
  SAMPLES_PER_DURATION,
  type SensitivityRow,
  sensitivity,
} from './economics';
import type { DeploySettings } from './serverless-config';
import { markdownTable, percent, type Row, seconds, usd, verdict } from './table';

const GOALS = `p95 <= ${LATENCY_GOAL_SECONDS} s, fewer calls than the best reference, cost <= ${percent(COST_GOAL)} of the plain loop (both given the best initial wait)`;

function goalFailures(goals: ReturnType<typeof goalsOf>, p95: number, calls: number): string[] {
  const failures: string[] = [];
  if (!goals.latency) failures.push(`p95 ${seconds(p95)}`);
  if (!goals.fewerCalls)
    failures.push(`${calls.toFixed(1)} calls, ${percent(goals.callsVsBest)} of the best`);
  if (!goals.cost) failures.push(`cost ${percent(goals.costVsPlain)} of plain`);
  return failures;
}

function pollingRows(durations: readonly DurationResult[]): Row[] {
  const rows: Row[] = [];
  for (const d of durations) {
    for (const s of d.schedules) {
      const ourRow = s.schedule.startsWith('ours');
      const timedOut = s.timedOut > 0 ? `, ${percent(s.timedOut / s.samples)} timed out` : '';
      const spend = s.costedFully
        ? `${s.transitions.toFixed(1)} transitions, ${s.lambdaSeconds.toFixed(0)} Lambda-s, ${usd(s.cost)}`
        : `cost: calls only (${s.costNote ?? 'runs outside the costed model'})`;
      const measured = `p50 ${seconds(s.latencyP50)}, p95 ${seconds(s.latencyP95)}${timedOut}; ${s.calls.toFixed(1)} calls; ${spend}`;
      if (!ourRow) {
        rows.push([`2 polling ${d.createMinutes} min`, s.label, measured, '', '', '']);
        continue;
      }
      const goals = goalsOf(s, d.plain, d.fewestCalls);
      rows.push([
        `2 polling ${d.createMinutes} min`,
        s.label,
        measured,
        `plain loop, best wait ${usd(d.plain.cost)} (ours ${percent(goals.costVsPlain)}); fewest calls: ${d.fewestCalls.label} ${d.fewestCalls.calls.toFixed(1)}`,
        GOALS,
        verdict(goalFailures(goals, s.latencyP95, s.calls)),
      ]);
    }
  }
  return rows;
}

function sensitivityTable(rows: readonly SensitivityRow[]): string {
  return markdownTable(
    [
      'Creation times',
      'Best initial wait',
      'Create',
      'Ours (defaults): p95, calls, cost',
      'Plain loop, best wait: p95, calls, cost',
      'Ours vs best: calls, cost',
      'Goals met',
    ],
    rows.map(
      (row): Row => [
        `${row.distribution}${row.assumed ? ' (assumed)' : ''}`,
        `${row.bestInitialWait} s`,
        `${row.createMinutes} min`,
        `${seconds(row.ours.latencyP95)}, ${row.ours.calls.toFixed(1)}, ${usd(row.ours.cost)}${
          row.ours.timedOut > 0 ? ` (${row.ours.timedOut} timed out)` : ''
        }`,
        `${seconds(row.plain.latencyP95)}, ${row.plain.calls.toFixed(1)}, ${usd(row.plain.cost)}`,
        `${percent(row.goals.callsVsBest)}, ${percent(row.goals.costVsPlain)}`,
        verdict(goalFailures(row.goals, row.ours.latencyP95, row.ours.calls)),
      ],
    ),
  );
}

function frontierTable(points: readonly FrontierPoint[]): string {
  const shown = points
    .filter((p) => (p.onFrontier && p.worstP95 <= 3 * LATENCY_GOAL_SECONDS) || p.isDefault)
    .sort((a, b) => a.worstP95 - b.worstP95 || a.meanCost - b.meanCost);
  return markdownTable(
    [
      'InitialWait / CheckInterval / ChecksPerInvocation / Wait (s)',
      'memory',
      'worst p95 latency',
      'mean cost per create',
      'worst cost vs plain (best wait)',
      'fewer calls than the best',
      'all goals',
      '',
    ],
    shown.map(
      (p): Row => [
        `${p.settings.InitialWaitSeconds} / ${p.settings.CheckIntervalSeconds} / ${p.settings.ChecksPerInvocation} / ${p.settings.WaitSeconds}`,
        `${p.memoryMb} MB`,
        seconds(p.worstP95),
        usd(p.meanCost),
        percent(p.worstCostVsPlain),
        p.fewerCalls ? 'yes' : 'no',
        p.meetsGoals ? 'yes' : 'no',
        [p.isDefault ? 'POLLING_DEFAULTS' : '', p.onFrontier ? 'on frontier' : 'dominated']
          .filter(Boolean)
          .join('; '),
      ],
    ),
  );
}

export interface PollingSection {
  rows: Row[];
  notes: string[];
  results: Record<string, unknown>;
  markdown: string;
}

export async function pollingSection(deploy: DeploySettings): Promise<PollingSection> {
  const notes: string[] = [];
  process.stderr.write('polling economics: measuring the detection overhead on the stand-in...\n');
  const overhead = await measureDetectionOverhead();
  if (!overhead.measured) notes.push(`detection overhead not measured: ${overhead.reason}`);
  process.stderr.write('polling economics: simulating...\n');
  const transitions = await transitionModel();
  const configuredMemory = deploy.memoryOf('waitAvailable');
  const memoryMb = configuredMemory ?? 128;
  if (configuredMemory === undefined) {
    notes.push(
      'serverless.yml sets no memorySize for waitAvailable: costed at 128 MB, but the framework deploys 1024 MB when none is set (8x the Lambda cost).',
    );
  }
  if (deploy.found && deploy.architecture !== 'arm64') {
    notes.push(
      `serverless.yml architecture is ${deploy.architecture ?? 'unset (x86_64)'}: costed at the arm64 price, x86_64 costs 25 % more per GB-s.`,
    );
  }
  const longEnough = Math.max(POLLING_DEFAULTS.TimeoutMinutes, 90);
  const variants =
    longEnough !== POLLING_DEFAULTS.TimeoutMinutes
      ? [
          {
            id: `ours-timeout-${longEnough}`,
            label: `ours: POLLING_DEFAULTS with TimeoutMinutes ${longEnough}`,
            settings: { ...POLLING_DEFAULTS, TimeoutMinutes: longEnough },
          },
        ]
      : [];
  const options: EconomicsOptions = { settings: POLLING_DEFAULTS, transitions, memoryMb, variants, overhead };
  const economics: EconomicsResult = await pollingEconomics(options);
  const sensitivityRows = sensitivity(options);
  const frontierTimeout = Math.max(POLLING_DEFAULTS.TimeoutMinutes, 120);
  const points = frontier(
    { ...options, settings: { ...POLLING_DEFAULTS, TimeoutMinutes: frontierTimeout } },
    economics,
  );
  const mismatches = economics.durations.reduce((sum, d) => sum + d.mismatches, 0);
  const assumed = CREATE_DISTRIBUTIONS.find((d) => d.assumed);
  notes.push(
    `polling: ${SAMPLES_PER_DURATION} creates per duration (seeded), creation times ${assumed?.label} (assumed: no published source gives ` +
      `their spread; the sensitivity table repeats the comparison for ${CREATE_DISTRIBUTIONS.filter(
        (d) => !d.assumed,
      )
        .map((d) => d.label)
        .join('; ')}). ` +
      `Every reference runs as it does by default and also with the best initial wait (${economics.bestInitialWait} s: the longest ` +
      `first Wait at which a 10 s loop still notices 95 % of every duration's creates within ${LATENCY_GOAL_SECONDS} s); ours is judged ` +
      'against the best of them. Ours runs the real waitAvailable core (shared/provision/availability.ts) on a simulated clock; the ' +
      `sensitivity table and the frontier use a pure copy of it (${mismatches} disagreements with the core). ` +
      `Detection latency adds the overhead ${overhead.source}: median ${seconds(overhead.medianSeconds)}, p95 ${seconds(overhead.p95Seconds)}, one drawn per create. ` +
      `Transitions: ${transitions.source}. Cost = transitions x $${PRICES.perTransition * 1000}/1000 + Lambda ${memoryMb} MB arm64 GB-s ` +
      `(sleeping billed) + $0.20 per million requests. SDK waiter, Terraform and ACK are costed on calls only (DescribeReplicationGroups ` +
      `itself is free); they get a ${REFERENCE_LIMIT_SECONDS / 3600} h limit.`,
  );
  const best = points
    .filter((p) => p.meetsGoals)
    .sort((a, b) => a.meanCost - b.meanCost)
    .slice(0, 3);
  const defaultPoint = points.find((p) => p.isDefault);
  const describe = (p: FrontierPoint) =>
    `${p.settings.InitialWaitSeconds}/${p.settings.CheckIntervalSeconds}/${p.settings.ChecksPerInvocation}/${p.settings.WaitSeconds} s at ${p.memoryMb} MB ${usd(p.meanCost)}`;
  const cheapestInLatency = points
    .filter((p) => p.worstP95 <= LATENCY_GOAL_SECONDS)
    .sort((a, b) => a.worstCostVsPlain - b.worstCostVsPlain)[0];
  notes.push(
    `frontier over InitialWait ${FRONTIER_GRID.InitialWaitSeconds.join('/')} s, CheckInterval (= Wait) ${FRONTIER_GRID.CheckIntervalSeconds.join(
      '/',
    )} s, ChecksPerInvocation ${FRONTIER_GRID.ChecksPerInvocation.join('/')}, memory ${FRONTIER_GRID.memoryMb.join('/')} MB, ` +
      `TimeoutMinutes ${frontierTimeout} so 60-minute creates finish: POLLING_DEFAULTS is ${
        defaultPoint?.onFrontier ? 'on' : 'NOT on'
      } the frontier; settings meeting every goal: ${best.length > 0 ? best.map(describe).join('; ') : 'none'}` +
      (cheapestInLatency
        ? `; lowest worst-case cost ratio within the latency goal: ${describe(cheapestInLatency)}, ${percent(
            cheapestInLatency.worstCostVsPlain,
          )} of the plain loop.`
        : '.'),
  );
  const markdown = [
    'Polling sensitivity to the creation-time distribution (POLLING_DEFAULTS against the references given the best initial wait):',
    '',
    sensitivityTable(sensitivityRows),
    '',
    'Polling latency/cost frontier (InitialWait / CheckInterval / ChecksPerInvocation / Wait):',
    '',
    frontierTable(points),
  ].join('\n');
  return {
    rows: pollingRows(economics.durations),
    notes,
    markdown,
    results: {
      settings: POLLING_DEFAULTS,
      memoryMb,
      transitions,
      prices: PRICES,
      detectionOverhead: overhead,
      distribution: economics.distribution,
      bestInitialWait: economics.bestInitialWait,
      durations: economics.durations,
      sensitivity: sensitivityRows,
      frontier: points.filter((p) => p.onFrontier || p.isDefault),
    },
  };
}
