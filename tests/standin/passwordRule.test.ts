import { CreateUserCommand } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordFromSecretString } from '../../shared/provision/secrets';
import { startTestStandIn, type TestStandIn } from './helpers';

let env: TestStandIn;

beforeAll(async () => {
  env = await startTestStandIn();
});

afterAll(async () => {
  await env.standIn.close();
});

const base = 'Abcdefgh12345678';
const CANDIDATES: [string, string][] = [
  ['16 letters and digits', base],
  ['15 characters', base.slice(1)],
  ['128 characters', base.repeat(8)],
  ['129 characters', `${base.repeat(8)}x`],
  ['a space inside', `${base} tail`],
  ['a leading space', ` ${base}`],
  ['a tab', `${base}\t`],
  ['a comma', `${base},`],
  ['a double quote', `${base}"`],
  ['a slash', `${base}/`],
  ['an at sign', `${base}@`],
  ['punctuation ElastiCache allows', `${base}!#$%^&*()-_=+<>~`],
  ['a non-ASCII letter', `${base}é`],
];

describe('one password rule for the validation of a given secret and for CreateUser', () => {
  it.each(CANDIDATES)('judges a password with %s the same way in both', async (name, password) => {
    // Act
    const validated = passwordFromSecretString(password).ok;
    const created = await env.elastiCache
      .send(
        new CreateUserCommand({
          UserId: `rule-${CANDIDATES.findIndex(([candidate]) => candidate === name)}`,
          UserName: 'rule',
          Engine: 'redis',
          AccessString: 'on ~* +@all',
          Passwords: [password],
        }),
      )
      .then(
        () => true,
        (error: Error) => {
          expect(error.name).toBe('InvalidParameterValueException');
          return false;
        },
      );

    // Assess
    expect(validated).toBe(created);
  });

  it('refuses a secret holding a space before any user is created', () => {
    // Act
    const parsed = passwordFromSecretString(`${base} tail`);

    // Assess
    expect(parsed).toEqual({
      ok: false,
      problem: expect.stringContaining('no space'),
    });
  });
});
