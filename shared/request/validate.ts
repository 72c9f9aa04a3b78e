import * as v from 'valibot';
import type { Problem } from '../errors';
import { unwrapExecutionInput, withCorrelationId } from '../executionInput';
import { coerceCustomResourceProperties } from './coerce';
import { isRecord, pathOf, ROOT_FIELD, type SchemaNode } from './fields';
import { passwordProblems, unknownFieldProblems } from './inspect';
import { normaliseRequest, type ValidatedRequest } from './normalise';
import { crossFieldProblems, type RequestView, versionGatedProblems, viewOf } from './rules';
import { type ParsedRequest, ProvisionRequestSchema } from './schema';
import { parseVersion } from './versions';

export type ValidationResult = { ok: true; request: ValidatedRequest } | { ok: false; problems: Problem[] };

export type CheckedRequest =
  | { ok: true; request: ValidatedRequest; view: RequestView }
  | { ok: false; problems: Problem[] };

/**
 * Validates a raw execution input (the request, an EventBridge event carrying it, or the input the
 * custom-resource bridge starts with) against every rule that needs no AWS call, collecting all
 * problems. Pure.
 */
export function validateRequest(input: unknown): ValidationResult {
  const checked = checkRequest(input);
  return checked.ok ? { ok: true, request: checked.request } : checked;
}

/** validateRequest plus the parsed view prepareRequest needs to name fields in later checks. */
export function checkRequest(input: unknown): CheckedRequest {
  const request = requestOf(input);
  if (!isRecord(request)) {
    return {
      ok: false,
      problems: [
        {
          field: ROOT_FIELD,
          message: 'must be an object: the request, or an EventBridge event whose detail is the request',
        },
      ],
    };
  }
  const problems: Problem[] = [
    ...passwordProblems(request),
    ...unknownFieldProblems(ProvisionRequestSchema as unknown as SchemaNode, request),
  ];

  const parsed = v.safeParse(ProvisionRequestSchema, request, { abortEarly: false, message: describeIssue });
  const invalidFields: string[] = [];
  for (const issue of parsed.issues ?? []) {
    // Unknown fields were all reported above; valibot stops at the first one.
    if (issue.type === 'strict_object' && issue.expected === 'never') continue;
    const field = pathOf(issue.path?.map((item) => item.key) ?? []);
    invalidFields.push(field);
    problems.push({ field, message: issue.message });
  }

  if (!isRecord(parsed.output)) return { ok: false, problems };
  // On failure the output still holds every field the schema accepted, defaults included.
  const view = viewOf(parsed.output as ParsedRequest, invalidFields);
  problems.push(...crossFieldProblems(view));
  const { request: r, ok } = view;
  const version =
    ok('Engine') && ok('EngineVersion') && r.EngineVersion ? parseVersion(r.EngineVersion) : undefined;
  if (version) problems.push(...versionGatedProblems(view, r.Engine, version));

  if (problems.length > 0) return { ok: false, problems: unique(problems) };
  return { ok: true, request: normaliseRequest(view.request), view };
}

/**
 * The request an execution input carries. The bridge's input is the custom resource's properties
 * (every value a string, as CloudFormation hands them over) plus the envelope the workflow answers
 * CloudFormation with; the envelope is not part of the request, and its RequestId is the default
 * CorrelationId, as an EventBridge event's id is.
 */
function requestOf(input: unknown): unknown {
  const { body, correlationId, envelope } = unwrapExecutionInput(input);
  const request = envelope && isRecord(body) ? coerceCustomResourceProperties(body) : body;
  return withCorrelationId(request, correlationId);
}

/** Default messages name what was expected, never what was received (it could be a misplaced secret). */
function describeIssue(issue: v.BaseIssue<unknown>): string {
  const requirement = String(issue.requirement);
  const items = Array.isArray(issue.input) ? 'items' : 'characters';
  if (issue.kind === 'schema') {
    if (issue.type === 'strict_object' && issue.input === undefined) return 'is required';
    switch (issue.type) {
      case 'string':
        return 'must be a string';
      case 'number':
        return 'must be a number';
      case 'boolean':
        return 'must be true or false';
      case 'array':
        return 'must be a list';
      case 'strict_object':
        return 'must be an object';
      case 'picklist':
        return `must be one of ${issue.expected}`;
      default:
        return `must be ${issue.expected}`;
    }
  }
  switch (issue.type) {
    case 'integer':
      return 'must be a whole number';
    case 'min_value':
      return `must be at least ${requirement}`;
    case 'max_value':
      return `must be at most ${requirement}`;
    case 'min_length':
      return `must hold at least ${requirement} ${items}`;
    case 'max_length':
      return `must hold at most ${requirement} ${items}`;
    default:
      return 'has an invalid format';
  }
}

function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter(({ field, message }) => {
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
