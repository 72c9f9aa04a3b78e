/**
 * A Service Catalog request must be answered within the resource's ServiceTimeout (an hour at most), or
 * the stack only ever sees a timeout. Two answers are bounded here from the definitions:
 * - the workflow's own: the availability time limit counts from the execution's start (user and
 *   user-group waits included); what follows it must fit in the reserve the bridge keeps, and come
 *   before the deadline;
 * - the deadline's, for a workflow that hangs in any Task: it must come before CloudFormation's, and
 *   after the validation of a Create (it names the requested group, which only a validated Create made).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type AslDefinition,
  type AslState,
  DEADLINE_DEFINITION_PATH,
  loadDefinition,
} from '../../local/workflow/definition';
import { CLIENT_CONFIG } from '../../shared/aws/clients';
import {
  ANSWER_RESERVE_SECONDS,
  MIN_SERVICE_TIMEOUT_SECONDS,
  timeoutMinutesBudget,
} from '../../shared/entrances/customResource';
import { DEADLINE_MARGIN_SECONDS, DEFAULT_SERVICE_TIMEOUT_SECONDS } from '../../shared/entrances/deadline';
import { cloudFormationTags } from '../entrances/support/cloudFormationYaml';
import { ROOT } from './support/package';

/**
 * The last DescribeReplicationGroups of a run past its limit, at worst: every attempt of the SDK client
 * (shared/aws/clients.ts) stalls until its connection and request timeouts, with the standard retry
 * strategy's longest pauses between attempts (throttling: 500 ms doubling, at most 20 s).
 */
function lastCheckSeconds(): number {
  const { maxAttempts, requestHandler } = CLIENT_CONFIG;
  const attempt = (requestHandler.connectionTimeout + requestHandler.requestTimeout) / 1000;
  let pauses = 0;
  for (let retry = 1; retry < maxAttempts; retry += 1) pauses += Math.min(20, 0.5 * 2 ** retry);
  return maxAttempts * attempt + pauses;
}

const stateOf =
  (definition: AslDefinition) =>
  (name: string): AslState => {
    const found = definition.States[name];
    if (!found) throw new Error(`no state ${name}`);
    return found;
  };
const state = stateOf(loadDefinition());
const deadlineState = stateOf(loadDefinition(DEADLINE_DEFINITION_PATH));

/**
 * A Task at its worst: every attempt its retriers allow runs to its TimeoutSeconds, after the longest
 * pause each retrier can take (full jitter only shortens them).
 */
function taskWorstSeconds(task: AslState): number {
  let attempts = 1;
  let pauses = 0;
  for (const retrier of task.Retry ?? []) {
    const maxAttempts = Number(retrier.MaxAttempts ?? 3);
    const interval = Number(retrier.IntervalSeconds ?? 1);
    const rate = Number(retrier.BackoffRate ?? 2);
    const cap = Number(retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
    attempts += maxAttempts;
    for (let retry = 0; retry < maxAttempts; retry += 1) pauses += Math.min(cap, interval * rate ** retry);
  }
  return attempts * (task.TimeoutSeconds ?? 60) + pauses;
}

describe('the answer to a CloudFormation Create', () => {
  it('follows the time limit before the deadline: the last check, then NotifyFailure and one retry of it', () => {
    // Prepare
    const notify = state('NotifyFailure');
    const firstRetryPause = Math.max(
      ...(notify.Retry ?? []).map((retrier) => Number(retrier.IntervalSeconds ?? 1)),
    );

    // Act
    const afterLimit = lastCheckSeconds() + 2 * (notify.TimeoutSeconds ?? 0) + firstRetryPause;

    // Assess: the deadline answers DEADLINE_MARGIN_SECONDS before CloudFormation's.
    expect(afterLimit).toBeLessThanOrEqual(ANSWER_RESERVE_SECONDS - DEADLINE_MARGIN_SECONDS);
  });

  it("comes from the deadline, when the workflow hangs, before CloudFormation's", () => {
    // Act
    const worst = taskWorstSeconds(deadlineState('AnswerIfUnanswered'));

    // Assess
    expect(worst).toBeLessThanOrEqual(DEADLINE_MARGIN_SECONDS);
  });

  it.each([900, 1800, 3600])(
    'lets the rollback of an Update stopped at its deadline take over the change (ServiceTimeout %i s)',
    (serviceTimeout) => {
      // Prepare: the change mark is dated with the execution's start, and is taken over once older
      // than the time limit; the deadline comes at the ServiceTimeout less its margin.
      const limitSeconds = timeoutMinutesBudget({ ServiceTimeout: String(serviceTimeout) }) * 60;

      // Assess: by the deadline, the stopped change's mark has expired.
      expect(limitSeconds).toBeLessThan(serviceTimeout - DEADLINE_MARGIN_SECONDS);
    },
  );

  it("comes from the deadline only after a Create's validation, whatever its retries", () => {
    // Act
    const validation = taskWorstSeconds(state('ValidateRequest'));

    // Assess
    expect(validation).toBeLessThan(MIN_SERVICE_TIMEOUT_SECONDS - DEADLINE_MARGIN_SECONDS);
  });

  it('comes within the hour with the time limit the bridge allows by default', () => {
    // Assess: the limit counts from the execution's start, so the waits before it are inside it.
    expect(timeoutMinutesBudget({}) * 60 + ANSWER_RESERVE_SECONDS).toBeLessThanOrEqual(
      DEFAULT_SERVICE_TIMEOUT_SECONDS,
    );
    expect(
      timeoutMinutesBudget({ ServiceTimeout: '1200' }) * 60 + ANSWER_RESERVE_SECONDS,
    ).toBeLessThanOrEqual(1200);
  });

  it('comes within the hour with the time limit the Service Catalog product sets', () => {
    // Prepare
    const product = parse(readFileSync(join(ROOT, 'servicecatalog/product.yml'), 'utf8'), {
      customTags: cloudFormationTags,
    });
    const properties = product.Resources.ReplicationGroup.Properties;

    // Assess
    expect(Number(properties.Polling.TimeoutMinutes)).toBeLessThanOrEqual(timeoutMinutesBudget(properties));
  });
});
