/** A node process could not be started or the group never became ready. */
export class NodeStartFailed extends Error {
  override readonly name = 'NodeStartFailed';
}

/** Redis refused a user's access string (or name); nothing was changed on any node. */
export class AclRulesRejected extends Error {
  override readonly name = 'AclRulesRejected';
  readonly userName: string;
  constructor(userName: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.userName = userName;
  }
}

/** An error reply from a Redis node (`-ERR ...`, `-NOPERM ...`). */
export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
}
