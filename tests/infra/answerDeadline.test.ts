/**
 * A Service Catalog Create must be answered within the resource's ServiceTimeout (an hour at most), or
 * the stack only ever sees a timeout. The availability time limit counts from the execution's start
 * (user and user-group waits included); what follows it is bounded by the definition and must fit in
 * the reserve the bridge keeps.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type AslState, loadDefinition } from '../../local/workflow/definition';
import { CLIENT_CONFIG } from '../../shared/aws/clients';
import {
  ANSWER_RESERVE_SECONDS,
  DEFAULT_SERVICE_TIMEOUT_SECONDS,
  timeoutMinutesBudget,
} from '../../shared/entrances/customResource';
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

const definition = loadDefinition();
const state = (name: string): AslState => {
  const found = definition.States[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
};

describe('the answer to a CloudFormation Create', () => {
  it('follows the time limit within the reserve: the last check, then NotifyFailure and one retry of it', () => {
    // Prepare
    const notify = state('NotifyFailure');
    const firstRetryPause = Math.max(
      ...(notify.Retry ?? []).map((retrier) => Number(retrier.IntervalSeconds ?? 1)),
    );

    // Act
    const afterLimit = lastCheckSeconds() + 2 * (notify.TimeoutSeconds ?? 0) + firstRetryPause;

    // Assess
    expect(afterLimit).toBeLessThanOrEqual(ANSWER_RESERVE_SECONDS);
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
