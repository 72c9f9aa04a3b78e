/**
 * The web console in a real headless browser, as a person uses it: start an execution from a sample
 * (after the schema check refused a bad edit), watch its graph until it succeeds, then find the
 * replication group, its users and its user group.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeadlessBrowser, launchBrowser } from '../../local/console/browser';
import { consoleRoutes } from '../../local/console/server';
import { type LocalEnvironment, startLocalEnvironment } from '../../local/environment';

let environment: LocalEnvironment;
let browser: HeadlessBrowser;
let page: Page;
const pageErrors: string[] = [];

describe('the web console', () => {
  beforeAll(async () => {
    environment = await startLocalEnvironment({ nodes: 'simulated', routes: consoleRoutes });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await environment?.close();
  });

  it('starts an execution from a sample, refusing a request the schema refuses, and shows it succeed on the graph', {
    timeout: 90_000,
  }, async () => {
    // Prepare
    const provision = environment.stateMachineArns.provision;
    await page.goto(`${environment.standIn.url}/#/state-machine/${encodeURIComponent(provision)}`);
    await page.locator('svg.graph [data-state="CheckAvailable"]').waitFor();

    // Act: a bad edit first
    await page
      .locator('#input')
      .fill('{"ReplicationGroupId": "1-starts-with-a-digit", "Engine": "memcached"}');
    const problems = (await page.locator('#check .problems').textContent()) ?? '';
    const disabledOnProblems = await page.locator('#start').isDisabled();

    // Act: then a sample, started
    await page.locator('#sample').selectOption('cluster-mode-disabled-rbac');
    await page.locator('#check .valid').waitFor();
    await page.locator('#start').click();
    await page.waitForURL(/#\/execution\//);
    await page.locator('#execution-status[data-status="SUCCEEDED"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-state="ProvisioningSucceeded"][data-mark="succeeded"]').waitFor();

    // Assess
    expect(problems).toContain('ReplicationGroupId: must match pattern');
    expect(problems).toContain('Engine: must be equal to one of the allowed values');
    expect(disabledOnProblems).toBe(true);
    const executions = [...environment.standIn.state.executions.values()];
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    const marks = await page.evaluate(
      () => (globalThis as unknown as { consoleMarks: { state: string; mark: string }[] }).consoleMarks,
    );
    // The group takes a few polls to become available: the graph showed a running state meanwhile.
    expect(marks.filter((mark) => mark.mark === 'current').map((mark) => mark.state)).toContain(
      'CheckAvailable',
    );
    for (const state of ['ValidateRequest', 'EnsureUsers', 'CreateClusterModeDisabled', 'CheckAvailable']) {
      expect(await page.locator(`[data-state="${state}"]`).getAttribute('data-mark')).toBe('succeeded');
    }
    expect(
      await page.locator('[data-state="CreateClusterModeEnabled"]').getAttribute('data-mark'),
    ).toBeNull();
    expect(await page.locator('.history tbody tr').count()).toBeGreaterThan(20);
    expect(await page.locator('#execution-output').textContent()).toContain(
      '"ReplicationGroupId": "redis202104"',
    );
  });

  it('never shows a password, and lists the replication group with its nodes and connect commands, its users and user group', async () => {
    // Prepare
    const secretArn = [...environment.standIn.state.secrets.values()][0]?.arn ?? '';
    const secrets = new SecretsManagerClient({
      endpoint: environment.standIn.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { SecretString = '' } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const password = (JSON.parse(SecretString) as { password: string }).password;
    const executionText = (await page.locator('main').textContent()) ?? '';

    // Act
    await page.locator('nav a[data-nav="replication-groups"]').click();
    const group = page.locator('[data-replication-group="redis202104"]');
    await group.locator('.badge.available').waitFor();
    const groupText = (await group.textContent()) ?? '';
    const nodeRows = await group.locator('tbody tr').count();
    await page.locator('nav a[data-nav="users"]').click();
    await page.locator('#user-groups').getByText('mygroup', { exact: true }).waitFor();
    const usersText = (await page.locator('main').textContent()) ?? '';

    // Assess
    expect(password.length).toBeGreaterThanOrEqual(16);
    for (const text of [executionText, groupText, usersText]) expect(text.includes(password)).toBe(false);
    expect(nodeRows).toBe(3);
    expect(groupText).toContain('redis-cli -h 127.0.0.1');
    expect(groupText).toContain('--user app --askpass');
    expect(usersText).toContain('mygroup-app');
    expect(usersText).toContain('on ~app:* -@all +@read +@write +@connection +cluster|info');
    expect(pageErrors).toEqual([]);
  });
});
