/**
 * Sections that load the handlers run in a child process of their own: the handlers' SDK clients read
 * their endpoints from the environment when first imported, and the child's logs stay out of the table.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs a bench module's `--child` entry in a fresh node process (tsx loader) and reads the JSON it writes.
 * Its stdout/stderr (handler logs, SDK warnings) are kept only to explain a failure.
 */
export function runChild<T>(moduleUrl: string, timeoutMs: number): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-child-'));
  const resultFile = join(dir, 'result.json');
  return new Promise<T>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(moduleUrl), '--child', resultFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        if (code !== 0)
          throw new Error(`exited ${code ?? signal}: ${output.trim().split('\n').slice(-5).join(' | ')}`);
        resolve(JSON.parse(readFileSync(resultFile, 'utf8')) as T);
      } catch (err) {
        reject(err);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** runChild, or when the child cannot run, the section's result saying why (`unmeasured`). */
export async function runChildOr<T>(
  moduleUrl: string,
  timeoutMs: number,
  unmeasured: (reason: string) => T,
): Promise<T> {
  try {
    return await runChild<T>(moduleUrl, timeoutMs);
  } catch (err) {
    return unmeasured(err instanceof Error ? err.message : String(err));
  }
}

/** `--child <file>`: run `work` and write its JSON result to the file (NaN and Infinity become null). */
export async function childMain(moduleUrl: string, work: () => Promise<unknown>): Promise<void> {
  const [flag, resultFile] = process.argv.slice(2);
  if (process.argv[1] !== fileURLToPath(moduleUrl) || flag !== '--child' || !resultFile) return;
  const result = await work();
  writeFileSync(resultFile, JSON.stringify(result));
  // Keep-alive sockets and node processes must not hold the child open.
  process.exit(0);
}
