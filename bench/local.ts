/**
 * Section 6: `npm run local`. Time from the command to its ready line on stdout (as a user starts it,
 * through npm), and in the console, from a page load to the first graph, then from each state change of
 * the execution to the page showing it (the page notes when each mark appears; the event's timestamp
 * comes from the same clock).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { launchBrowser } from '../local/console/browser';
import { median, percentile } from './stats';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const READY_GOAL_SECONDS = 2;
export const CHANGE_GOAL_MS = 500;
const READY_ROUNDS = 5;
const EXECUTIONS = 3;

export interface LocalBenchResult {
  measured: boolean;
  reason?: string;
  readySeconds: number[];
  readyMedianSeconds: number;
  /** The same without npm in front: `node --import tsx local/cli/local.ts`. */
  readyWithoutNpmMedianSeconds: number;
  /** The machine's 1-minute load average when the section started (2 cores shared with other work). */
  loadAverage: number;
  /** Page load (navigation start) to the graph drawn with its first marks. */
  firstGraphMs: number[];
  /** Each state change: the event's time to the mark on the page. */
  changeMs: number[];
  changeMedianMs: number;
  changeP95Ms: number;
  changes: number;
}

interface Started {
  stop: () => Promise<void>;
  endpoint: string;
  stateMachine: string;
  seconds: number;
}

const THROUGH_NPM = ['npm', 'run', '--silent', 'local', '--', '--port', '0'];
const WITHOUT_NPM = [process.execPath, '--import', 'tsx', 'local/cli/local.ts', '--port', '0'];

/** `npm run --silent local -- --port 0` (or `command`) until its JSON line; stopped with SIGTERM. */
function startLocal(command = THROUGH_NPM): Promise<Started> {
  const started = performance.now();
  const [program = 'npm', ...args] = command;
  const child = spawn(program, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!stdout.includes('\n')) return;
      const seconds = (performance.now() - started) / 1000;
      const ready = JSON.parse(stdout) as { endpoint: string; stateMachines: { provision: string } };
      resolve({
        endpoint: ready.endpoint,
        stateMachine: ready.stateMachines.provision,
        seconds,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`npm run local exited before ready: ${stderr.slice(-400)}`)));
  });
}

async function readyTimes(command: string[]): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < READY_ROUNDS; round++) {
    const local = await startLocal(command);
    times.push(local.seconds);
    await local.stop();
  }
  return times;
}

export async function runLocalBench(): Promise<LocalBenchResult> {
  const loadAverage = loadavg()[0] ?? 0;
  const readySeconds = await readyTimes(THROUGH_NPM);
  const withoutNpm = await readyTimes(WITHOUT_NPM);

  const local = await startLocal();
  const browser = await launchBrowser();
  const firstGraphMs: number[] = [];
  const changeMs: number[] = [];
  try {
    const sfn = new SFNClient({
      endpoint: local.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const page = await browser.context.newPage();
    for (let run = 0; run < EXECUTIONS; run++) {
      const { executionArn = '' } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: local.stateMachine,
          input: JSON.stringify({
            ReplicationGroupId: `bench-console-${run}`,
            Engine: 'redis',
            ClusterMode: 'disabled',
            NumCacheClusters: 2,
          }),
        }),
      );
      const loadedAt = Date.now();
      await page.goto(`${local.endpoint}/#/execution/${encodeURIComponent(executionArn)}`);
      await page.locator('svg.graph [data-mark]').first().waitFor();
      const liveAt = Date.now();
      firstGraphMs.push(liveAt - loadedAt);
      for (;;) {
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (status !== 'RUNNING') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await page.locator('#execution-status:not([data-status="RUNNING"])').waitFor();
      const marks = await page.evaluate(
        () =>
          (globalThis as unknown as { consoleMarks: { eventAt?: number; shownAt: number }[] }).consoleMarks,
      );
      // Only changes that happened while the page was open: the rest were history when it loaded.
      for (const mark of marks) {
        if (mark.eventAt !== undefined && mark.eventAt >= loadedAt)
          changeMs.push(mark.shownAt - mark.eventAt);
      }
      await page.goto('about:blank');
    }
  } finally {
    await browser.close();
    await local.stop();
  }
  return {
    measured: true,
    readySeconds,
    readyMedianSeconds: median(readySeconds),
    readyWithoutNpmMedianSeconds: median(withoutNpm),
    loadAverage,
    firstGraphMs,
    changeMs,
    changeMedianMs: median(changeMs),
    changeP95Ms: percentile(changeMs, 95),
    changes: changeMs.length,
  };
}
