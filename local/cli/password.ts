/**
 * Prints the password held by a Secrets Manager secret (a plain string, or JSON with `password`),
 * for shell use against the local endpoint: REDISCLI_AUTH="$(npm run --silent password -- <secret>)".
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

const USAGE = `Usage: npm run --silent password -- <secret id or ARN>

Prints the password a Secrets Manager secret holds (AWS_ENDPOINT_URL_SECRETS_MANAGER or
AWS_ENDPOINT_URL point at the local endpoint), e.g.
  export REDISCLI_AUTH="$(npm run --silent password -- <secret ARN>)"
`;
const secretId = process.argv[2];
if (secretId === '--help' || secretId === '-h') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!secretId || secretId.startsWith('-') || process.argv.length > 3) {
  process.stderr.write(USAGE);
  process.exit(2);
}
process.env.AWS_REGION ??= 'us-east-1';
// The local stand-in does not check signatures, but the SDK needs something to sign with.
if (
  /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? process.env.AWS_ENDPOINT_URL ?? '',
  )
) {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
}
const { secretsManager } = await import('../../shared/aws/clients');
let SecretString: string | undefined;
try {
  ({ SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId })));
} catch (err) {
  // One line naming the secret, not a stack trace.
  process.stderr.write(
    `password: ${secretId}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`,
  );
  process.exit(1);
}
let password = SecretString ?? '';
try {
  const parsed = JSON.parse(password) as { password?: unknown };
  if (typeof parsed.password === 'string') password = parsed.password;
} catch {
  // A plain-string secret is the password itself.
}
process.stdout.write(password);
