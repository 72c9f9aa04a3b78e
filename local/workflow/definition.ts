/**
 * The state machines as deployed (statemachines/provision.asl.json, teardown.asl.json, deadline.asl.json)
 * and what the local runner needs to know about them: which function each Task invokes, which states
 * wait or retry.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StateMachineKind } from '../../shared/workflow';

export const DEFINITION_PATH = fileURLToPath(
  new URL('../../statemachines/provision.asl.json', import.meta.url),
);
export const TEARDOWN_DEFINITION_PATH = fileURLToPath(
  new URL('../../statemachines/teardown.asl.json', import.meta.url),
);

export const DEADLINE_DEFINITION_PATH = fileURLToPath(
  new URL('../../statemachines/deadline.asl.json', import.meta.url),
);

export const DEFINITION_PATHS: Record<StateMachineKind, string> = {
  provision: DEFINITION_PATH,
  teardown: TEARDOWN_DEFINITION_PATH,
  deadline: DEADLINE_DEFINITION_PATH,
};

export interface AslState {
  Type: string;
  Comment?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<Record<string, unknown> & { Next: string }>;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ResultSelector?: Record<string, unknown>;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  Retry?: Array<{ ErrorEquals: string[] } & Record<string, unknown>>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string; ResultPath?: string }>;
  [field: string]: unknown;
}

export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

/** The partition local runs are in; a deployment's comes from CloudFormation's `${AWS::Partition}`. */
export const LOCAL_PARTITION = 'aws';

/** The definition as a local run executes it: `${AWS::Partition}` in its ARNs resolved to LOCAL_PARTITION. */
export function loadDefinition(path: string = DEFINITION_PATH): AslDefinition {
  const text = readFileSync(path, 'utf8').replaceAll(`\${AWS::Partition}`, LOCAL_PARTITION);
  return JSON.parse(text) as AslDefinition;
}

/** The serverless.yml function a Task invokes, from `Parameters.FunctionName: {"Fn::GetAtt": [<function>, "Arn"]}`. */
export function invokedFunction(state: AslState): string | undefined {
  const functionName = state.Parameters?.FunctionName;
  if (typeof functionName !== 'object' || functionName === null) return undefined;
  const getAtt = (functionName as Record<string, unknown>)['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** Task state name -> function name; throws for a Task that does not invoke a function of this service. */
export function taskFunctions(definition: AslDefinition): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const fn = invokedFunction(state);
    if (!fn)
      throw new Error(`Task ${name} does not name its function with Fn::GetAtt; it cannot run locally`);
    mapping[name] = fn;
  }
  return mapping;
}

export function statesOfType(definition: AslDefinition, type: string): string[] {
  return Object.entries(definition.States)
    .filter(([, state]) => state.Type === type)
    .map(([name]) => name);
}
