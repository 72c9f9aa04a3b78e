/**
 * `npm run bench`: cold starts, polling economics, a burst through the local workflow, local spin-up,
 * changes in place, the local endpoint and the calls each kind of change makes, measured in one run. Prints one markdown table (plus the polling frontier and notes) and writes
 * bench/results.json.
 *
 *   npm run bench                      every section
 *   npm run bench -- --only=cold,polling --runs=7
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { type BurstResult, runBurst } from './burst';
import { type ChangeCallsResult, runChangeCalls } from './changeCalls';
import { type ColdStartResult, measureColdStarts } from './coldstart';
import { CHANGE_GOAL_MS, type LocalBenchResult, READY_GOAL_SECONDS, runLocalBench } from './local';
import { pollingSection } from './polling';
import { type ReshardResult, runReshard } from './reshard';
import { readDeploySettings } from './serverless-config';
import { runSpinUp, type SpinUpResult } from './spinup';
import { median } from './stats';
import { kb, markdownTable, ms, percent, type Row, seconds, verdict } from './table';

const COLD_START_SIZE_GOAL_BYTES = 250 * 1024;
const COLD_START_RATIO_GOAL = 0.4;

type Section = 'cold' | 'polling' | 'burst' | 'spinup' | 'reshard' | 'local' | 'changecalls';
const ALL_SECTIONS: Section[] = ['cold', 'polling', 'burst', 'spinup', 'reshard', 'local', 'changecalls'];

function parseArgs(argv: readonly string[]): { sections: Section[]; runs: number } {
  let sections = ALL_SECTIONS;
  let runs = 7;
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=');
    if (key === 'only' && value)
      sections = value.split(',').filter((s): s is Section => ALL_SECTIONS.includes(s as Section));
    if (key === 'runs' && value && Number(value) > 0) runs = Math.floor(Number(value));
  }
  return { sections, runs };
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function coldStartRows(results: readonly ColdStartResult[], notes: string[]): Row[] {
  const rows: Row[] = [];
  for (const r of results) {
    if (r.error) {
      rows.push(['1 cold start', r.fn, 'not measured', '', '', `NO: ${r.error.slice(0, 160)}`]);
      continue;
    }
    // The bundle budget: its own row, so a function over it is visible at a glance.
    rows.push([
      '1 bundle size',
      r.fn,
      `${kb(r.production.bytes)} minified`,
      `largest: ${r.production.packages
        .slice(0, 3)
        .map((p) => `${p.name} ${kb(p.bytes)}`)
        .join(', ')}`,
      '<= 250 KB minified',
      verdict(r.production.bytes > COLD_START_SIZE_GOAL_BYTES ? [`${kb(r.production.bytes)} > 250 KB`] : []),
    ]);
    const failures: string[] = [];
    if (r.production.bytes > COLD_START_SIZE_GOAL_BYTES) failures.push(`${kb(r.production.bytes)} > 250 KB`);
    // Paired ratio: each production import is compared with the baseline import next to it, so load from
    // other processes on the machine hits both sides.
    if (r.pairedRatio > COLD_START_RATIO_GOAL) failures.push(`load ${percent(r.pairedRatio)} of naive`);
    rows.push([
      '1 cold start',
      r.fn,
      `${kb(r.production.bytes)} min, ${kb(r.production.zippedBytes)} zipped${
        r.production.mapBytes > 0 ? ' (with its source map)' : ''
      }; import p50 ${ms(r.production.medianMs)}${
        r.withoutSourceMaps ? ` (${ms(r.withoutSourceMaps.medianMs)} without --enable-source-maps)` : ''
      }`,
      `naive ${kb(r.baseline.bytes)}, import p50 ${ms(r.baseline.medianMs)}; paired ratio ${percent(
        r.pairedRatio,
      )} (medians ${percent(r.ratio)}, CPU ${percent(r.cpuRatio)})`,
      '<= 40 % of naive import, <= 250 KB',
      verdict(failures),
    ]);
    if (failures.length > 0) {
      const top = r.production.packages
        .slice(0, 6)
        .map((p) => `${p.name} ${kb(p.bytes)}`)
        .join(', ');
      notes.push(`${r.fn}: largest packages in the production bundle: ${top}.`);
    }
  }
  return rows;
}

function burstRows(result: BurstResult): Row[] {
  if (!result.measured)
    return [['3 burst', '200 concurrent executions', `not measured: ${result.reason}`, '', '', 'n/a']];
  const failures: string[] = [];
  if (result.succeeded < result.executions) {
    const names = Object.entries(result.failures)
      .map(([name, count]) => `${count} ${name}`)
      .join(', ');
    failures.push(`${result.executions - result.succeeded} failed (${names})`);
  }
  return [
    [
      '3 burst',
      `${result.executions} concurrent executions (${result.withRbac} with RBAC), token-bucket throttling`,
      `${result.succeeded}/${result.executions} succeeded; ${result.callsPerExecution.toFixed(1)} API requests per execution ` +
        `(${result.describeCallsPerExecution.toFixed(1)} DescribeReplicationGroups); ${result.throttled} throttles absorbed ` +
        `(${result.throttlesRetriedByStateMachine} by the state machine's Retry, the rest by the SDK); ` +
        `${result.transitionsPerExecution.toFixed(1)} transitions per execution; wall ${seconds(result.wallSeconds)} ` +
        `(execution p50 ${seconds(result.executionSecondsP50)}, p95 ${seconds(result.executionSecondsP95)}; time x${Math.round(
          1 / result.timeScale,
        )})`,
      `minimum ${result.minimumCallsPerExecution.toFixed(2)} calls per execution`,
      'success 100 %',
      verdict(failures),
    ],
  ];
}

/** The writes a change may make beyond those it needs: the change mark, set and then removed. */
const CHANGE_MARK_WRITES = ['AddTagsToResource', 'RemoveTagsFromResource'];

