export type { AslDefinition, AslState } from './definition';
export { DEFINITION_PATH, invokedFunction, loadDefinition, statesOfType, taskFunctions } from './definition';
export { FunctionError, type LambdaHandler } from './lambda';
export {
  createLocalWorkflow,
  type HistoryEvent,
  type LocalWorkflow,
  type LocalWorkflowOptions,
  type ProgressEvent,
  type RunOptions,
  type RunResult,
} from './runner';
