/**
 * One `AUTH <username> <password>` against a Redis OSS / Valkey endpoint, over TLS or plain TCP, with
 * node's own sockets: the rotation function needs this one command, not a Redis client in its bundle.
 */
import net from 'node:net';
import tls from 'node:tls';
import { namedError } from '../errors';

export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  /** The replication group behind the endpoint (what a local run looks its CA up by). */
  replicationGroupId: string;
}

export type AuthOutcome = { ok: true } | { ok: false; reply: string };

/** Authenticates once; resolves with the server's verdict, rejects only when no verdict came. */
export type RedisAuthProbe = (
  target: RedisTarget,
  username: string,
  password: string,
) => Promise<AuthOutcome>;

/** The endpoint could not be reached or did not answer in time (a network problem, not a verdict). */
export class RedisUnreachable extends namedError('RedisUnreachable') {}

const TIMEOUT_MS = 5000;

/** A RESP array of bulk strings: how a client sends a command. */
export function respCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}

/** The probe, trusting the system's CAs (ElastiCache's certificates) or, when given, `caFor`'s PEM. */
export function redisAuthProbe(
  options: { caFor?: (target: RedisTarget) => string | undefined; timeoutMs?: number } = {},
): RedisAuthProbe {
  return (target, username, password) =>
    new Promise<AuthOutcome>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
      const where = `${target.host}:${target.port}`;
      const ca = options.caFor?.(target);
      const socket = target.tls
        ? tls.connect({
            host: target.host,
            port: target.port,
            // SNI takes host names only.
            ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
            ...(ca === undefined ? {} : { ca }),
          })
        : net.connect({ host: target.host, port: target.port });
      let received = '';
      let settled = false;
      const finish = (outcome: AuthOutcome | Error) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      socket.setTimeout(timeoutMs, () =>
        finish(new RedisUnreachable(`No answer from ${where} within ${timeoutMs} ms`)),
      );
      socket.once(target.tls ? 'secureConnect' : 'connect', () => {
        socket.write(respCommand(['AUTH', username, password]));
      });
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8');
        const lineEnd = received.indexOf('\r\n');
        if (lineEnd === -1) return;
        const line = received.slice(0, lineEnd);
        // Only the error's first words: a reply never needs quoting in full to say why AUTH failed.
        finish(line === '+OK' ? { ok: true } : { ok: false, reply: line.slice(0, 120) });
      });
      socket.once('error', (err) =>
        finish(new RedisUnreachable(`Cannot reach ${where}: ${err.message}`, { cause: err })),
      );
      socket.once('close', () => finish(new RedisUnreachable(`${where} closed the connection`)));
    });
}
