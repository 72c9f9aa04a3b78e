import type { ProgressEvent } from '../workflow';

/** One line per state entered, retry and catch, with elapsed time and the availability poll count. */
export function progressPrinter(
  write: (line: string) => void,
  pollingStates: ReadonlySet<string>,
): (event: ProgressEvent) => void {
  let polls = 0;
  return (event) => {
    const at = `[${(event.elapsedMs / 1000).toFixed(2).padStart(7)}s]`;
    if (event.type === 'StateEntered') {
      if (pollingStates.has(event.state)) {
        polls += 1;
        write(`${at} ${event.state} (check ${polls})`);
      } else {
        write(`${at} ${event.state}`);
      }
    } else if (event.type === 'StateRetried') {
      write(`${at}   retry ${event.attempt ?? ''} of ${event.state} after ${event.error ?? 'an error'}`);
    } else if (event.type === 'StateCaught') {
      write(
        `${at}   ${event.state} failed: ${event.error ?? 'error'}${event.message ? ` - ${event.message}` : ''}`,
      );
    }
  };
}
