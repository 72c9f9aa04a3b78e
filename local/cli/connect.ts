import type { ProvisioningResult } from '../../shared/provision/state';

export interface ConnectionHelp {
  result: ProvisioningResult;
  secretsManagerEndpoint: string;
  caCertificate?: string;
}

/**
 * How to connect as each user, reading the password from the local Secrets Manager endpoint as an
 * application would read it in AWS. Prints commands, never a password.
 */
export function connectionInstructions({
  result,
  secretsManagerEndpoint,
  caCertificate,
}: ConnectionHelp): string[] {
  const endpoint =
    'Configuration' in result.Endpoints ? result.Endpoints.Configuration : result.Endpoints.Primary;
  const cli = [
    'redis-cli',
    `-h ${endpoint.Address}`,
    `-p ${endpoint.Port}`,
    ...('Configuration' in result.Endpoints ? ['-c'] : []),
    ...(caCertificate ? ['--tls', `--cacert ${caCertificate}`] : []),
  ].join(' ');
  const lines: string[] = [];
  const passwordUsers = result.Users.filter((user) => user.PasswordSecretArn && user.UserName !== 'default');
  if (result.Users.length === 0) {
    lines.push('No RBAC: connect without credentials:', `  ${cli}`);
    return lines;
  }
  for (const user of passwordUsers) {
    lines.push(
      `As ${user.UserName} (${user.UserId}):`,
      `  export REDISCLI_AUTH="$(AWS_ENDPOINT_URL_SECRETS_MANAGER=${secretsManagerEndpoint} npm run --silent password -- '${user.PasswordSecretArn}')"`,
      `  ${cli} --user ${user.UserName}`,
    );
  }
  for (const user of result.Users.filter((u) => !u.PasswordSecretArn && u.UserName !== 'default')) {
    lines.push(`As ${user.UserName} (${user.UserId}): IAM authentication, which has no local equivalent.`);
  }
  lines.push(`Without credentials the default user applies:`, `  ${cli} PING`);
  return lines;
}
