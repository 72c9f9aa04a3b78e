/**
 * The provisioning state machine on the local stand-in: the real ASL, every Task on its real handler,
 * the real SDK clients talking to the ElastiCache + Secrets Manager stand-in (simulated nodes), with
 * its own parameter checks and status progressions (see tests/reliability/support/harness.ts). The
 * stand-in keeps what each test made, so every test runs its request under ids of its own.
 */
import { expect } from 'vitest';

let runs = 0;

function idsIn(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) idsIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'ReplicationGroupId' || key === 'UserGroupId') && typeof child === 'string')
        found.add(child);
      else idsIn(child, found);
    }
  }
  return found;
}

/**
 * Renames the replication group and user group ids of `input` (and the user ids, secret names,
 * addresses and ARNs made from them) to ones no other test uses (a prefix); returns the renamer, to apply to the
 * expected result too.
 */
export function ownIds(input: unknown): <T>(value: T) => T {
  runs += 1;
  const prefix = `t${runs}`;
  // Longest first, case-insensitively: the result holds ids lower-cased, and one id may contain another.
  const patterns = [...idsIn(input, new Set())]
    .sort((a, b) => b.length - a.length)
    .map(
      (id) => new RegExp(`(?<![A-Za-z0-9])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'gi'),
    );
  return <T>(value: T): T => {
    let text = JSON.stringify(value);
    for (const pattern of patterns) text = text.replace(pattern, `${prefix}$&`);
    return JSON.parse(text) as T;
  };
}

/**
 * The expected result with what the stand-in decides itself (account, addresses, ports, the random
 * suffix of a secret ARN) left open; the secret's name is still checked.
 */
export function resultLike(expected: unknown): unknown {
  if (Array.isArray(expected)) return expected.map(resultLike);
  if (typeof expected !== 'object' || expected === null) return expected;
  return Object.fromEntries(
    Object.entries(expected).map(([key, value]) => {
      if (key === 'ARN' || key === 'Address') return [key, expect.any(String)];
      if (key === 'Port') return [key, expect.any(Number)];
      if (key === 'PasswordSecretArn' && typeof value === 'string') {
        const name = value.slice(value.indexOf(':secret:') + ':secret:'.length, value.lastIndexOf('-'));
        return [
          key,
          expect.stringMatching(new RegExp(`:secret:${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}-`)),
        ];
      }
      return [key, resultLike(value)];
    }),
  );
}
