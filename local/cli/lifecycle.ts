/**
 * How the local commands end: on Ctrl-C, SIGTERM (what `timeout` and service managers send) or
 * SIGHUP, and when the process that started them goes away without passing the signal on (npm stops
 * its own shell but not the shell's child), they stop what they run, then exit.
 */

/** How often the parent is checked; an orphan is noticed within this time. */
const PARENT_CHECK_MS = 250;

export interface StopHandling {
  /** Stops the process tree: nodes, servers, temporary directories. Runs once. */
  stop: () => Promise<void>;
  /** Printed on stderr when a signal arrives. */
  message?: string;
  stderr: (line: string) => void;
}

export function stopOnSignals({ stop, message, stderr }: StopHandling): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    if (message) stderr(message);
    void stop()
      .catch((err: unknown) => stderr(`Stopping failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => process.exit(0));
  };
  // `on`, not `once`: the nodes' own exit hook re-raises the signal (ending the process at once) when
  // it finds itself the only listener left, which a consumed `once` listener would make it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) onSignal();
  }, PARENT_CHECK_MS).unref();
}
