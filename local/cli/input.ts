/**
 * What a request file may hold: the request itself, an EventBridge event (the workflow unwraps
 * `detail`), or a CloudFormation custom-resource event whose `ResourceProperties` (all strings)
 * are the request.
 */
import { readFile } from 'node:fs/promises';
import { coerceCustomResourceProperties } from '../../shared/request/coerce';
import { UsageError } from './args';

export type InputKind = 'request' | 'eventbridge' | 'custom-resource';

export interface ExecutionInput {
  kind: InputKind;
  /** What the state machine receives. */
  input: unknown;
  /** Custom resources only. */
  requestType?: 'Create' | 'Update' | 'Delete';
}

export function executionInputFrom(document: unknown): ExecutionInput {
  if (isObject(document) && 'RequestType' in document && isObject(document.ResourceProperties)) {
    const { ServiceToken: _serviceToken, ...properties } = document.ResourceProperties;
    return {
      kind: 'custom-resource',
      input: coerceCustomResourceProperties(properties),
      requestType: document.RequestType as ExecutionInput['requestType'],
    };
  }
  if (isObject(document) && 'detail' in document && 'detail-type' in document) {
    return { kind: 'eventbridge', input: document };
  }
  return { kind: 'request', input: document };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON file's content; a missing or malformed file is a usage error naming it. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UsageError(`cannot read the ${what} ${file}: ${reason}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`the ${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}
