/**
 * Renders statemachines/provision.asl.json as a Mermaid flowchart into docs/state-machine.md and
 * into the README's state machine section.
 *   npm run diagram              writes both
 *   npm run diagram -- --check   exits 1 when either is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type AslDefinition,
  type AslState,
  invokedFunction,
  loadDefinition,
} from '../local/workflow/definition';

export const DIAGRAM_PATH = fileURLToPath(new URL('../docs/state-machine.md', import.meta.url));
export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

const README_START = '<!-- state-machine-diagram:start -->';
const README_END = '<!-- state-machine-diagram:end -->';

/** The README with its diagram section (between the two markers) rendered from the definition. */
export function renderReadme(readme: string, definition: AslDefinition): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start)
    throw new Error(`README.md lacks the ${README_START} / ${README_END} markers`);
  const section = [
    README_START,
    '<!-- Generated from statemachines/provision.asl.json by `npm run diagram`; do not edit. -->',
    '',
    '```mermaid',
    renderMermaid(definition),
    '```',
    '',
    'The states one by one: [docs/state-machine.md](docs/state-machine.md).',
    '',
  ].join('\n');
  return readme.slice(0, start) + section + readme.slice(end);
}

type Rule = Record<string, unknown>;

const COMPARISONS: Record<string, string> = {
  StringEquals: '==',
  NumericEquals: '==',
  BooleanEquals: '==',
  NumericGreaterThan: '>',
  NumericGreaterThanEquals: '>=',
  NumericLessThan: '<',
  NumericLessThanEquals: '<=',
  StringMatches: 'matches',
};

/** A Choice rule in words, e.g. `$.request.ClusterMode == "enabled"`. */
export function describeRule(rule: Rule): string {
  if (Array.isArray(rule.And)) return (rule.And as Rule[]).map(describeRule).join(' and ');
  if (Array.isArray(rule.Or)) return (rule.Or as Rule[]).map(describeRule).join(' or ');
  if (rule.Not && typeof rule.Not === 'object') {
    const inner = rule.Not as Rule;
    if (inner.IsPresent === true) return `${String(inner.Variable)} is absent`;
    return `not (${describeRule(inner)})`;
  }
  const variable = String(rule.Variable);
  if (rule.IsPresent !== undefined) return `${variable} is ${rule.IsPresent ? 'present' : 'absent'}`;
  if (rule.IsString !== undefined) return `${variable} is ${rule.IsString ? '' : 'not '}a string`;
  for (const [operator, symbol] of Object.entries(COMPARISONS)) {
    if (operator in rule) {
      const value = rule[operator];
      return `${variable} ${symbol} ${typeof value === 'string' ? `"${value}"` : String(value)}`;
    }
  }
  return variable;
}

/** Mermaid label text: quotes become entities so any ASL text fits in a quoted label. */
function label(text: string): string {
  return `"${text.replaceAll('"', '#quot;')}"`;
}

function node(name: string, state: AslState): string {
  switch (state.Type) {
    case 'Task':
      return `${name}[${label(`${name}<br/>λ ${invokedFunction(state) ?? String(state.Resource)}`)}]:::task`;
    case 'Choice':
      return `${name}{${label(name)}}:::choice`;
    case 'Wait': {
      const duration = state.Seconds !== undefined ? `${state.Seconds} s` : `${String(state.SecondsPath)} s`;
      return `${name}[/${label(`${name}<br/>${duration}`)}/]:::wait`;
    }
    case 'Pass':
      return `${name}(${label(name)}):::pass`;
    case 'Succeed':
      return `${name}([${label(name)}]):::succeed`;
    case 'Fail':
      return `${name}[[${label(name)}]]:::fail`;
    default:
      return `${name}[${label(`${name} (${state.Type})`)}]`;
  }
}

function edges(name: string, state: AslState): string[] {
  const lines: string[] = [];
  for (const choice of state.Choices ?? [])
    lines.push(`${name} -->|${label(describeRule(choice))}| ${choice.Next}`);
  if (state.Default) lines.push(`${name} -->|otherwise| ${state.Default}`);
  if (state.Next) lines.push(`${name} --> ${state.Next}`);
  for (const catcher of state.Catch ?? []) {
    lines.push(`${name} -.->|${label(`catch ${catcher.ErrorEquals.join(', ')}`)}| ${catcher.Next}`);
  }
  return lines;
}

export function renderMermaid(definition: AslDefinition): string {
  const states = Object.entries(definition.States);
  return [
    'flowchart TD',
    `  start((Start)) --> ${definition.StartAt}`,
    ...states.map(([name, state]) => `  ${node(name, state)}`),
    ...states.flatMap(([name, state]) => edges(name, state).map((line) => `  ${line}`)),
    '  classDef task fill:#fff3e0,stroke:#e65100',
    '  classDef choice fill:#e3f2fd,stroke:#1565c0',
    '  classDef wait fill:#f3e5f5,stroke:#6a1b9a',
    '  classDef pass fill:#f5f5f5,stroke:#616161',
    '  classDef succeed fill:#e8f5e9,stroke:#2e7d32',
    '  classDef fail fill:#ffebee,stroke:#c62828',
  ].join('\n');
}

function tableCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('\n', ' ');
}

/** A Markdown table with padded columns, the layout the project's formatter gives tables. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, 3, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

export function renderDocument(definition: AslDefinition): string {
  const rows = Object.entries(definition.States).map(([name, state]) => {
    const fn = state.Type === 'Task' ? ` (\`${invokedFunction(state)}\`)` : '';
    return [name, `${state.Type}${fn}`, tableCell(state.Comment ?? '')];
  });
  return [
    '# Provisioning state machine',
    '',
    '<!-- Generated from statemachines/provision.asl.json by `npx tsx scripts/diagram.ts`; do not edit. -->',
    '',
    tableCell(definition.Comment ?? ''),
    '',
    'Every Task retries transient Lambda and AWS errors with backoff and jitter, and catches every',
    'other error into `$.error`. NotifyFailure reports it and stores it back with the cause a person',
    'reads (notifyResult decodes a function error), and the Fail states end the execution with it.',
    '',
    '```mermaid',
    renderMermaid(definition),
    '```',
    '',
    ...table(['State', 'Type', 'Purpose'], rows),
    '',
  ].join('\n');
}

function main(argv: string[]): number {
  const definition = loadDefinition();
  const readme = readFileSync(README_PATH, 'utf8');
  const expected = new Map([
    [DIAGRAM_PATH, renderDocument(definition)],
    [README_PATH, renderReadme(readme, definition)],
  ]);
  if (argv.includes('--check')) {
    let outdated = 0;
    for (const [path, content] of expected) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        // A missing document is simply out of date.
      }
      if (current !== content) {
        process.stderr.write(`${path} is out of date: run \`npm run diagram\`\n`);
        outdated += 1;
      }
    }
    return outdated === 0 ? 0 : 1;
  }
  for (const [path, content] of expected) {
    writeFileSync(path, content);
    process.stdout.write(`Wrote ${path}\n`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
