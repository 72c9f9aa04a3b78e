/** Errors of the entrances (custom-resource bridge, result notification); literal names for the state machines. */

/** The result could not be handed over (CloudFormation response URL or EventBridge). */
export class ResultNotDelivered extends Error {
  override readonly name = 'ResultNotDelivered';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
