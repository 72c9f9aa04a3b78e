import { randomBytes } from 'node:crypto';
import { AclRulesRejected, RedisReplyError } from './errors';
import type { RespConnection } from './respConnection';
import type { NodeBackendUser } from './types';

/** Replicates and administers every node; survives every setUsers. */
export const INTERNAL_USER = 'local-node-admin';
/** Throwaway user that access strings are tried on before any real user changes. */
const RULES_CHECK_USER = 'local-node-rules-check';
const RESERVED_USER_NAMES = new Set([INTERNAL_USER, RULES_CHECK_USER]);

export const DEFAULT_USER = 'default';

export function randomPassword(): string {
  return randomBytes(24).toString('hex');
}

/** `on ~app:* +@read` -> ['on', '~app:*', '+@read']: Redis takes each rule as its own argument. */
export function accessRules(accessString: string): string[] {
  return accessString.split(/\s+/).filter((rule) => rule.length > 0);
}

function redact(message: string, secrets: readonly string[]): string {
  let safe = message;
  for (const secret of secrets) if (secret.length > 0) safe = safe.split(secret).join('***');
  return safe;
}

export interface UserChange {
  userName: string;
  /** The full `ACL SETUSER` command, credentials included. Never log it. */
  command: string[];
}

/**
 * The `ACL SETUSER` commands that make each node's users exactly `users`. `reset` first so a
 * user's earlier rules and passwords do not survive. IAM users get a password nobody knows:
 * IAM authentication is not emulated locally.
 */
export function userChanges(users: readonly NodeBackendUser[]): UserChange[] {
  const changes = users.map((user) => {
    const credentials =
      user.authenticationType === 'no-password'
        ? ['nopass']
        : user.authenticationType === 'iam'
          ? [`>${randomPassword()}`]
          : user.passwords.map((password) => `>${password}`);
    return {
      userName: user.userName,
      command: ['ACL', 'SETUSER', user.userName, 'reset', ...accessRules(user.accessString), ...credentials],
    };
  });
  // Without a `default` entry the built-in default user must not stay open.
  if (!users.some((user) => user.userName === DEFAULT_USER)) {
    changes.push({ userName: DEFAULT_USER, command: ['ACL', 'SETUSER', DEFAULT_USER, 'reset'] });
  }
  return changes;
}

function invalidName(name: string): string | undefined {
  if (name.length === 0) return 'A user name must not be empty';
  if (/[\s\0]/.test(name)) return `User name ${JSON.stringify(name)} contains whitespace`;
  if (RESERVED_USER_NAMES.has(name))
    return `User name ${JSON.stringify(name)} is reserved for the node backend`;
  return undefined;
}

/**
 * Rejects users Redis would refuse, before any node changes: names first, then each access
 * string tried on a throwaway user of one node (a refused SETUSER changes nothing).
 */
export async function checkUsers(
  connection: RespConnection,
  users: readonly NodeBackendUser[],
): Promise<void> {
  const seen = new Set<string>();
  for (const user of users) {
    const problem = invalidName(user.userName);
    if (problem) throw new AclRulesRejected(user.userName, problem);
    if (seen.has(user.userName)) {
      throw new AclRulesRejected(user.userName, `User ${JSON.stringify(user.userName)} is listed twice`);
    }
    seen.add(user.userName);
    if (user.authenticationType === 'password' && user.passwords.length === 0) {
      throw new AclRulesRejected(user.userName, `User ${JSON.stringify(user.userName)} needs a password`);
    }
  }
  const checks = users.map((user) =>
    connection.command(['ACL', 'SETUSER', RULES_CHECK_USER, 'reset', ...accessRules(user.accessString)]).then(
      () => undefined,
      (err: unknown) => {
        if (!(err instanceof RedisReplyError)) throw err;
        throw new AclRulesRejected(
          user.userName,
          `Access string of user ${JSON.stringify(user.userName)} refused by Redis: ${redact(err.message, user.passwords)}`,
          { cause: new RedisReplyError(redact(err.message, user.passwords)) },
        );
      },
    ),
  );
  const cleanup = connection.command(['ACL', 'DELUSER', RULES_CHECK_USER]);
  const outcomes = await Promise.allSettled([...checks, cleanup]);
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}

/** Applies the changes on one node and deletes every other user but the internal one. */
export async function applyUserChanges(
  connection: RespConnection,
  changes: readonly UserChange[],
): Promise<void> {
  const keep = new Set([INTERNAL_USER, DEFAULT_USER, ...changes.map((change) => change.userName)]);
  const secrets = changes.flatMap((change) =>
    change.command.filter((arg) => arg.startsWith('>')).map((arg) => arg.slice(1)),
  );
  try {
    await Promise.all(changes.map((change) => connection.command(change.command)));
    const existing = await connection.command(['ACL', 'USERS']);
    const stale = Array.isArray(existing)
      ? existing.filter((name): name is string => typeof name === 'string' && !keep.has(name))
      : [];
    if (stale.length > 0) await connection.command(['ACL', 'DELUSER', ...stale]);
  } catch (err) {
    if (!(err instanceof RedisReplyError)) throw err;
    // The reply may quote a rule; rules can sit next to passwords in the command.
    throw new RedisReplyError(redact(err.message, secrets));
  }
}
