/** Errors of the teardown workflow; literal names because the state machine matches on them. */

export class TeardownTimedOut extends Error {
  override readonly name = 'TeardownTimedOut';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
