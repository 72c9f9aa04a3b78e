// The local console: state machines and their graphs, executions updating live, starting an
// execution (checked against the request's JSON Schema first), replication groups, users and groups.
import Ajv from 'ajv';
import { elasticacheAll, listOf, localJson, sfn, sfnAll, textOf, textsOf } from './aws.js';
import { drawGraph, marksFrom } from './graph.js';

/** How often a running execution and the lists are read again. */
const EXECUTION_POLL_MS = 100;
const LIST_POLL_MS = 1000;
const ENDED = /^Execution(Succeeded|Failed|TimedOut|Aborted)$/;

const main = document.getElementById('main');
let stopPolling = () => {};
/** Every mark shown, with the time of the event behind it (read by the bench). */
window.consoleMarks = [];

const h = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((child) => child !== undefined && child !== null));
  return node;
};

/** A table under its header row; `body` holds the rows (a tbody, or rows filled in later). */
const table = (attributes, headers, body) =>
  h('table', attributes, h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', {}, header)))), body);

/** A titled panel. */
const card = (title, ...children) => h('div', { class: 'card' }, h('h2', {}, title), ...children);

/** A table body of one row per item, its cells given by `cells`. */
const rowsOf = (items, cells) => h('tbody', {}, ...items.map((item) => h('tr', {}, ...cells(item))));

const badge = (status) => h('span', { class: `badge ${status}` }, status);
const when = (seconds) => (seconds ? new Date(seconds * 1000).toLocaleTimeString() : '');
function duration(start, stop) {
  if (!start) return '';
  const ms = ((stop ?? Date.now() / 1000) - start) * 1000;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
const nameOf = (arn) => arn.slice(arn.lastIndexOf(':') + 1);
const executionLink = (arn) => `#/execution/${encodeURIComponent(arn)}`;

/** Passwords (and anything named like one) are never shown, whatever a document holds. */
const SECRET_KEY = /pass(word)?s?$|secret(string|value)?$|auth.?token|^token$/i;
export function redact(value) {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [
        key,
        SECRET_KEY.test(key) && child !== null && typeof child !== 'boolean' ? '********' : redact(child),
      ]),
    );
  }
  return value;
}
function pretty(text) {
  if (text === undefined || text === null) return '';
  try {
    return JSON.stringify(redact(JSON.parse(text)), null, 2);
  } catch {
    return String(text);
  }
}