function changeCallsRows(result: ChangeCallsResult): Row[] {
  if (!result.measured)
    return [['7 change calls', 'every kind', `not measured: ${result.reason}`, '', '', 'n/a']];
  return result.rows.map((row) => {
    const failures = [
      ...(row.status === 'SUCCEEDED' ? [] : [`execution ${row.status}`]),
      ...row.missingWrites.map((action) => `${action} not made`),
      ...row.extraWrites.filter((action) => !CHANGE_MARK_WRITES.includes(action)).map((a) => `${a} made too`),
    ];
    const reads = Object.entries(row.readsByAction)
      .sort(([, a], [, b]) => b - a)
      .map(([action, count]) => `${action} ${count}`)
      .join(', ');
    return [
      '7 change calls',
      row.name,
      `${row.calls} calls: ${row.writes.length} writes (${row.writes.join(', ')}); ${row.reads} reads (${reads})`,
      `minimum ${row.minimum} (${row.minimumWrites.join(', ')}, the reads that decide it, one status read per ElastiCache write); ${(row.calls / row.minimum).toFixed(1)}x`,
      'the writes it needs and only those, besides the change mark',
      verdict(failures),
    ];
  });
}

function spinUpRows(result: SpinUpResult): Row[] {
  if (!result.measured)
    return [['4 spin-up', 'four shapes with real nodes', `not measured: ${result.reason}`, '', '', 'n/a']];
  return result.shapes.map((shape): Row => {
    const goal = shape.goalSeconds !== undefined ? `<= ${shape.goalSeconds} s` : '';
    const failures: string[] = [];
    if (shape.error) failures.push(shape.error.slice(0, 160));
    else if (shape.goalSeconds !== undefined && shape.medianSeconds > shape.goalSeconds) {
      failures.push(`${seconds(shape.medianSeconds)} > ${shape.goalSeconds} s`);
    }
    return [
      '4 spin-up',
      shape.label,
      shape.error
        ? 'failed'
        : `p50 ${seconds(shape.medianSeconds)} to available (runs: ${shape.seconds.map((s) => s.toFixed(1)).join(', ')})`,
      shape.detail,
      goal,
      goal || shape.error ? verdict(failures) : '',
    ];
  });
}

function reshardRows(result: ReshardResult): Row[] {
  if (!result.measured)
    return [['5 change in place', 'reshard 2 -> 4 shards', `not measured: ${result.reason}`, '', '', 'n/a']];
  const failures: string[] = [];
  if (!(result.reshardSecondsP50 <= result.goalSeconds))
    failures.push(`${seconds(result.reshardSecondsP50)} > ${result.goalSeconds} s`);
  if (result.keysLost > 0) failures.push(`${result.keysLost} keys lost`);
  const runs = (pick: (round: ReshardResult['rounds'][number]) => number) =>
    result.rounds.map((round) => pick(round).toFixed(1)).join(', ');
  return [
    [
      '5 change in place',
      `reshard 2 -> 4 shards (x 1 replica) holding ${result.keys} keys, real nodes`,
      `p50 ${seconds(result.reshardSecondsP50)} call to available (runs: ${runs((r) => r.reshardSeconds)}); ${result.keysLost} keys lost`,
      '',
      `<= ${result.goalSeconds} s, 0 keys lost`,
      verdict(failures),
    ],
    [
      '5 change in place',
      'add a replica to each of 4 shards, then remove it',
      `add p50 ${seconds(result.addReplicaSecondsP50)} (runs: ${runs((r) => r.addReplicaSeconds)}); remove p50 ${seconds(
        result.removeReplicaSecondsP50,
      )} (runs: ${runs((r) => r.removeReplicaSeconds)})`,
      '',
      '',
      '',
    ],
  ];
}

