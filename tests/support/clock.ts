import type { Clock } from '../../shared/clock';

/** A clock that records the sleeps it is asked for and moves time on by them at once. */
export function recordingClock(start = 0): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}
