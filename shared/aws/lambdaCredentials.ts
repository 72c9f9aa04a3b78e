/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only (an esbuild alias in
 * serverless.yml). Lambda always hands the function's role credentials over in environment variables,
 * so the SDK's full chain (SSO, STS web identity, INI files, IMDS...) is ~120 KB of dead weight that
 * every cold start would load. Tests and local runs keep the SDK's own chain.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export class CredentialsNotInEnvironment extends Error {
  override readonly name = 'CredentialsNotInEnvironment';
}

export const defaultProvider =
  (): AwsCredentialIdentityProvider => async (): Promise<AwsCredentialIdentity> => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new CredentialsNotInEnvironment(
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this bundle only runs in AWS Lambda',
      );
    }
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  };
