import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDefinition } from '../../local/workflow/definition';
import {
  DIAGRAM_PATH,
  describeRule,
  README_PATH,
  renderDocument,
  renderMermaid,
  renderReadme,
} from '../../scripts/diagram';

describe('the state machine diagram (docs/state-machine.md)', () => {
  it('is up to date with the definition (regenerate: npx tsx scripts/diagram.ts)', () => {
    // Act
    const expected = renderDocument(loadDefinition());

    // Assess
    expect(readFileSync(DIAGRAM_PATH, 'utf8')).toBe(expected);
  });

  it('is embedded, up to date, in the README (regenerate: npm run diagram)', () => {
    // Prepare
    const readme = readFileSync(README_PATH, 'utf8');

    // Act
    const expected = renderReadme(readme, loadDefinition());

    // Assess
    expect(readme).toBe(expected);
    expect(readme).toContain('```mermaid\nflowchart TD');
  });

  it('draws every state and every transition, catches dashed', () => {
    // Prepare
    const definition = loadDefinition();

    // Act
    const mermaid = renderMermaid(definition);

    // Assess
    const lines = mermaid.split('\n').map((line) => line.trim());
    for (const [name, state] of Object.entries(definition.States)) {
      expect(
        lines.some(
          (line) => line.startsWith(`${name}[`) || line.startsWith(`${name}(`) || line.startsWith(`${name}{`),
        ),
      ).toBe(true);
      if (state.Next) expect(lines).toContain(`${name} --> ${state.Next}`);
      if (state.Default) expect(lines).toContain(`${name} -->|otherwise| ${state.Default}`);
      for (const choice of state.Choices ?? []) {
        expect(
          lines.some((line) => line.startsWith(`${name} -->|`) && line.endsWith(`| ${choice.Next}`)),
        ).toBe(true);
      }
      for (const catcher of state.Catch ?? []) {
        expect(
          lines.some((line) => line.startsWith(`${name} -.->|`) && line.endsWith(`| ${catcher.Next}`)),
        ).toBe(true);
      }
    }
  });

  it('words Choice rules for people', () => {
    expect(describeRule({ Variable: '$.request.ClusterMode', StringEquals: 'enabled' })).toBe(
      '$.request.ClusterMode == "enabled"',
    );
    expect(describeRule({ Not: { Variable: '$.error.Cause', IsPresent: true } })).toBe(
      '$.error.Cause is absent',
    );
    expect(
      describeRule({
        And: [
          { Variable: '$.a', IsString: true },
          { Variable: '$.a', StringMatches: 'x*' },
        ],
      }),
    ).toBe('$.a is a string and $.a matches "x*"');
  });
});
