/**
 * The deadline's answer (see deadline.ts): at the deadline, a request whose ResponseURL is still kept
 * has not been answered by its workflow. Its execution is stopped, so it changes nothing more and
 * cannot answer a second time, and the request is answered FAILED, with the result event every
 * workflow publishes, by the same code that answers for the workflows (notify.ts).
 *
 * For a Create the answer names the requested replication group: validation (which refuses a group
 * that exists) is long over by the deadline, so whatever group exists under that id was created by
 * this request, and the rollback's Delete removes it, with what the request created for it, as the
 * teardown decides (tagged as ours only).
 */
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { SfnLike } from '../aws/types';
import { errorName, type Problem, ValidationError } from '../errors';
import { isReplicationGroupId } from '../ids';
import { asRecord } from '../json';
import { executionNameOf } from '../workflow';
import { envelopeOf } from './customResourceEnvelope';
import {
  DEADLINE_ERROR,
  DEADLINE_MARGIN_SECONDS,
  DEFAULT_SERVICE_TIMEOUT_SECONDS,
  type DeadlineInput,
} from './deadline';
import { type NotifyDeps, type NotifyOutput, notifyResult } from './notify';
import { notCreatedId } from './physicalId';
import { readResponseUrl } from './responseUrls';

export interface DeadlineDeps extends NotifyDeps {
  sfn: SfnLike;
}

export type DeadlineOutcome =
  | { Action: 'answered-by-workflow' }
  | ({ Action: 'answered'; Stopped: boolean } & NotifyOutput);

const WORKFLOW_NAMES = { provision: 'provisioning', teardown: 'teardown' } as const;

export async function answerAtDeadline(deps: DeadlineDeps, input: DeadlineInput): Promise<DeadlineOutcome> {
  const executionName = executionNameOf(input.Execution);
  // The URL is deleted once answered: nothing kept means the workflow answered in time.
  if ((await readResponseUrl(deps.secretsManager, executionName)) === undefined) {
    deps.logger.info('The workflow answered before its deadline', { ExecutionArn: input.Execution });
    return { Action: 'answered-by-workflow' };
  }

  const waited = Math.round((input.ServiceTimeoutSeconds - DEADLINE_MARGIN_SECONDS) / 60);
  const late =
    `The ${WORKFLOW_NAMES[input.Workflow]} workflow had not answered ${waited} minutes after the request, ` +
    `and CloudFormation waits ${input.ServiceTimeoutSeconds} s (ServiceTimeout)`;
  // An execution that ended without answering (its answer could not be delivered) is told as such;
  // one still running (or whose status cannot be read) is stopped.
  const status = await executionStatus(deps, input.Execution);
  const running = status === undefined || status === 'RUNNING';
  const stopped = running && (await stop(deps, input.Execution, `${late}.`));
  const cause = !running
    ? `${late}: its execution had ended ${status} without answering.`
    : stopped
      ? `${late}: its execution was stopped.`
      : `${late}, and its execution could not be stopped: stop it before acting on the stack.`;

  const envelope = envelopeOf(input.Input);
  const requested = String(input.Input.ReplicationGroupId ?? '').toLowerCase();
  const createdId =
    envelope?.RequestType === 'Create' && isReplicationGroupId(requested) ? requested : undefined;
  const notified = await notifyResult(deps, {
    Workflow: input.Workflow,
    Outcome: 'Failed',
    State: { error: { Error: DEADLINE_ERROR, Cause: cause } },
    Input: input.Input,
    Execution: input.Execution,
    PhysicalResourceId: createdId ?? notCreatedId(envelope?.RequestId ?? executionName),
  });
  return { Action: 'answered', Stopped: stopped, ...notified };
}

/** The execution's status, or undefined when it cannot be read (which must not keep the answer back). */
async function executionStatus(deps: DeadlineDeps, executionArn: string): Promise<string | undefined> {
  try {
    const out = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return out.status;
  } catch (err) {
    deps.logger.warn('Could not read the execution at its deadline', {
      ExecutionArn: executionArn,
      Error: errorName(err),
    });
    return undefined;
  }
}

/** Stops the execution. A failure to stop must not keep the answer back. */
async function stop(deps: DeadlineDeps, executionArn: string, cause: string): Promise<boolean> {
  try {
    await deps.sfn.send(new StopExecutionCommand({ executionArn, error: DEADLINE_ERROR, cause }));
    deps.logger.warn('Execution stopped at its deadline', { ExecutionArn: executionArn });
    return true;
  } catch (err) {
    deps.logger.warn('Could not stop the execution at its deadline', {
      ExecutionArn: executionArn,
      Error: errorName(err),
    });
    return false;
  }
}

/**
 * The deadline's input as the Task passes it (`Payload.$: "$"`). The bridge wrote it; one it could not
 * have written fails the deadline (and raises its alarm) rather than be read as "already answered".
 */
export function readDeadlineInput(value: unknown): DeadlineInput {
  const input = asRecord(value);
  const problems: Problem[] = [];
  const { Workflow, Execution } = input;
  const workflow = Workflow === 'provision' || Workflow === 'teardown' ? Workflow : undefined;
  if (!workflow) problems.push({ field: 'Workflow', message: 'must be provision or teardown' });
  if (typeof Execution !== 'string' || !/^arn:[^:]+:states:.*:execution:[^:]+:[^:]+$/.test(Execution)) {
    problems.push({ field: 'Execution', message: "must be the ARN of the workflow's execution" });
  }
  if (!workflow || problems.length > 0) throw new ValidationError(problems);
  const timeout = Number(input.ServiceTimeoutSeconds);
  return {
    AnswerBy: String(input.AnswerBy ?? ''),
    Workflow: workflow,
    Execution: String(Execution),
    Input: asRecord(input.Input),
    ServiceTimeoutSeconds:
      Number.isInteger(timeout) && timeout > 0 ? timeout : DEFAULT_SERVICE_TIMEOUT_SECONDS,
  };
}
