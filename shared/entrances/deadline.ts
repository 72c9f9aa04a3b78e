/**
 * The deadline of a custom-resource request: CloudFormation waits for an answer until the resource's
 * ServiceTimeout (an hour at most), and then fails the stack on its own, with no word of why, whatever
 * the workflow does after. The bridge therefore starts, beside each workflow, an execution of the
 * deadline state machine (statemachines/deadline.asl.json): it waits until the ServiceTimeout less a
 * margin, and if the workflow has not answered by then (its ResponseURL is still kept), stops it and
 * answers FAILED itself (shared/entrances/answerDeadline.ts). The workflow's own time limit ends well
 * before (see ANSWER_RESERVE_SECONDS), so the deadline only ever answers for a workflow that hangs.
 *
 * Kept apart from the answering code: the bridge builds the input and must stay small.
 */
import type { WorkflowKind } from '../workflow';

/** CloudFormation's wait for an answer when the resource sets no ServiceTimeout (its maximum too). */
export const DEFAULT_SERVICE_TIMEOUT_SECONDS = 3600;

/** The error a request answered at its deadline fails with (the result event's Error, the stack's Reason). */
export const DEADLINE_ERROR = 'DeadlineReached';

/**
 * Before CloudFormation's own deadline: the deadline's answering Task at its worst (its TimeoutSeconds
 * and the retries of a failed invocation; tests/infra/answerDeadline.test.ts holds it to this).
 */
export const DEADLINE_MARGIN_SECONDS = 180;

/** What the deadline state machine is started with (its execution input). */
export interface DeadlineInput {
  /** When to answer (ISO 8601): the Wait state's TimestampPath. */
  AnswerBy: string;
  Workflow: WorkflowKind;
  /** The ARN of the workflow's execution, which should have answered by then. */
  Execution: string;
  /** That execution's input: the request and the custom-resource envelope (never the ResponseURL). */
  Input: Record<string, unknown>;
  /** The resource's ServiceTimeout, named in the answer. */
  ServiceTimeoutSeconds: number;
}

export function deadlineInput(options: {
  receivedAt: number;
  serviceTimeoutSeconds: number;
  workflow: WorkflowKind;
  execution: string;
  input: Record<string, unknown>;
}): DeadlineInput {
  // Counted from the bridge receiving the request; CloudFormation sent it a moment before, which the
  // margin covers.
  const answerBy = options.receivedAt + (options.serviceTimeoutSeconds - DEADLINE_MARGIN_SECONDS) * 1000;
  return {
    AnswerBy: new Date(answerBy).toISOString(),
    Workflow: options.workflow,
    Execution: options.execution,
    Input: options.input,
    ServiceTimeoutSeconds: options.serviceTimeoutSeconds,
  };
}
