/** The error a promise rejects with, for assertions on its class and fields; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const outcome = await promise.then(
    () => ({ rejected: false as const }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) throw new Error('expected the call to fail, it succeeded');
  if (!(outcome.error instanceof Error)) throw new TypeError('expected a rejection with an Error');
  return outcome.error as Error & Record<string, unknown>;
}