/** Runs `tick` now and every `ms` until the page changes. */
function poll(tick, ms) {
  let stopped = false;
  let timer;
  const loop = async () => {
    if (stopped) return;
    try {
      await tick();
    } catch (err) {
      console.warn(err);
    }
    if (!stopped) timer = setTimeout(loop, ms);
  };
  loop();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

// ---------------------------------------------------------------------------------------------
// State machines

async function stateMachinesPage() {
  const machines = await sfnAll('ListStateMachines', {}, 'stateMachines');
  const rows = h('tbody');
  main.replaceChildren(
    h('h1', {}, 'State machines'),
    h('div', { class: 'card' }, table({}, ['Name', 'ARN', 'Type', 'Executions', 'Created'], rows)),
  );
  const counts = new Map();
  const render = () => {
    rows.replaceChildren(
      ...machines.map((machine) =>
        h(
          'tr',
          {},
          h(
            'td',
            {},
            h('a', { href: `#/state-machine/${encodeURIComponent(machine.stateMachineArn)}` }, machine.name),
          ),
          h('td', { class: 'mono' }, machine.stateMachineArn),
          h('td', {}, machine.type),
          h('td', {}, counts.get(machine.stateMachineArn) ?? ''),
          h('td', {}, when(machine.creationDate)),
        ),
      ),
    );
  };
  render();
  return poll(async () => {
    for (const machine of machines) {
      const executions = await sfnAll(
        'ListExecutions',
        { stateMachineArn: machine.stateMachineArn },
        'executions',
      );
      const running = executions.filter((execution) => execution.status === 'RUNNING').length;
      counts.set(machine.stateMachineArn, `${executions.length}${running ? ` (${running} running)` : ''}`);
    }
    render();
  }, LIST_POLL_MS);
}

async function stateMachinePage(arn) {
  const machine = await sfn('DescribeStateMachine', { stateMachineArn: arn });
  const definition = JSON.parse(machine.definition);
  const graph = h('div');
  const executions = h('tbody');
  main.replaceChildren(
    h('h1', {}, machine.name),
    h('p', { class: 'mono muted' }, machine.stateMachineArn),
    h(
      'div',
      { class: 'cols' },
      h(
        'div',
        {},
        await startPanel(machine),
        card(
          'Executions',
          table({ id: 'executions' }, ['Name', 'Status', 'Started', 'Duration'], executions),
        ),
      ),
      card('Definition', graph),
    ),
  );
  drawGraph(graph, definition);
  return poll(async () => {
    const list = await sfnAll('ListExecutions', { stateMachineArn: arn }, 'executions');
    executions.replaceChildren(
      ...(list.length === 0
        ? [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No executions yet.'))]
        : list.map((execution) =>
            h(
              'tr',
              { 'data-execution': execution.executionArn },
              h('td', {}, h('a', { href: executionLink(execution.executionArn) }, execution.name)),
              h('td', {}, badge(execution.status)),
              h('td', {}, when(execution.startDate)),
              h('td', {}, duration(execution.startDate, execution.stopDate)),
            ),
          )),
    );
  }, LIST_POLL_MS);
}

let validatorPromise;
/** The request's JSON Schema, compiled once. */
function requestValidator() {
  validatorPromise ??= localJson('/local/schema').then((schema) =>
    new Ajv({ allErrors: true, strict: false }).compile(schema),
  );
  return validatorPromise;
}

/** Problems of a provisioning request (or of the detail of an EventBridge event carrying one). */
export async function problemsOf(text) {
  let document;
  try {
    document = JSON.parse(text);
  } catch (err) {
    return [`Not JSON: ${err.message}`];
  }
  const request =
    document && typeof document === 'object' && 'detail-type' in document ? document.detail : document;
  const validate = await requestValidator();
  if (validate(request)) return [];
  return validate.errors.map((error) => {
    const field = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : '(request)';
    const detail = error.params?.additionalProperty ? ` (${error.params.additionalProperty})` : '';
    return `${field}: ${error.message}${detail}`;
  });
}

async function startPanel(machine) {
  const provisioning = machine.name.endsWith('-provision');
  const samples = provisioning ? await localJson('/local/samples') : [];
  const editor = h('textarea', { id: 'input', spellcheck: 'false' });
  const report = h('div', { id: 'check' });
  const name = h('input', { id: 'execution-name', placeholder: 'name (optional)', size: 28 });
  const start = h('button', { id: 'start' }, 'Start execution');
  const picker = h(
    'select',
    { id: 'sample' },
    ...samples.map((sample) => h('option', { value: sample.name }, sample.name)),
  );
  const check = async () => {
    if (!provisioning) {
      report.replaceChildren();
      return true;
    }
    const problems = await problemsOf(editor.value);
    report.replaceChildren(
      problems.length === 0
        ? h('div', { class: 'valid' }, 'Valid against schema/provision-request.schema.json')
        : h('ul', { class: 'problems' }, ...problems.map((problem) => h('li', {}, problem))),
    );
    start.disabled = problems.length > 0;
    return problems.length === 0;
  };
  const load = () => {
    const sample = samples.find((candidate) => candidate.name === picker.value);
    editor.value = JSON.stringify(sample?.document ?? { ReplicationGroupId: 'orders-cache' }, null, 2);
    void check();
  };
  picker.addEventListener('change', load);
  editor.addEventListener('input', () => void check());
  start.addEventListener('click', async () => {
    if (!(await check())) return;
    start.disabled = true;
    try {
      const started = await sfn('StartExecution', {
        stateMachineArn: machine.stateMachineArn,
        input: editor.value,
        ...(name.value.trim() ? { name: name.value.trim() } : {}),
      });
      location.hash = executionLink(started.executionArn);
    } catch (err) {
      report.replaceChildren(h('ul', { class: 'problems' }, h('li', {}, err.message)));
      start.disabled = false;
    }
  });
  if (provisioning) load();
  else editor.value = JSON.stringify({ ReplicationGroupId: 'orders-cache' }, null, 2);
  return card(
    'Start execution',
    h('div', { class: 'row' }, provisioning ? h('label', {}, 'Sample ', picker) : undefined, name, start),
    editor,
    report,
  );
}

// ---------------------------------------------------------------------------------------------
// One execution

/**
 * Appends the events not yet in `events`: read newest first, without the states' data, page by
 * page until one that was already read, so each poll moves only what is new.
 */
async function newEvents(executionArn, events) {
  const known = events.length;
  const fresh = [];
  let nextToken;
  do {
    const page = await sfn('GetExecutionHistory', {
      executionArn,
      reverseOrder: true,
      includeExecutionData: false,
      maxResults: 50,
      ...(nextToken ? { nextToken } : {}),
    });
    for (const event of page.events ?? []) {
      if (event.id <= known) {
        nextToken = undefined;
        break;
      }
      fresh.push(event);
    }
    if ((page.events ?? []).some((event) => event.id <= known)) break;
    nextToken = page.nextToken;
  } while (nextToken);
  events.push(...fresh.reverse());
}

async function executionPage(arn) {
  const definition = JSON.parse(
    (await sfn('DescribeStateMachineForExecution', { executionArn: arn })).definition,
  );
  const graph = h('div');
  const meta = h('div', { class: 'meta' });
  const input = h('pre', { id: 'execution-input' });
  const output = h('pre', { id: 'execution-output' });
  const history = h('tbody');
  main.replaceChildren(
    h('h1', {}, 'Execution ', h('span', { class: 'mono' }, nameOf(arn))),
    h('div', { class: 'card' }, meta),
    h(
      'div',
      { class: 'cols' },
      h(
        'div',
        {},
        card('Input', input),
        card('Output', output),
        card('Event history', table({ class: 'history' }, ['ID', 'Type', 'State', 'Elapsed'], history)),
      ),
      card(
        'Graph',
        graph,
        h(
          'div',
          { class: 'legend' },
          h('span', {}, h('i', { style: 'border-color:var(--run)' }), 'current'),
          h('span', {}, h('i', { style: 'border-color:var(--ok)' }), 'succeeded'),
          h('span', {}, h('i', { style: 'border-color:var(--fail)' }), 'failed'),
          h('span', {}, h('i', { style: 'border-color:var(--caught)' }), 'failed, caught'),
        ),
      ),
    ),
  );
  const mark = drawGraph(graph, definition);
  const shown = new Map();
  let seenEvents = 0;
  let done = false;
  const events = [];
  let execution;
  return poll(async () => {
    if (done) return;
    // One call per poll while it runs: the history says when it ends; then its output is read.
    await newEvents(arn, events);
    const ended = events.some((event) => ENDED.test(event.type));
    if (!execution || ended) execution = await sfn('DescribeExecution', { executionArn: arn });
    const { marks, times } = marksFrom(events);
    const now = Date.now();
    for (const name of new Set([...shown.keys(), ...marks.keys()])) {
      if (mark(name, marks.get(name))) {
        window.consoleMarks.push({
          state: name,
          mark: marks.get(name),
          eventAt: times.get(name),
          shownAt: now,
        });
      }
      shown.set(name, marks.get(name));
    }
    meta.replaceChildren(
      h(
        'div',
        {},
        h('span', {}, 'Status'),
        h('b', { id: 'execution-status', 'data-status': execution.status }, badge(execution.status)),
      ),
      h('div', {}, h('span', {}, 'Started'), when(execution.startDate)),
      h('div', {}, h('span', {}, 'Duration'), duration(execution.startDate, execution.stopDate)),
      h(
        'div',
        {},
        h('span', {}, 'State machine'),
        h(
          'a',
          { href: `#/state-machine/${encodeURIComponent(execution.stateMachineArn)}` },
          nameOf(execution.stateMachineArn),
        ),
      ),
      ...(execution.error ? [h('div', {}, h('span', {}, 'Error'), h('b', {}, execution.error))] : []),
    );
    input.textContent = pretty(execution.input);
    output.textContent = execution.output
      ? pretty(execution.output)
      : execution.cause
        ? pretty(execution.cause)
        : '';
    if (events.length !== seenEvents) {
      seenEvents = events.length;
      const startedAt = events[0]?.timestamp ?? 0;
      history.replaceChildren(
        ...events.map((event) =>
          h(
            'tr',
            { class: event.type.endsWith('Failed') ? 'failed' : '' },
            h('td', {}, event.id),
            h('td', {}, event.type),
            h('td', {}, event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name ?? ''),
            h('td', {}, `${Math.round((event.timestamp - startedAt) * 1000)} ms`),
          ),
        ),
      );
    }
    done = ended;
  }, EXECUTION_POLL_MS);
}

// ---------------------------------------------------------------------------------------------
// ElastiCache

async function replicationGroupsPage() {
  const body = h('div');
  main.replaceChildren(h('h1', {}, 'Replication groups'), body);
  return poll(async () => {
    const [groups, userGroups, users] = await Promise.all([
      elasticacheAll('DescribeReplicationGroups', 'ReplicationGroup'),
      elasticacheAll('DescribeUserGroups', 'member'),
      elasticacheAll('DescribeUsers', 'member'),
    ]);
    const userNames = new Map(users.map((user) => [textOf(user, 'UserId'), textOf(user, 'UserName')]));
    const certificates = await localJson('/local/replication-groups');
    const cards = [];
    for (const group of groups) {
      const id = textOf(group, 'ReplicationGroupId');
      const tls = textOf(group, 'TransitEncryptionEnabled') === 'true';
      const clustered = textOf(group, 'ClusterEnabled') === 'true';
      const caCertificate = tls ? certificates[id]?.caCertificate : undefined;
      const members = listOf(group, 'NodeGroups').flatMap((nodeGroup) =>
        listOf(nodeGroup, 'NodeGroupMembers').map((member) => ({
          shard: textOf(nodeGroup, 'NodeGroupId'),
          id: textOf(member, 'CacheClusterId'),
          role: textOf(member, 'CurrentRole') || (clustered ? 'shard member' : ''),
          address: textOf(member, 'ReadEndpoint/Address'),
          port: textOf(member, 'ReadEndpoint/Port'),
        })),
      );
      const endpoint = clustered
        ? {
            address: textOf(group, 'ConfigurationEndpoint/Address'),
            port: textOf(group, 'ConfigurationEndpoint/Port'),
          }
        : {
            address: textOf(group, 'NodeGroups/NodeGroup/PrimaryEndpoint/Address'),
            port: textOf(group, 'NodeGroups/NodeGroup/PrimaryEndpoint/Port'),
          };
      const userGroupIds = textsOf(group, 'UserGroupIds');
      const groupUsers = userGroups
        .filter((userGroup) => userGroupIds.includes(textOf(userGroup, 'UserGroupId')))
        .flatMap((userGroup) => textsOf(userGroup, 'UserIds'));
      const cli = [
        'redis-cli',
        `-h ${endpoint.address || '…'}`,
        `-p ${endpoint.port || '…'}`,
        clustered ? '-c' : '',
        tls ? `--tls --cacert ${caCertificate ?? '<ca.pem>'}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      const commands = groupUsers.length
        ? [...new Set(groupUsers.map((userId) => userNames.get(userId) ?? userId))]
            .filter((name) => name !== 'default')
            .map((name) => `${cli} --user ${name} --askpass`)
        : [cli];
      cards.push(
        h(
          'div',
          { class: 'card', 'data-replication-group': id },
          h('h2', {}, id, ' ', badge(textOf(group, 'Status'))),
          h(
            'div',
            { class: 'meta' },
            h('div', {}, h('span', {}, 'Cluster mode'), clustered ? 'enabled' : 'disabled'),
            h('div', {}, h('span', {}, 'Node type'), textOf(group, 'CacheNodeType')),
            h('div', {}, h('span', {}, 'TLS'), tls ? 'on' : 'off'),
            h('div', {}, h('span', {}, 'User groups'), userGroupIds.join(', ') || '—'),
            h(
              'div',
              {},
              h('span', {}, 'Endpoint'),
              endpoint.address ? `${endpoint.address}:${endpoint.port}` : '—',
            ),
          ),
          table(
            {},
            ['Node', 'Shard', 'Role', 'Endpoint'],
            rowsOf(members, (member) => [
              h('td', { class: 'mono' }, member.id),
              h('td', {}, member.shard),
              h('td', {}, member.role),
              h('td', { class: 'mono' }, member.address ? `${member.address}:${member.port}` : ''),
            ]),
          ),
          h('h2', { style: 'margin-top:12px' }, 'Connect'),
          ...commands.map((command) => h('pre', { class: 'cmd' }, command)),
          h(
            'p',
            { class: 'muted' },
            'Passwords are read from Secrets Manager by the application; --askpass prompts for one.',
          ),
        ),
      );
    }
    body.replaceChildren(
      ...(cards.length ? cards : [h('p', { class: 'muted' }, 'No replication groups yet.')]),
    );
  }, LIST_POLL_MS);
}

async function usersPage() {
  const body = h('div');
  main.replaceChildren(h('h1', {}, 'Users and user groups'), body);
  return poll(async () => {
    const [users, userGroups] = await Promise.all([
      elasticacheAll('DescribeUsers', 'member'),
      elasticacheAll('DescribeUserGroups', 'member'),
    ]);
    body.replaceChildren(
      card(
        'Users',
        table(
          { id: 'users' },
          ['User ID', 'Name', 'Status', 'Authentication', 'Access string', 'User groups'],
          rowsOf(users, (user) => [
            h('td', { class: 'mono' }, textOf(user, 'UserId')),
            h('td', {}, textOf(user, 'UserName')),
            h('td', {}, badge(textOf(user, 'Status'))),
            h(
              'td',
              {},
              `${textOf(user, 'Authentication/Type')}${textOf(user, 'Authentication/PasswordCount') ? ` (${textOf(user, 'Authentication/PasswordCount')} password(s))` : ''}`,
            ),
            h('td', { class: 'mono' }, textOf(user, 'AccessString')),
            h('td', {}, textsOf(user, 'UserGroupIds').join(', ')),
          ]),
        ),
      ),
      card(
        'User groups',
        table(
          { id: 'user-groups' },
          ['User group ID', 'Engine', 'Status', 'Users', 'Replication groups'],
          rowsOf(userGroups, (group) => [
            h('td', { class: 'mono' }, textOf(group, 'UserGroupId')),
            h('td', {}, textOf(group, 'Engine')),
            h('td', {}, badge(textOf(group, 'Status'))),
            h('td', {}, textsOf(group, 'UserIds').join(', ')),
            h('td', {}, textsOf(group, 'ReplicationGroups').join(', ')),
          ]),
        ),
      ),
    );
  }, LIST_POLL_MS);
}

// ---------------------------------------------------------------------------------------------
// Routing (#/..., so the page is one file)

const routes = [
  [/^#\/state-machine\/(.+)$/, (arn) => stateMachinePage(decodeURIComponent(arn)), 'state-machines'],
  [/^#\/execution\/(.+)$/, (arn) => executionPage(decodeURIComponent(arn)), 'state-machines'],
  [/^#\/replication-groups$/, replicationGroupsPage, 'replication-groups'],
  [/^#\/users$/, usersPage, 'users'],
  [/^/, stateMachinesPage, 'state-machines'],
];

async function route() {
  stopPolling();
  stopPolling = () => {};
  const hash = location.hash || '#/';
  for (const [pattern, page, nav] of routes) {
    const match = pattern.exec(hash);
    if (!match) continue;
    for (const link of document.querySelectorAll('[data-nav]')) {
      link.classList.toggle('active', link.dataset.nav === nav);
    }
    try {
      stopPolling = await page(...match.slice(1));
    } catch (err) {
      main.replaceChildren(h('h1', {}, 'Error'), h('pre', {}, String(err.message ?? err)));
    }
    return;
  }
}

window.addEventListener('hashchange', route);
localJson('/local/endpoint').then((endpoint) => {
  document.getElementById('endpoint').textContent =
    `${endpoint.endpoint} · ${endpoint.region} · ${endpoint.account}`;
});
route();
