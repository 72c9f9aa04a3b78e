export type { AslDefinition, AslState } from './definition';
export {
  DEFINITION_PATH,
  DEFINITION_PATHS,
  invokedFunction,
  loadDefinition,
  statesOfType,
  TEARDOWN_DEFINITION_PATH,
  taskFunctions,
} from './definition';
export { FunctionError, type LambdaHandler } from './lambda';
export {
  createLocalWorkflow,
  type HistoryEvent,
  type LocalWorkflow,
  type LocalWorkflowOptions,
  type ProgressEvent,
  type RunOptions,
  type RunResult,
  type WorkflowExecution,
} from './runner';
