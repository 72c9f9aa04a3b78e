import type { Log } from '../../shared/logger';

/** A logger that keeps each line (message and fields, as JSON) for assertions; `lines` is emptied by the caller. */
export function capturingLog(): { log: Log; lines: string[] } {
  const lines: string[] = [];
  const write = (message: string, ...extra: unknown[]) => {
    lines.push(JSON.stringify([message, ...extra]));
  };
  return { log: { info: write, warn: write, debug: write }, lines };
}