function localRows(result: LocalBenchResult): Row[] {
  const ready =
    result.readyMedianSeconds > READY_GOAL_SECONDS ? [`${seconds(result.readyMedianSeconds)}`] : [];
  const change = result.changeP95Ms > CHANGE_GOAL_MS ? [`p95 ${ms(result.changeP95Ms)}`] : [];
  return [
    [
      '6 local',
      '`npm run local` to its ready line',
      `p50 ${result.readyMedianSeconds.toFixed(2)} s (runs: ${result.readySeconds.map((s) => s.toFixed(2)).join(', ')})`,
      `without npm (node --import tsx): p50 ${result.readyWithoutNpmMedianSeconds.toFixed(2)} s; load average ${result.loadAverage.toFixed(1)} on ${cpus().length} cores`,
      `<= ${READY_GOAL_SECONDS} s`,
      verdict(ready),
    ],
    [
      '6 local',
      'console: a state change to the graph showing it',
      `p50 ${ms(result.changeMedianMs)}, p95 ${ms(result.changeP95Ms)} (${result.changes} changes); page load to graph p50 ${ms(median(result.firstGraphMs))}`,
      'headless chromium, 3 executions with real nodes',
      `<= ${CHANGE_GOAL_MS} ms`,
      verdict(change),
    ],
  ];
}

/**
 * A run of some sections keeps the other sections' figures from the last results, and their rows in
 * the table, so the committed file always holds every section.
 */
function previousResults(
  sections: readonly Section[],
  table: string,
): { kept: Record<string, unknown>; table: string } {
  const file = new URL('./results.json', import.meta.url);
  if (sections.length === ALL_SECTIONS.length || !existsSync(file)) return { kept: {}, table };
  const previous = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const lines = table.split('\n');
  const sectionOf = (line: string) => line.split('|')[1]?.trim().split(' ')[0];
  const freshRows = lines.slice(2);
  const fresh = new Set(freshRows.map(sectionOf));
  // The fresh rows of a section take the place of its old ones, so the table keeps its order.
  const merged: string[] = [];
  const placed = new Set<string | undefined>();
  const previousRows = String(previous.tableMarkdown ?? '')
    .split('\n')
    .slice(2);
  for (const line of previousRows) {
    const section = sectionOf(line);
    if (line.trim() === '') continue;
    if (!fresh.has(section)) merged.push(line);
    else if (!placed.has(section)) {
      placed.add(section);
      merged.push(...freshRows.filter((row) => sectionOf(row) === section));
    }
  }
  merged.push(...freshRows.filter((row) => !placed.has(sectionOf(row))));
  return { kept: previous, table: [...lines.slice(0, 2), ...merged].join('\n') };
}

/** A section measured in a child process: its progress line, its rows, its notes and where its result goes. */
function childSection<T extends { notes: string[] }>(
  id: Section,
  progress: string,
  key: string,
  run: () => Promise<T>,
  toRows: (result: T) => Row[],
) {
  return {
    id,
    async measure(rows: Row[], notes: string[], results: Record<string, unknown>): Promise<void> {
      process.stderr.write(`${progress}\n`);
      const result = await run();
      rows.push(...toRows(result));
      notes.push(...result.notes);
      results[key] = result;
    },
  };
}

const CHILD_SECTIONS = [
  childSection('spinup', 'spin-up: real redis nodes per shape...', 'spinUp', runSpinUp, spinUpRows),
  childSection(
    'reshard',
    'reshard: changes in place on real redis nodes...',
    'reshard',
    runReshard,
    reshardRows,
  ),
  childSection(
    'changecalls',
    'change calls: each kind of change on the local stand-in...',
    'changeCalls',
    runChangeCalls,
    changeCallsRows,
  ),
];

