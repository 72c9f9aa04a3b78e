/** Time as the core functions see it: injected so tests and local runs control it. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Scales every sleep; local runs set it (e.g. 0.01) so a 10 s check interval takes 100 ms. */
function timeScale(): number {
  const raw = Number(process.env.PROVISIONER_TIME_SCALE ?? '1');
  return Number.isFinite(raw) && raw >= 0 ? raw : 1;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms * timeScale())),
};
