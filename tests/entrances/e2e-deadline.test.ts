/**
 * A Service Catalog request its workflow does not answer in time, end to end on the local AWS: the real
 * bridge starts the real provisioning workflow and its deadline; the workflow hangs in a Task (an
 * ElastiCache call that does not answer) past the resource's ServiceTimeout less the margin, so the
 * deadline stops it and answers FAILED; the rollback Delete CloudFormation then sends removes what the
 * stopped Create made.
 *
 * Time is compressed as in every local run (x100): the shortest ServiceTimeout a Create may set, 900 s,
 * puts the deadline 7.2 s after the request.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LOCAL_DEADLINE_STATE_MACHINE_ARN } from '../../local/environment';
import type { CfnResponse } from '../../shared/entrances/cfnResponse';
import { RESPONSE_URL_SECRET_PREFIX } from '../../shared/entrances/responseUrls';
import { loadEvent } from '../fixtures/entrances/load';
import { executionsOf, resultEvents, until, useBridgeEnvironment } from './support/local';

// The rollback Delete of a Create with the shortest ServiceTimeout waits 3 minutes for each deletion,
// 6 checks of 20 ms here: deletions take 50 ms.
const { env, server, invokeBridge } = useBridgeEnvironment({
  timeScale: 0.01,
  delays: { replicationGroupDeleteMs: 50, userGroupDeleteMs: 50, userDeleteMs: 50 },
});

/** The product's Create with the shortest ServiceTimeout, and the time limit the bridge then gives. */
function createRequest(): CloudFormationCustomResourceEvent {
  const event = loadEvent('create-event', server.url);
  const { Polling: _polling, ...properties } = event.ResourceProperties;
  return {
    ...event,
    RequestId: 'deadline-create',
    ResourceProperties: { ...properties, ServiceTimeout: '900' },
  } as CloudFormationCustomResourceEvent;
}

function answersTo(requestId: string): CfnResponse[] {
  return server.received
    .map((received) => JSON.parse(received.body) as CfnResponse)
    .filter((answer) => answer.RequestId === requestId);
}

describe('a custom-resource request its workflow does not answer in time', () => {
  it('is answered FAILED by its deadline, which stops the workflow; the rollback Delete removes what it made', async () => {
    // Prepare: the group is available 5 s after it is asked for, before the deadline (7.2 s); but once it
    // exists, ElastiCache stops answering the workflow's availability checks (a minute per call), so
    // the workflow hangs in a Task, which its own time limit cannot end.
    env.standIn.setFaults({ createDelaySeconds: 5 });
    const create = createRequest();

    // Act
    const started = (await invokeBridge(create)) as { ExecutionArn: string };
    await until(() => env.standIn.state.replicationGroups.has('orders-cache'));
    env.standIn.setFaults({ latencyMs: 60_000, actions: ['DescribeReplicationGroups'] });
    await until(() => answersTo('deadline-create').length > 0, 20_000);
    env.standIn.setFaults({});

    // Assess: one answer, the deadline's, naming the group the stopped Create made.
    const [answer] = answersTo('deadline-create');
    expect(answersTo('deadline-create')).toHaveLength(1);
    expect(answer).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'orders-cache',
      Reason: expect.stringMatching(
        /^DeadlineReached: The provisioning workflow had not answered 12 minutes after the request, and CloudFormation waits 900 s \(ServiceTimeout\): its execution was stopped\. \(execution arn:aws:states:.*:create-ReplicationGroup-/,
      ),
    });
    expect(env.standIn.execution(started.ExecutionArn)).toMatchObject({
      status: 'ABORTED',
      error: 'DeadlineReached',
    });
    const [failed] = resultEvents(env, 'ElastiCache Provisioning Failed');
    expect(failed?.Detail).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      Error: 'DeadlineReached',
      ExecutionArn: started.ExecutionArn,
      CorrelationId: 'deadline-create',
    });
    const [deadline] = executionsOf(env, LOCAL_DEADLINE_STATE_MACHINE_ARN);
    await until(() => deadline?.status !== 'RUNNING');
    expect(deadline?.status).toBe('SUCCEEDED');
    expect(JSON.parse(deadline?.output ?? '{}')).toMatchObject({
      answer: { Action: 'answered', Stopped: true, CloudFormation: 'FAILED' },
    });

    // Act: the rollback's Delete, with the Create's properties and the id the deadline answered.
    const remove = {
      ...loadEvent('delete-event', server.url),
      RequestId: 'deadline-rollback',
      PhysicalResourceId: answer?.PhysicalResourceId,
      ResourceProperties: create.ResourceProperties,
    } as CloudFormationCustomResourceEvent;
    await invokeBridge(remove);
    await env.standIn.waitForExecutions();

    // Assess: the group, its user group and users are gone, and no ResponseURL is kept.
    expect(answersTo('deadline-rollback')).toEqual([
      expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'orders-cache' }),
    ]);
    expect(env.standIn.state.replicationGroups.has('orders-cache')).toBe(false);
    expect(env.standIn.state.userGroups.has('orders')).toBe(false);
    // Users are answered `deleting`, then gone.
    await until(
      () => !env.standIn.state.users.has('orders-app') && !env.standIn.state.users.has('orders-default'),
    );
    const kept = [...env.standIn.state.secrets.values()].filter((secret) =>
      secret.name.startsWith(RESPONSE_URL_SECRET_PREFIX),
    );
    expect(kept).toEqual([]);
  }, 40_000);
});