async function main(): Promise<void> {
  const { sections, runs } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const deploy = readDeploySettings();
  const notes: string[] = [...deploy.esbuild.notes];
  /** Where each section's notes begin in `notes`, so a partial run replaces only its own. */
  const noteStarts: [string, number][] = [['build', 0]];
  const rows: Row[] = [];
  const results: Record<string, unknown> = {
    generatedAt: new Date().toISOString(),
    commit: gitCommit(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      platform: process.platform,
    },
  };

  if (sections.includes('cold')) {
    noteStarts.push(['cold', notes.length]);
    process.stderr.write('cold starts: building and importing bundles...\n');
    const cold = await measureColdStarts({
      settings: deploy.esbuild,
      runs,
      environmentOf: deploy.environmentOf,
    });
    rows.push(...coldStartRows(cold, notes));
    notes.push(
      `cold start: import time measured inside ${runs} fresh node ${process.version} processes per bundle (Lambda runs nodejs22.x); ` +
        'naive baseline = serverless-esbuild defaults (CommonJS, esbuild default mainFields so the SDK resolves to its CommonJS builds, not minified); ' +
        'zipped = deflate level 9 of the bundle plus the source map that ships beside it. ' +
        'Verdict on the paired wall ratio (each production import against the baseline import run next to it); the CPU ratio ' +
        '(user + system, V8 background compilation included) matters too: a 128 MB function gets about 1/14 of a vCPU.',
    );
    const withMaps = cold.filter((r) => r.withoutSourceMaps && !r.error);
    if (withMaps.length > 0) {
      const extra = median(
        withMaps.map((r) => r.production.medianMs / (r.withoutSourceMaps?.medianMs ?? Number.NaN)),
      );
      notes.push(
        `NODE_OPTIONS=--enable-source-maps (provider environment) makes node read and parse each bundle's source map at import: ` +
          `import takes ${percent(extra - 1)} longer than without it (median over the functions).`,
      );
    }
    results.coldStart = cold.map(({ production, baseline, ...rest }) => ({
      ...rest,
      production: { ...production, file: undefined, packages: production.packages.slice(0, 12) },
      baseline: { ...baseline, file: undefined, packages: baseline.packages.slice(0, 12) },
    }));
  }

  if (sections.includes('polling')) {
    noteStarts.push(['polling', notes.length]);
    const polling = await pollingSection(deploy);
    rows.push(...polling.rows);
    notes.push(...polling.notes);
    results.polling = polling.results;
    results.pollingMarkdown = polling.markdown;
  }

  if (sections.includes('burst')) {
    noteStarts.push(['burst', notes.length]);
    process.stderr.write('burst: 200 executions through the local workflow...\n');
    const burst = await runBurst();
    rows.push(...burstRows(burst));
    notes.push(...burst.notes);
    const serviceErrors = Object.entries(burst.serviceErrors ?? {})
      .map(([key, count]) => `${key} x${count}`)
      .join(', ');
    if (serviceErrors)
      notes.push(
        `burst: error answers of the stand-in (expected by the idempotent handlers): ${serviceErrors}.`,
      );
    results.burst = burst;
  }

  for (const measured of CHILD_SECTIONS) {
    if (!sections.includes(measured.id)) continue;
    noteStarts.push([measured.id, notes.length]);
    await measured.measure(rows, notes, results);
  }

  if (sections.includes('local')) {
    noteStarts.push(['local', notes.length]);
    process.stderr.write('local: npm run local to ready, and the console in headless chromium...\n');
    const local = await runLocalBench();
    rows.push(...localRows(local));
    results.local = local;
  }

  const wallSeconds = (performance.now() - started) / 1000;
  results.wallSeconds = wallSeconds;
  const previous = previousResults(
    sections,
    markdownTable(['Section', 'Case', 'Measured', 'Compared with', 'Goal', 'Goal met'], rows),
  );
  const table = previous.table;
  const fresh = Object.fromEntries(
    noteStarts.map(([id, from], index) => [
      id,
      notes.slice(from, noteStarts[index + 1]?.[1] ?? notes.length),
    ]),
  );
  const notesBySection: Record<string, string[]> = {
    ...((previous.kept.notesBySection as Record<string, string[]> | undefined) ?? {}),
    ...fresh,
  };
  results.notesBySection = notesBySection;
  results.notes = ['build', ...ALL_SECTIONS].flatMap((id) => notesBySection[id] ?? []);
  results.tableMarkdown = table;
  writeFileSync(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ ...previous.kept, ...results }, jsonReplacer, 2)}\n`,
  );

  const out = [table, ''];
  if (typeof results.pollingMarkdown === 'string') out.push(results.pollingMarkdown, '');
  out.push(
    'Notes:',
    ...notes.map((n, i) => `${i + 1}. ${n}`),
    '',
    `bench wall time ${wallSeconds.toFixed(0)} s; results in bench/results.json`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

/** JSON has no Infinity: a never-noticed create is written as null. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

await main();
