import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from './support/local';
import { connectionOutcome, credentialsOf, eventually, primaryAndReaderOf, withNode } from './support/redis';
import {
  expectCreated,
  itKeepsPasswordsOutOfTheExecution,
  itLeavesNothingBehind,
  provisionForSuite,
} from './support/suite';

const suite = provisionForSuite(
  'cluster-mode-disabled-rbac.json',
  'cluster mode disabled 2 nodes, TLS, RBAC',
  { secured: true },
);
const { provisioned, as, ca, users } = suite;

describe('cluster mode disabled, 1 primary + 1 replica, TLS and RBAC, on real nodes', () => {
  it('reports the primary and reader endpoints, the users with their secrets and what it created', () => {
    // Assess
    const { result } = provisioned();
    expectCreated(suite, 'disabled', {
      userGroupId: 'e2e-disabled-rbac',
      userNames: ['app', 'reader', 'default'],
    });
    const { primary, reader } = primaryAndReaderOf(result);
    expect(reader.Port).not.toBe(primary.Port);
  });

  itKeepsPasswordsOutOfTheExecution(suite, ['app', 'reader']);

  it('lets app write and read its keys on the primary, and reader read them on the reader endpoint', async () => {
    // Prepare
    const { primary, reader } = primaryAndReaderOf(provisioned().result);

    // Act
    const written = await withNode(primary, as('app'), async (node) => {
      await node.set('app:k', 'v1');
      return node.get('app:k');
    });
    // Replication is asynchronous: the replica catches up within milliseconds.
    const replicated = await withNode(reader, as('reader'), (node) =>
      eventually(
        () => node.get('app:k'),
        (value) => value === 'v1',
      ),
    );

    // Assess
    expect(written).toBe('v1');
    expect(replicated).toBe('v1');
  });

  it('refuses app keys outside ~app:* and its dangerous commands', async () => {
    // Prepare
    const { primary } = primaryAndReaderOf(provisioned().result);

    // Act / Assess
    await withNode(primary, as('app'), async (node) => {
      await node.set('app:kept', 'kept');
      await expect(node.get('other:k')).rejects.toThrow(/^NOPERM/);
      await expect(node.set('other:k', 'x')).rejects.toThrow(/^NOPERM/);
      await expect(node.flushAll()).rejects.toThrow(/^NOPERM/);
      await expect(node.configGet('*')).rejects.toThrow(/^NOPERM/);
      expect(await node.get('app:kept')).toBe('kept');
    });
  });

  it('lets reader read any key and refuses its writes, on the primary too', async () => {
    // Prepare
    const { primary } = primaryAndReaderOf(provisioned().result);

    // Act / Assess
    await withNode(primary, as('reader'), async (node) => {
      expect(await node.get('other:k')).toBeNull();
      await expect(node.set('app:k', 'overwritten')).rejects.toThrow(/^NOPERM/);
      await expect(node.del('app:kept')).rejects.toThrow(/^NOPERM/);
    });
  });

  it('gives an unauthenticated connection nothing, on the primary and on the reader endpoint', async () => {
    // Prepare
    const { primary, reader } = primaryAndReaderOf(provisioned().result);

    // Act / Assess
    expect(await connectionOutcome(primary, { ca: ca() })).toMatch(/^NOAUTH/);
    expect(await connectionOutcome(reader, { ca: ca() })).toMatch(/^NOAUTH/);
  });

  it('refuses the managed default user, which is off and has no password, and a wrong password', async () => {
    // Prepare
    const { primary } = primaryAndReaderOf(provisioned().result);
    const wrongPassword = { username: 'reader', password: credentialsOf(users(), 'app').password };

    // Act / Assess
    const anyPassword = { username: 'default', password: 'y'.repeat(40) };
    expect(await connectionOutcome(primary, { ca: ca(), credentials: anyPassword })).toMatch(/^WRONGPASS/);
    expect(await connectionOutcome(primary, { ca: ca(), credentials: wrongPassword })).toMatch(/^WRONGPASS/);
  });

  it('speaks TLS only, with a certificate the group CA signed', async () => {
    // Prepare
    const { primary } = primaryAndReaderOf(provisioned().result);
    const otherCa = readFileSync(path.join(FIXTURES_DIR, 'untrusted-ca.pem'), 'utf8');

    // Act / Assess
    expect(await connectionOutcome(primary, as('app'))).toBe('connected');
    expect(await connectionOutcome(primary, { ...as('app'), ca: otherCa })).toMatch(/certificate/i);
    expect(await connectionOutcome(primary, { credentials: credentialsOf(users(), 'app') })).not.toBe(
      'connected',
    );
  });

  itLeavesNothingBehind(suite, 2);
});
