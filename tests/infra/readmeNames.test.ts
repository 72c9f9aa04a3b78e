import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const serverless = readFileSync('serverless.yml', 'utf8');
const readme = readFileSync('README.md', 'utf8');

/** The state machine names a deployment has, one pattern per `name:` in serverless.yml (any stage). */
function deployedNamePatterns(): RegExp[] {
  const service = /^service: (\S+)$/m.exec(serverless)?.[1];
  const names = [...serverless.matchAll(/name: \$\{self:service\}-\$\{sls:stage\}-(\S+)/g)].map((m) => m[1]);
  return names.map((suffix) => new RegExp(`^${service}-[a-z0-9-]+-${suffix}$`));
}

describe('the README examples', () => {
  it('name only state machines a deployment has', () => {
    // Prepare
    const patterns = deployedNamePatterns();
    const named = [...readme.matchAll(/:stateMachine:([A-Za-z0-9_-]+)/g)].map((m) => m[1] ?? '');

    // Act
    const unknown = named.filter((name) => !patterns.some((pattern) => pattern.test(name)));

    // Assess
    expect(patterns.length).toBeGreaterThanOrEqual(2);
    expect(named.length).toBeGreaterThan(0);
    expect(unknown).toEqual([]);
  });
});
