/**
 * CloudFormation's pre-signed ResponseURL is a credential: it must reach the step that answers, and
 * nothing else. A Create and a Delete go through the real bridge and both real workflows on the local
 * stand-in; every execution's input, output, error and history is then searched for any part of it.
 */
import { randomBytes } from 'node:crypto';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LOCAL_DEADLINE_STATE_MACHINE_ARN as deadlineArn } from '../../local/environment';
import { RESPONSE_URL_SECRET_PREFIX } from '../../shared/entrances/responseUrls';
import { loadEvent } from '../fixtures/entrances/load';
import { useBridgeEnvironment } from './support/local';

const { env, server, invokeBridge } = useBridgeEnvironment();

/** A URL of the shape CloudFormation hands over, with a signature no other run has. */
function signedUrl(): { url: string; parts: string[] } {
  const signature = randomBytes(32).toString('hex');
  const credential = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const base = new URL(server.url);
  const url = `${base.origin}${base.pathname}-${signature.slice(0, 12)}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credential}&X-Amz-Signature=${signature}`;
  const parsed = new URL(url);
  return { url, parts: [url, parsed.pathname, parsed.search, signature, credential, 'X-Amz-Signature'] };
}

async function deliver(event: CloudFormationCustomResourceEvent): Promise<void> {
  await invokeBridge(event);
  await env.standIn.waitForExecutions();
}

describe('the ResponseURL of a custom-resource request', () => {
  it('reaches the answering step, yet no part of it appears in any execution input, output or history', async () => {
    // Prepare
    const create = signedUrl();
    const remove = signedUrl();

    // Act: a Create, then its Delete, each answered by its workflow.
    await deliver({ ...loadEvent('create-event', create.url), RequestId: 'url-create' } as never);
    await deliver({ ...loadEvent('delete-event', remove.url), RequestId: 'url-delete' } as never);

    // Assess: CloudFormation was answered on each URL ...
    const answered = server.received.map((received) => received.path);
    expect(answered).toContain(new URL(create.url).pathname + new URL(create.url).search);
    expect(answered).toContain(new URL(remove.url).pathname + new URL(remove.url).search);
    // ... by the two workflows, whose executions never carried it, nor their deadlines (still waiting).
    const executions = [...env.standIn.state.executions.values()];
    const workflows = executions.filter((execution) => execution.stateMachineArn !== deadlineArn);
    expect(workflows.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(executions).toHaveLength(4);
    for (const execution of executions) {
      const recorded = [
        execution.input,
        execution.output ?? '',
        execution.error ?? '',
        execution.cause ?? '',
        JSON.stringify(execution.history),
      ].join('\n');
      if (execution.stateMachineArn !== deadlineArn) expect(execution.history.length).toBeGreaterThan(5);
      for (const part of [...create.parts, ...remove.parts]) expect(recorded).not.toContain(part);
    }
  });

  it('is kept only until answered: nothing under its secret prefix remains', () => {
    // Assess: the answers above came from where the bridge kept each URL, since no execution carried one.
    expect(server.received.length).toBeGreaterThanOrEqual(2);
    const kept = [...env.standIn.state.secrets.values()].filter((secret) =>
      secret.name.startsWith(RESPONSE_URL_SECRET_PREFIX),
    );
    expect(kept).toEqual([]);
  });
});
