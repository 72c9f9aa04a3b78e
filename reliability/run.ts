/**
 * npm run test:reliability: the reliability tests (tests/reliability) at full size, then a table of
 * what they measured. Larger than in `npm test`: FUZZ_RUNS property runs per fuzzed property, the
 * transient-fault scenario under several seeds, a crash after every function invocation of a run.
 * Exits non-zero when a test failed or a password was found anywhere.
 *
 *   FUZZ_RUNS=5000 RELIABILITY_SEEDS=1,2,3,4,5 npm run test:reliability
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from '../tests/reliability/support/figures';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
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

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const violationCount = (violations: Record<string, number>) =>
  Object.values(violations).reduce((sum, count) => sum + count, 0);

function render(figures: Figure[], report: VitestReport | undefined, seconds: number): string {
  const sections: string[] = [`## Reliability figures (${seconds.toFixed(0)} s)`];
  sections.push(
    `Settings: FUZZ_RUNS=${settings.FUZZ_RUNS}, RELIABILITY_SEEDS=${settings.RELIABILITY_SEEDS}, ` +
      `RELIABILITY_CRASH_POINTS=${settings.RELIABILITY_CRASH_POINTS}`,
  );

  const fuzz = of(figures, 'fuzz');
  const fuzzTotal = fuzz.reduce(
    (sum, figure) => ({
      runs: sum.runs + figure.runs,
      rejected: sum.rejected + figure.rejected,
      accepted: sum.accepted + figure.accepted,
      violations: sum.violations + violationCount(figure.violations),
    }),
    { runs: 0, rejected: 0, accepted: 0, violations: 0 },
  );
  const violationKinds = new Map<string, number>();
  for (const figure of fuzz) {
    for (const [kind, count] of Object.entries(figure.violations)) {
      violationKinds.set(kind, (violationKinds.get(kind) ?? 0) + count);
    }
  }
  sections.push(
    '### Hostile input (fast-check, every input judged)',
    table(
      ['Property', 'Inputs fuzzed', 'Rejected (ValidationError)', 'Accepted', 'Violations'],
      [
        ...fuzz.map((figure) => [
          figure.property,
          figure.runs,
          figure.rejected,
          figure.accepted,
          violationCount(figure.violations),
        ]),
        ['**Total**', fuzzTotal.runs, fuzzTotal.rejected, fuzzTotal.accepted, fuzzTotal.violations],
      ],
    ),
    ...(violationKinds.size > 0
      ? [
          table(
            ['Violation (neither accepted nor a clean ValidationError)', 'Inputs'],
            [...violationKinds].map(([kind, count]) => [kind, count]),
          ),
        ]
      : []),
  );

  const faults = of(figures, 'faults');
  const kinds = [
    'throttling',
    'serverError',
    'latency',
    'createFailed',
    'neverAvailable',
    'userGroupModifying',
  ] as const;
  const injected = Object.fromEntries(
    kinds.map((kind) => [kind, faults.reduce((sum, figure) => sum + figure.injected[kind], 0)]),
  );
  const survived = (figure: (typeof faults)[number]) =>
    figure.expected.split(' or ').includes(figure.outcome);
  sections.push(
    '### Faults injected by the stand-in',
    table(
      [
        'Scenario',
        'Seed',
        'Throttling',
        'Server errors',
        'Latency',
        'Other',
        'State retries',
        'Outcome',
        'As expected',
      ],
      faults.map((figure) => [
        figure.scenario,
        figure.seed ?? '',
        figure.injected.throttling,
        figure.injected.serverError,
        figure.injected.latency,
        figure.injected.createFailed + figure.injected.neverAvailable + figure.injected.userGroupModifying,
        figure.stateRetries,
        figure.outcome,
        survived(figure) ? 'yes' : `**no** (expected ${figure.expected})`,
      ]),
    ),
    table(
      ['Fault kind', 'Injected'],
      kinds.map((kind) => [kind, injected[kind] ?? 0]),
    ),
  );

  const crashes = of(figures, 'crash');
  const concurrency = of(figures, 'concurrency');
  sections.push(
    '### Crash and re-run, concurrent duplicates',
    table(
      ['Figure', 'Value'],
      [
        ['Crash points re-run', crashes.length],
        [
          '... converged (same endpoints, users, group; nothing twice, nothing deleted)',
          crashes.filter((c) => c.converged).length,
        ],
        ['Concurrent executions started', concurrency.reduce((sum, figure) => sum + figure.executions, 0)],
        ['... SUCCEEDED', concurrency.reduce((sum, figure) => sum + figure.succeeded, 0)],
        ['... ConflictError', concurrency.reduce((sum, figure) => sum + figure.conflicts, 0)],
        ['... any other ending (a defect)', concurrency.reduce((sum, figure) => sum + figure.other, 0)],
      ],
    ),
    table(
      ['Concurrency scenario', 'Executions', 'Succeeded', 'ConflictError', 'Other'],
      concurrency.map((figure) => [
        figure.scenario,
        figure.executions,
        figure.succeeded,
        figure.conflicts,
        figure.other,
      ]),
    ),
  );

  const secrets = of(figures, 'secrets');
  const hits = secrets.reduce((sum, figure) => sum + figure.hits, 0);
  sections.push(
    '### Secrets',
    table(
      ['Figure', 'Value'],
      [
        ['Runs and outputs scanned', secrets.length],
        ['Passwords searched for (largest set)', Math.max(0, ...secrets.map((figure) => figure.passwords))],
        ['**Passwords found in history, outputs, logs or CLI output (must be 0)**', hits],
      ],
    ),
  );

  if (report) {
    const failed = report.testResults.flatMap((file) =>
      file.assertionResults
        .filter((result) => result.status === 'failed')
        .map((result) => `- ${file.name.replace(ROOT, '')}: ${result.fullName}`),
    );
    sections.push(
      '### Tests',
      `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numTotalTests} in all.`,
      ...(failed.length > 0
        ? [`Failing (each one a defect to fix in the product, see the test):\n${failed.join('\n')}`]
        : []),
    );
  }
  return sections.join('\n\n');
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
    const collected = readFigures(figures);
    process.stdout.write(`\n${render(collected, results, (Date.now() - started) / 1000)}\n`);
    const leaks = of(collected, 'secrets').reduce((sum, figure) => sum + figure.hits, 0);
    return code !== 0 || leaks > 0 ? 1 : 0;
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
