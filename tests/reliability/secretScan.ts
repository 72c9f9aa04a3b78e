/**
 * Looks for passwords where they must never be: execution history (every state's input and output),
 * execution output and error, the functions' logs, CLI output. The passwords come from the local
 * stand-in itself (the secrets it holds, and the ACL users its nodes were given), so a leak of a
 * generated password is found as surely as one of a password a request's secret named.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { SimulatedNodeBackend, StandIn } from '../../local/standin';

/** Shorter strings would match by chance; ElastiCache passwords have at least 16 characters. */
const MIN_PASSWORD_LENGTH = 12;

/** Generated passwords: exactly this many letters and digits (shared/provision/secrets.ts). */
const GENERATED_PASSWORD_SHAPE = /(?<![A-Za-z0-9])[A-Za-z0-9]{40}(?![A-Za-z0-9])/g;

export interface SecretHit {
  /** Which scanned source held it: `history`, `output`, `logs`, `cli`... */
  source: string;
  /** The password, masked: its first two characters and its length. */
  password: string;
  /** How it was written there: as is, JSON-escaped, base64 or URL-encoded. */
  encoding: string;
  /** Some text around the hit, the password itself masked. */
  context: string;
}

/** Every secret value the stand-in's Secrets Manager holds, plus every password its simulated nodes were given. */
export async function passwordsInStandIn(standIn: StandIn): Promise<string[]> {
  // Many quick attempts: a fault plan may cover Secrets Manager too, and the scanner must still read.
  const client = new SecretsManagerClient({
    endpoint: standIn.secretsManagerUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'scanner', secretAccessKey: 'scanner' },
    retryStrategy: new ConfiguredRetryStrategy(20, 5),
  });
  const passwords = new Set<string>();
  try {
    for (const secret of standIn.state.secrets.values()) {
      if (secret.deletedAt !== undefined) continue;
      const out = await client.send(new GetSecretValueCommand({ SecretId: secret.arn }));
      for (const password of passwordsInSecretString(out.SecretString)) passwords.add(password);
    }
  } finally {
    client.destroy();
  }
  const nodes = standIn.nodes as Partial<SimulatedNodeBackend>;
  for (const group of nodes.groups?.values() ?? []) {
    for (const user of group.users ?? []) for (const password of user.passwords) passwords.add(password);
  }
  return [...passwords].filter((password) => password.length >= MIN_PASSWORD_LENGTH);
}

/** A secret string is the password itself, or a JSON object with a `password` key. */
export function passwordsInSecretString(secretString: string | undefined): string[] {
  if (secretString === undefined) return [];
  try {
    const parsed = JSON.parse(secretString) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const password = (parsed as Record<string, unknown>).password;
      return typeof password === 'string' ? [password] : [];
    }
  } catch {
    // Not JSON: the whole string is the password.
  }
  return [secretString];
}

/** Every way a password may be written into a text without being recognisable as itself at a glance. */
function encodings(password: string): [string, string][] {
  const json = JSON.stringify(password).slice(1, -1);
  return [
    ['as is', password],
    ['JSON-escaped', json],
    ['JSON-escaped twice', JSON.stringify(json).slice(1, -1)],
    ['base64', Buffer.from(password, 'utf8').toString('base64').replace(/=+$/, '')],
    ['URL-encoded', encodeURIComponent(password)],
  ];
}

/** Sources as text: strings as they are, anything else as JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(value, (_key, inner: unknown) => {
      if (typeof inner === 'bigint') return inner.toString();
      if (inner instanceof Map) return Object.fromEntries(inner);
      if (inner instanceof Set) return [...inner];
      if (typeof inner === 'object' && inner !== null) {
        if (seen.has(inner)) return '[circular]';
        seen.add(inner);
      }
      return inner;
    }) ?? ''
  );
}

function mask(password: string): string {
  return `${password.slice(0, 2)}…(${password.length} characters)`;
}

/** Every occurrence of any of the passwords, in any of its encodings, in any of the sources. */
export function scanForSecrets(passwords: readonly string[], sources: Record<string, unknown>): SecretHit[] {
  const hits: SecretHit[] = [];
  const candidates = passwords.filter((password) => password.length >= MIN_PASSWORD_LENGTH);
  for (const [source, value] of Object.entries(sources)) {
    const text = asText(value);
    for (const password of candidates) {
      for (const [encoding, written] of encodings(password)) {
        const at = text.indexOf(written);
        if (at < 0) continue;
        const around = text
          .slice(Math.max(0, at - 60), at + written.length + 60)
          .split(written)
          .join('***');
        hits.push({ source, password: mask(password), encoding, context: around });
        break;
      }
    }
  }
  return hits;
}

/**
 * Strings shaped like a generated password (40 letters and digits), for output whose passwords
 * cannot be read back, such as a CLI run whose stand-in is gone with its process.
 */
export function scanForGeneratedPasswordShapes(sources: Record<string, unknown>): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const [source, value] of Object.entries(sources)) {
    const text = asText(value);
    for (const match of text.matchAll(GENERATED_PASSWORD_SHAPE)) {
      // Hexadecimal ids (hashes, request ids) have this length too; a generated password has mixed case.
      if (/^[0-9a-f]+$/.test(match[0]) || /^[0-9A-F]+$/.test(match[0])) continue;
      const at = match.index ?? 0;
      hits.push({
        source,
        password: mask(match[0]),
        encoding: 'generated-password shape',
        context: `${text.slice(Math.max(0, at - 60), at)}***${text.slice(at + match[0].length, at + match[0].length + 60)}`,
      });
    }
  }
  return hits;
}

/** A readable report of hits, for a failing assertion. */
export function describeHits(hits: readonly SecretHit[]): string {
  return hits
    .map((hit) => `password ${hit.password} found ${hit.encoding} in ${hit.source}: …${hit.context}…`)
    .join('\n');
}

/** What an execution leaves behind that anyone with read access to the account may see. */
export interface ScannableExecution {
  history?: unknown;
  output?: unknown;
  error?: unknown;
  events?: unknown;
  logs?: string;
}

/** Scans every execution's history, output, error, progress events and function logs. */
export function scanExecutions(
  passwords: readonly string[],
  executions: readonly ScannableExecution[],
  label = 'execution',
): SecretHit[] {
  const sources: Record<string, unknown> = {};
  executions.forEach((execution, index) => {
    const name = executions.length === 1 ? label : `${label} ${index + 1}`;
    sources[`${name} history`] = execution.history;
    sources[`${name} output`] = execution.output;
    sources[`${name} error`] = execution.error;
    sources[`${name} progress events`] = execution.events;
    sources[`${name} function logs`] = execution.logs;
  });
  return scanForSecrets(passwords, sources);
}
