/** The workflows this service deploys, each a state machine (statemachines/<kind>.asl.json). */
export type WorkflowKind = 'provision' | 'teardown';

/**
 * Every state machine this service deploys: the two workflows, and the deadline that answers a
 * custom-resource request its workflow has not answered in time (statemachines/deadline.asl.json).
 */
export type StateMachineKind = WorkflowKind | 'deadline';

/** The ARN an execution started with `name` gets: Step Functions derives it from the state machine's. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** An execution's name: the last part of its ARN. */
export function executionNameOf(executionArn: string): string {
  return executionArn.split(':').at(-1) ?? '';
}
