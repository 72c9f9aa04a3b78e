/**
 * What the custom-resource bridge adds to an execution input so the workflow can answer
 * CloudFormation when it ends. The request's ResponseURL is a pre-signed URL, that is a credential:
 * it is not part of the envelope (the bridge keeps it outside the execution, see responseUrls.ts),
 * and `describeEnvelope` is what log lines and the execution input get.
 */

export const ENVELOPE_KEY = 'CustomResource';

export type CustomResourceRequestType = 'Create' | 'Update' | 'Delete';

export interface CustomResourceEnvelope {
  RequestType: CustomResourceRequestType;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  /** Present on Update and Delete: the id CloudFormation knows the resource by. */
  PhysicalResourceId?: string;
}

/** The request as the bridge receives it: the envelope and where to answer. */
export interface CustomResourceRequest extends CustomResourceEnvelope {
  ResponseURL: string;
}

const REQUEST_TYPES: readonly string[] = ['Create', 'Update', 'Delete'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** The envelope when `value` is a well-formed one, else undefined (a ResponseURL in it is ignored). */
export function readEnvelope(value: unknown): CustomResourceEnvelope | undefined {
  if (!isRecord(value)) return undefined;
  const { RequestType, StackId, RequestId, LogicalResourceId, PhysicalResourceId } = value;
  if (typeof RequestType !== 'string' || !REQUEST_TYPES.includes(RequestType)) return undefined;
  if (![StackId, RequestId, LogicalResourceId].every(nonEmptyString)) return undefined;
  return {
    RequestType: RequestType as CustomResourceRequestType,
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

/** The request without its ResponseURL: what logs, events and the execution input get. */
export function describeEnvelope(
  request: CustomResourceEnvelope | CustomResourceRequest,
): CustomResourceEnvelope {
  const { ResponseURL: _url, ...rest } = request as CustomResourceRequest;
  return rest;
}
