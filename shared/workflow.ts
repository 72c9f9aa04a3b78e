/** The workflows this service deploys, each a state machine (statemachines/<kind>.asl.json). */
export type WorkflowKind = 'provision' | 'teardown';

/**
 * Every state machine this service deploys: the two workflows, and the deadline that answers a
 * custom-resource request its workflow has not answered in time (statemachines/deadline.asl.json).
 */
export type StateMachineKind = WorkflowKind | 'deadline';
