/**
 * Screenshots of the web console for the README (docs/console-*.png), taken in headless chromium
 * against a local environment with real nodes where two samples were provisioned.
 *   npx tsx scripts/console-screenshots.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { launchBrowser } from '../local/console/browser';
import { consoleRoutes } from '../local/console/server';
import { startLocalEnvironment } from '../local/environment';

const docs = (name: string) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));
const sample = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../events/${name}.json`, import.meta.url)), 'utf8');

const environment = await startLocalEnvironment({ routes: consoleRoutes });
const browser = await launchBrowser({ width: 1440, height: 1400 });
try {
  const url = environment.standIn.url;
  const provision = environment.stateMachineArns.provision;
  const sfn = new SFNClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const finished = async (executionArn: string) => {
    for (;;) {
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status !== 'RUNNING') return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const page = await browser.context.newPage();

  // An execution while it runs, then once it succeeded.
  const { executionArn = '' } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: provision,
      name: 'orders-cache-rbac',
      input: sample('cluster-mode-enabled-rbac'),
    }),
  );
  await page.goto(`${url}/#/execution/${encodeURIComponent(executionArn)}`);
  await page.locator('[data-state="CheckAvailable"][data-mark="current"]').waitFor({ timeout: 60_000 });
  await page.screenshot({ path: docs('console-execution-running.png') });
  await finished(executionArn);
  await page.locator('#execution-status[data-status="SUCCEEDED"]').waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: docs('console-execution.png') });

  const second = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: provision, input: sample('cluster-mode-disabled-rbac') }),
  );
  await finished(second.executionArn ?? '');

  await page.goto(`${url}/#/state-machine/${encodeURIComponent(provision)}`);
  await page.locator('#check .valid').waitFor();
  await page.locator('#executions tbody tr[data-execution]').nth(1).waitFor();
  await page.screenshot({ path: docs('console-state-machine.png') });

  await page.goto(`${url}/#/replication-groups`);
  await page.locator('[data-replication-group] .badge.available').nth(1).waitFor();
  await page.screenshot({ path: docs('console-replication-groups.png') });
} finally {
  await browser.close();
  await environment.close();
}
