/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles only (an esbuild alias in
 * serverless.yml). The SDK loads it for event-stream operations alone, and none of the calls these
 * functions make streams events, yet esbuild would inline its ~14 KB codec into every bundle.
 */
export class EventStreamsNotBundled extends Error {
  override readonly name = 'EventStreamsNotBundled';
}

function notBundled(): never {
  throw new EventStreamsNotBundled('event-stream operations are not bundled in this function');
}

export const EventStreamSerde = notBundled;
export const eventStreamSerdeProvider = notBundled;
