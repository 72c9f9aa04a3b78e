/**
 * npm run test:reliability: the reliability tests (tests/reliability) at full size, then a table of
 * what they measured. Larger than in `npm test`: FUZZ_RUNS property runs per fuzzed property, the
 * transient-fault scenario under several seeds, a crash after every function invocation of a run.
 * Writes the figures to reliability/results.json (the README's reliability figures come from it).
 * Exits non-zero when a test failed or a password was found anywhere.
 *
 *   FUZZ_RUNS=5000 RELIABILITY_SEEDS=1,2,3,4,5 npm run test:reliability
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Figure, violationCount } from '../tests/reliability/support/figures';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS = join(ROOT, 'reliability', 'results.json');
// The package's command-line entry (not an export of the package, hence the path from its package.json).
const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

const settings = {
  FUZZ_RUNS: process.env.FUZZ_RUNS ?? '5000',
  RELIABILITY_SEEDS: process.env.RELIABILITY_SEEDS ?? '1,2,3,4,5',
  RELIABILITY_CRASH_POINTS: process.env.RELIABILITY_CRASH_POINTS ?? 'every',
};

interface VitestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[];
}

function runTests(figures: string, report: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        VITEST,
        'run',
        'tests/reliability',
        '--reporter=dot',
        '--reporter=json',
        `--outputFile.json=${report}`,
        '--testTimeout=300000',
      ],
      { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...settings, RELIABILITY_FIGURES: figures } },
    );
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

function readFigures(file: string): Figure[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Figure);
}

const of = <K extends Figure['kind']>(figures: Figure[], kind: K) =>
  figures.filter((figure): figure is Extract<Figure, { kind: K }> => figure.kind === kind);

const sum = <T>(items: T[], value: (item: T) => number) =>
  items.reduce((total, item) => total + value(item), 0);

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A two-column table of named figures. */
function figureTable(rows: (string | number)[][]): string {
  return table(['Figure', 'Value'], rows);
}

const FAULT_KINDS = [
  'throttling',
  'serverError',
  'latency',
  'createFailed',
  'neverAvailable',
  'userGroupModifying',
] as const;

type FaultFigure = Extract<Figure, { kind: 'faults' }>;

const asExpected = (figure: FaultFigure) => figure.expected.split(' or ').includes(figure.outcome);

function faultTotals(faults: FaultFigure[]) {
  return {
    runs: faults.length,
    asExpected: faults.filter(asExpected).length,
    calls: sum(faults, (figure) => figure.calls),
    injected: Object.fromEntries(
      FAULT_KINDS.map((kind) => [kind, sum(faults, (figure) => figure.injected[kind])]),
    ) as Record<(typeof FAULT_KINDS)[number], number>,
  };
}

/** What reliability/results.json holds: every README figure of the reliability section. */
function summarise(figures: Figure[], report: VitestReport | undefined, seconds: number) {
  const fuzz = of(figures, 'fuzz');
  const faults = of(figures, 'faults');
  // Faults the workflow is meant to absorb (the run must still succeed) apart from the scenarios
  // that fail on purpose (create-failed, never available, a service that keeps failing).
  const absorbed = faults.filter((figure) => figure.expected === 'SUCCEEDED');
  const failing = faults.filter((figure) => figure.expected !== 'SUCCEEDED');
  const crashes = of(figures, 'crash');
  const concurrency = of(figures, 'concurrency');
  const secrets = of(figures, 'secrets');
  return {
    command: 'npm run test:reliability',
    settings,
    seconds: Math.round(seconds),
    tests: report && {
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      total: report.numTotalTests,
      failing: report.testResults.flatMap((file) =>
        file.assertionResults
          .filter((result) => result.status === 'failed')
          .map((result) => `${file.name.replace(ROOT, '')}: ${result.fullName}`),
      ),
    },
    fuzz: {
      properties: fuzz.map(({ kind: _kind, ...figure }) => figure),
      checked: sum(fuzz, (figure) => figure.checked),
      rejected: sum(fuzz, (figure) => figure.rejected),
      accepted: sum(fuzz, (figure) => figure.accepted),
      violations: sum(fuzz, (figure) => violationCount(figure.violations)),
      discarded: sum(fuzz, (figure) => figure.discarded),
    },
    faults: {
      absorbed: {
        ...faultTotals(absorbed),
        latencyMs: [...new Set(absorbed.map((figure) => figure.latencyMs).filter((ms) => ms > 0))],
        scenarios: absorbed.map(({ kind: _kind, ...figure }) => figure),
      },
      failingOnPurpose: {
        ...faultTotals(failing),
        scenarios: failing.map(({ kind: _kind, ...figure }) => figure),
      },
    },
    crash: { points: crashes.length, converged: crashes.filter((crash) => crash.converged).length },
    concurrency: {
      executions: sum(concurrency, (figure) => figure.executions),
      succeeded: sum(concurrency, (figure) => figure.succeeded),
      conflicts: sum(concurrency, (figure) => figure.conflicts),
      other: sum(concurrency, (figure) => figure.other),
      scenarios: concurrency.map(({ kind: _kind, ...figure }) => figure),
    },
    secrets: {
      scanned: secrets.length,
      passwordsSearched: Math.max(0, ...secrets.map((figure) => figure.passwords)),
      hits: sum(secrets, (figure) => figure.hits),
    },
  };
}

