/**
 * Hash slot arithmetic shared by both node backends: the `Slots` text ElastiCache reports
 * (`0-4095,8192-10239`) and the plan of an online resharding (which slots move where).
 */

export const HASH_SLOTS = 16384;

/** `0-4095,8192-10239` (or a single slot `17`) -> every slot, ascending. */
export function parseSlots(text: string | undefined): number[] {
  if (text === undefined || text.trim() === '') return [];
  const slots: number[] = [];
  for (const range of text.split(',')) {
    const [first, last = first] = range.trim().split('-');
    const from = Number(first);
    const to = Number(last);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from > to || from < 0 || to >= HASH_SLOTS) {
      throw new RangeError(`Not a slot range: ${range}`);
    }
    for (let slot = from; slot <= to; slot++) slots.push(slot);
  }
  return slots.sort((a, b) => a - b);
}

/** Consecutive runs of ascending slots: [[0, 4095], [8192, 10239]]. */
export function slotRuns(slots: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const slot of [...slots].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && last[1] === slot - 1) last[1] = slot;
    else runs.push([slot, slot]);
  }
  return runs;
}

/** Every slot -> `0-4095,8192-10239`, as DescribeReplicationGroups shows a shard's slots. */
export function formatSlots(slots: readonly number[]): string {
  return slotRuns(slots)
    .map(([first, last]) => `${first}-${last}`)
    .join(',');
}

export interface SlotMove {
  from: string;
  to: string;
  slots: number[];
}

export interface ReshardPlan {
  /** Every node group after the change, with the slots it serves, in node group id order. */
  target: { nodeGroupId: string; slots: number[] }[];
  /** What moves between node groups; the slots of removed node groups included. */
  moves: SlotMove[];
}

/**
 * Spreads the slots evenly over the node groups that remain, moving as few as possible: node groups
 * keep their slots up to their share, and give their highest slots beyond it (removed ones give
 * all) to those below their share, lowest slots first.
 */
export function planReshard(
  current: readonly { nodeGroupId: string; slots: readonly number[] }[],
  add: readonly string[],
  remove: readonly string[],
): ReshardPlan {
  const ordered = [...current].sort((a, b) => a.nodeGroupId.localeCompare(b.nodeGroupId));
  const remaining = [
    ...ordered.filter((group) => !remove.includes(group.nodeGroupId)),
    ...add.map((nodeGroupId) => ({ nodeGroupId, slots: [] as number[] })),
  ];
  if (remaining.length === 0) throw new RangeError('At least one node group must remain');
  const base = Math.floor(HASH_SLOTS / remaining.length);
  const extra = HASH_SLOTS % remaining.length;
  // The node groups already holding the most slots keep the rounding remainder.
  const bySize = [...remaining].sort((a, b) => b.slots.length - a.slots.length);
  const share = new Map(bySize.map((group, i) => [group.nodeGroupId, base + (i < extra ? 1 : 0)]));

  const kept = new Map<string, number[]>();
  const pool: { slot: number; from: string }[] = [];
  for (const group of ordered) {
    const sorted = [...group.slots].sort((a, b) => a - b);
    const keep = remove.includes(group.nodeGroupId) ? 0 : (share.get(group.nodeGroupId) ?? 0);
    kept.set(group.nodeGroupId, sorted.slice(0, keep));
    for (const slot of sorted.slice(keep)) pool.push({ slot, from: group.nodeGroupId });
  }
  pool.sort((a, b) => a.slot - b.slot);

  const moves = new Map<string, SlotMove>();
  const target = remaining.map((group) => {
    const slots = [...(kept.get(group.nodeGroupId) ?? [])];
    const wanted = share.get(group.nodeGroupId) ?? 0;
    while (slots.length < wanted) {
      const next = pool.shift();
      if (!next) break;
      slots.push(next.slot);
      const key = `${next.from}>${group.nodeGroupId}`;
      let move = moves.get(key);
      if (!move) {
        move = { from: next.from, to: group.nodeGroupId, slots: [] };
        moves.set(key, move);
      }
      move.slots.push(next.slot);
    }
    return { nodeGroupId: group.nodeGroupId, slots: slots.sort((a, b) => a - b) };
  });
  target.sort((a, b) => a.nodeGroupId.localeCompare(b.nodeGroupId));
  return { target, moves: [...moves.values()] };
}
