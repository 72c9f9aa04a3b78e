/** The workflows this service deploys, each a state machine (statemachines/<kind>.asl.json). */
export type WorkflowKind = 'provision' | 'teardown';
