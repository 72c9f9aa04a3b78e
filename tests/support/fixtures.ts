/** Reading JSON fixtures: every test loads them through here, by their path from the project root. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The absolute path of `relative` (from the project root: `events/...`, `tests/fixtures/...`). */
export function projectPath(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

/** A fresh copy of a JSON file, safe to change in a test. */
// biome-ignore lint/suspicious/noExplicitAny: a test edits fixtures freely unless it names their type
export function readJson<T = Record<string, any>>(relative: string): T {
  return JSON.parse(readFileSync(projectPath(relative), 'utf8')) as T;
}
