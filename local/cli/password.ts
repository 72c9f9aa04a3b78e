/**
 * Prints the password held by a Secrets Manager secret (a plain string, or JSON with `password`),
 * for shell use against the local endpoint: REDISCLI_AUTH="$(npm run --silent password -- <secret>)".
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

const secretId = process.argv[2];
if (!secretId) {
  process.stderr.write('Usage: npm run --silent password -- <secret id or ARN>\n');
  process.exit(2);
}
process.env.AWS_REGION ??= 'us-east-1';
// The local stand-in does not check signatures, but the SDK needs something to sign with.
if (/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? '')) {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
}
const { secretsManager } = await import('../../shared/aws/clients');
const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
let password = SecretString ?? '';
try {
  const parsed = JSON.parse(password) as { password?: unknown };
  if (typeof parsed.password === 'string') password = parsed.password;
} catch {
  // A plain-string secret is the password itself.
}
process.stdout.write(password);
