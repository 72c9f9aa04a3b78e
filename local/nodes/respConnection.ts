import net from 'node:net';
import tls from 'node:tls';
import { RedisReplyError } from './errors';

/** A decoded RESP2 reply. Error replies nested in arrays stay values; a top-level one rejects. */
export type RespValue = string | number | null | RedisReplyError | RespValue[];

export interface RespConnectionOptions {
  host: string;
  port: number;
  /** PEM of the CA that signed the node's certificate; TLS when present. */
  ca?: string;
  user?: string;
  password?: string;
  connectTimeoutMs?: number;
}

interface Pending {
  resolve(value: RespValue): void;
  reject(reason: Error): void;
}

const INCOMPLETE = Symbol('incomplete');
type Parsed = { value: RespValue; next: number } | typeof INCOMPLETE;

function parseReply(buf: Buffer, offset: number): Parsed {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd === -1) return INCOMPLETE;
  const type = String.fromCharCode(buf[offset] ?? 0);
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new RedisReplyError(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: afterLine };
      if (buf.length < afterLine + length + 2) return INCOMPLETE;
      return { value: buf.toString('utf8', afterLine, afterLine + length), next: afterLine + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespValue[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new RedisReplyError(`Unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * A minimal pipelining RESP2 connection for administering nodes (ACL, CLUSTER, INFO).
 * Kept in-house so node administration does not depend on a client library's reconnect
 * and handshake behaviour, and so a node shutting down is just a closed socket.
 */
export class RespConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private closedError: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('Connection closed')));
  }

  static async open(options: RespConnectionOptions): Promise<RespConnection> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const readyEvent = options.ca ? 'secureConnect' : 'connect';
      const s = options.ca
        ? tls.connect({ host: options.host, port: options.port, ca: options.ca })
        : net.connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`Timed out connecting to ${options.host}:${options.port}`));
      }, options.connectTimeoutMs ?? 5000);
      s.once(readyEvent, () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    socket.setNoDelay(true);
    const connection = new RespConnection(socket);
    if (options.user !== undefined && options.password !== undefined) {
      try {
        await connection.command(['AUTH', options.user, options.password]);
      } catch (err) {
        connection.close();
        throw err;
      }
    }
    return connection;
  }

  /** Sends one command; replies arrive in order, so several calls pipeline. */
  command(args: readonly string[]): Promise<RespValue> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<RespValue>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  /** A command whose reply is a bulk or simple string (INFO, CLUSTER NODES, CLUSTER MYID). */
  async text(args: readonly string[]): Promise<string> {
    const reply = await this.command(args);
    if (typeof reply !== 'string') throw new RedisReplyError(`Expected a string reply to ${args[0]}`);
    return reply;
  }

  close(): void {
    this.fail(new Error('Connection closed by caller'));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    while (offset < this.buffer.length) {
      const parsed = parseReply(this.buffer, offset);
      if (parsed === INCOMPLETE) break;
      offset = parsed.next;
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if (parsed.value instanceof RedisReplyError) waiter.reject(parsed.value);
      else waiter.resolve(parsed.value);
    }
    this.buffer = this.buffer.subarray(offset);
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const waiter of this.pending.splice(0)) waiter.reject(this.closedError);
  }
}

/** `key:value` lines of an INFO section or CLUSTER INFO reply. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}
