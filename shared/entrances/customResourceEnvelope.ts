/**
 * What the custom-resource bridge adds to an execution input so the workflow can answer
 * CloudFormation when it ends. The ResponseURL is a pre-signed URL, that is a credential:
 * it is never logged, and `describeEnvelope` is what log lines get instead.
 */

export const ENVELOPE_KEY = 'CustomResource';

export type CustomResourceRequestType = 'Create' | 'Update' | 'Delete';

export interface CustomResourceEnvelope {
  RequestType: CustomResourceRequestType;
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  /** Present on Update and Delete: the id CloudFormation knows the resource by. */
  PhysicalResourceId?: string;
}

const REQUEST_TYPES: readonly string[] = ['Create', 'Update', 'Delete'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** The envelope when `value` is a well-formed one, else undefined. */
export function readEnvelope(value: unknown): CustomResourceEnvelope | undefined {
  if (!isRecord(value)) return undefined;
  const { RequestType, ResponseURL, StackId, RequestId, LogicalResourceId, PhysicalResourceId } = value;
  if (typeof RequestType !== 'string' || !REQUEST_TYPES.includes(RequestType)) return undefined;
  if (![ResponseURL, StackId, RequestId, LogicalResourceId].every(nonEmptyString)) return undefined;
  return {
    RequestType: RequestType as CustomResourceRequestType,
    ResponseURL: ResponseURL as string,
    StackId: StackId as string,
    RequestId: RequestId as string,
    LogicalResourceId: LogicalResourceId as string,
    ...(nonEmptyString(PhysicalResourceId) ? { PhysicalResourceId } : {}),
  };
}

/** The envelope an execution input carries, if any. */
export function envelopeOf(input: unknown): CustomResourceEnvelope | undefined {
  return isRecord(input) ? readEnvelope(input[ENVELOPE_KEY]) : undefined;
}

/**
 * Splits an execution input started by the bridge into the resource properties (still all strings)
 * and the envelope; undefined for any other input. The provisioning validator uses it before
 * coercing the properties, the teardown validator before reading its fields.
 */
export function splitCustomResourceInput(
  input: unknown,
): { properties: Record<string, unknown>; envelope: CustomResourceEnvelope } | undefined {
  if (!isRecord(input) || !(ENVELOPE_KEY in input)) return undefined;
  const envelope = readEnvelope(input[ENVELOPE_KEY]);
  if (!envelope) return undefined;
  const { [ENVELOPE_KEY]: _envelope, ...properties } = input;
  return { properties, envelope };
}

/** The envelope without its ResponseURL, for logs and events. */
export function describeEnvelope(
  envelope: CustomResourceEnvelope,
): Omit<CustomResourceEnvelope, 'ResponseURL'> {
  const { ResponseURL: _url, ...rest } = envelope;
  return rest;
}
