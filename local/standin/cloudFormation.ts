/**
 * CloudFormation (Query protocol, `Version=2010-05-15`): DescribeStacks only, which is what the
 * custom-resource bridge asks (is the stack rolling an update back?). Stacks exist here only when a
 * test or a local run declares them with their status.
 */
import type { QueryParams, XmlObject } from './wire';
import { ServiceError, xmlList } from './wire';

export const CLOUDFORMATION_VERSION = '2010-05-15';
export const CLOUDFORMATION_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface StackRecord {
  StackId: string;
  StackName: string;
  StackStatus: string;
  CreationTime: number;
}

/** arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid> -> <name>. */
export function stackNameOf(stackId: string): string {
  return /:stack\/([^/]+)\//.exec(stackId)?.[1] ?? stackId;
}

export class CloudFormationStacks {
  readonly stacks = new Map<string, StackRecord>();

  constructor(private readonly now: () => number) {}

  /** Declares a stack (by its id, an ARN) or changes its status. */
  put(stackId: string, status: string): StackRecord {
    const existing = this.stacks.get(stackId);
    const record: StackRecord = existing
      ? { ...existing, StackStatus: status }
      : { StackId: stackId, StackName: stackNameOf(stackId), StackStatus: status, CreationTime: this.now() };
    this.stacks.set(stackId, record);
    return record;
  }

  find(stackName: string): StackRecord | undefined {
    return (
      this.stacks.get(stackName) ?? [...this.stacks.values()].find((stack) => stack.StackName === stackName)
    );
  }
}

export type CloudFormationOperation = (stacks: CloudFormationStacks, params: QueryParams) => XmlObject;

const describeStacks: CloudFormationOperation = (stacks, params) => {
  const name = params.string('StackName');
  const found = name === undefined ? [...stacks.stacks.values()] : [stacks.find(name)];
  if (found.some((stack) => stack === undefined)) {
    throw new ServiceError('ValidationError', `Stack with id ${name} does not exist`);
  }
  return {
    Stacks: xmlList(
      'member',
      (found as StackRecord[]).map((stack) => ({
        StackId: stack.StackId,
        StackName: stack.StackName,
        CreationTime: new Date(stack.CreationTime),
        StackStatus: stack.StackStatus,
      })),
    ),
  };
};

export const cloudFormationOperations: Record<string, CloudFormationOperation> = {
  DescribeStacks: describeStacks,
};