type Results = ReturnType<typeof summarise>;

function render(results: Results): string {
  const { fuzz, faults, crash, concurrency, secrets, tests } = results;
  const faultRow = (figure: Results['faults']['absorbed']['scenarios'][number]) => [
    figure.scenario,
    figure.seed ?? '',
    figure.calls,
    figure.injected.throttling,
    figure.injected.serverError,
    figure.latencyMs > 0 ? `${figure.injected.latency} x ${figure.latencyMs} ms` : 0,
    figure.injected.createFailed + figure.injected.neverAvailable + figure.injected.userGroupModifying,
    figure.stateRetries,
    figure.outcome,
    asExpected({ kind: 'faults', ...figure }) ? 'yes' : `**no** (expected ${figure.expected})`,
  ];
  const faultHeader = [
    'Scenario',
    'Seed',
    'Calls',
    'Throttling',
    'Server errors',
    'Latency',
    'Other',
    'State retries',
    'Outcome',
    'As expected',
  ];
  return [
    `## Reliability figures (${results.seconds} s), written to reliability/results.json`,
    `Settings: ${Object.entries(results.settings)
      .map(([name, value]) => `${name}=${value}`)
      .join(', ')}`,
    '### Hostile input (fast-check, every input judged)',
    table(
      ['Property', 'Inputs checked', 'Rejected (ValidationError)', 'Accepted', 'Violations', 'Discarded'],
      [
        ...fuzz.properties.map((figure) => [
          figure.property,
          figure.checked,
          figure.rejected,
          figure.accepted,
          violationCount(figure.violations),
          figure.discarded,
        ]),
        ['**Total**', fuzz.checked, fuzz.rejected, fuzz.accepted, fuzz.violations, fuzz.discarded],
      ],
    ),
    '### Faults the workflow absorbs (each run must succeed)',
    table(faultHeader, faults.absorbed.scenarios.map(faultRow)),
    '### Scenarios that fail on purpose (each must end in its named error)',
    table(faultHeader, faults.failingOnPurpose.scenarios.map(faultRow)),
    '### Crash and re-run, concurrent duplicates',
    figureTable([
      ['Crash points re-run', crash.points],
      ['... converged (same endpoints, users, group; nothing twice, nothing deleted)', crash.converged],
      ['Concurrent executions started', concurrency.executions],
      ['... SUCCEEDED', concurrency.succeeded],
      ['... ConflictError', concurrency.conflicts],
      ['... any other ending (a defect)', concurrency.other],
    ]),
    '### Secrets',
    figureTable([
      ['Runs and outputs scanned', secrets.scanned],
      ['Passwords searched for (largest set)', secrets.passwordsSearched],
      ['**Passwords found in history, outputs, logs or CLI output (must be 0)**', secrets.hits],
    ]),
    ...(tests
      ? [
          '### Tests',
          `${tests.passed} passed, ${tests.failed} failed, ${tests.total} in all.`,
          ...(tests.failing.length > 0
            ? [
                `Failing (each one a defect to fix in the product, see the test):\n- ${tests.failing.join('\n- ')}`,
              ]
            : []),
        ]
      : []),
  ].join('\n\n');
}

async function main(): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'reliability-'));
  const figures = join(directory, 'figures.jsonl');
  const report = join(directory, 'report.json');
  const started = Date.now();
  try {
    const code = await runTests(figures, report);
    const results = existsSync(report)
      ? (JSON.parse(readFileSync(report, 'utf8')) as VitestReport)
      : undefined;
    const summary = summarise(readFigures(figures), results, (Date.now() - started) / 1000);
    writeFileSync(RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`\n${render(summary)}\n`);
    return code !== 0 || summary.secrets.hits > 0 ? 1 : 0;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
