import { describe, expect, it } from 'vitest';
import { analyseAccessString } from '../../shared/request/accessString';

describe('access string grammar', () => {
  it.each([
    'on ~* +@all',
    'off -@all',
    'on ~app:* -@all +@read +@write',
    'on allkeys allcommands',
    'on ~orders:* nocommands +get +set +mget',
    'on ~* -@all +@read -keys -flushall',
    'ON ~* +@ALL',
    'on ~* +json.get +ft.search',
  ])('accepts %j with no version requirement', (accessString) => {
    expect(analyseAccessString(accessString)).toMatchObject({ problems: [], gated: [] });
  });

  it.each([
    ['on &orders:* +@pubsub', '&orders:*', [6, 2, 0]],
    ['on allchannels +@all', 'allchannels', [6, 2, 0]],
    ['on resetchannels +@all', 'resetchannels', [6, 2, 0]],
    ['on %R~orders:* +@read', '%R~orders:*', [7, 0, 0]],
    ['on %W~orders:* +@write', '%W~orders:*', [7, 0, 0]],
    ['on %RW~orders:* +@all', '%RW~orders:*', [7, 0, 0]],
    ['on ~* +config|get', '+config|get', [7, 0, 0]],
    ['on ~* +@all -client|kill', '-client|kill', [7, 0, 0]],
  ])('accepts %j and records that %s needs Redis OSS %j', (accessString, rule, since) => {
    const analysis = analyseAccessString(accessString);

    expect(analysis.problems).toEqual([]);
    expect(analysis.gated).toEqual([expect.objectContaining({ rule, since })]);
  });

  it.each([
    ['>', 'on >letmein ~* +@all', 'letmein'],
    ['<', 'on <letmein ~* +@all', 'letmein'],
    ['#', `on #${'ab'.repeat(32)} ~* +@all`, 'ab'.repeat(32)],
    ['!', `on !${'ab'.repeat(32)} ~* +@all`, 'ab'.repeat(32)],
  ])(
    'refuses the password directive %s without quoting what follows it',
    (_directive, accessString, value) => {
      const { problems } = analyseAccessString(accessString);

      expect(problems).toEqual([expect.stringMatching(/^rule 2 is a password directive .*PasswordSecretId/)]);
      expect(problems[0]).not.toContain(value);
    },
  );

  it.each(['nopass', 'resetpass'])('refuses the password directive %s', (directive) => {
    expect(analyseAccessString(`on ${directive} ~* +@all`).problems).toEqual([
      expect.stringMatching(/^rule 2 is a password directive/),
    ]);
  });

  it.each([
    ['reset', 'reset on ~* +@all', /rule 1 \(reset\) is refused/],
    ['a selector', 'on ~* +@read (~admin:* +@all)', /rule 4: selectors/],
    ['clearselectors', 'on ~* +@read clearselectors', /rule 4: selectors/],
    [
      'resetkeys (not among the rules ElastiCache lists)',
      'on resetkeys ~* +@all',
      /rule 2 is not an access-string rule/,
    ],
    ['a bare ~', 'on ~ +@all', /rule 2 is not an access-string rule/],
    ['a word that is no rule', 'on ~* +@all letmein', /rule 4 is not an access-string rule/],
  ])('refuses %s', (_what, accessString, message) => {
    expect(analyseAccessString(accessString).problems).toEqual([expect.stringMatching(message)]);
  });

  it('reports a selector once, not once per token', () => {
    expect(analyseAccessString('on (~a:* +get) (~b:* +set)').problems).toHaveLength(1);
  });

  it('never quotes a rule it could not parse', () => {
    const { problems } = analyseAccessString('on ~* +@all correct-horse-battery-staple');

    expect(problems.join(' ')).not.toContain('correct-horse-battery-staple');
  });

  it('refuses an empty access string', () => {
    expect(analyseAccessString('  ').problems).toEqual(['must hold at least one rule']);
  });

  it.each([
    ['on ~* +@all', true],
    ['~* +@all', false],
    ['on ~* off', false],
    ['off ~* on', true],
  ])('tells whether %j leaves the user switched on (%s)', (accessString, switchedOn) => {
    expect(analyseAccessString(accessString).switchedOn).toBe(switchedOn);
  });
});
