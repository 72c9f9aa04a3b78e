/** Unchanged AWS clients against the local endpoint: the AWS CLI and boto3 programs. */
import { execFile, execSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('./run_program.py', import.meta.url));

export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Only what `npm run local` says to export. */
export function clientEnv(endpoint: string): NodeJS.ProcessEnv {
  const { AWS_PROFILE: _profile, AWS_ENDPOINT_URL: _endpoint, ...rest } = process.env;
  return {
    ...rest,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile(command, args, { env, cwd, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The AWS CLI reads AWS_ENDPOINT_URL from 1.29 (v1) and 2.13 (v2) on; an older one (Debian's awscli
 * 2.9) is given the same URL with --endpoint-url.
 */
// Some versions print it on stderr.
const awsCliVersion = /aws-cli\/(\d+)\.(\d+)/.exec(execSync('aws --version 2>&1', { encoding: 'utf8' }));
const [, major = '0', minor = '0'] = awsCliVersion ?? [];
const cliReadsEndpointVariable =
  major === '1' ? Number(minor) >= 29 : Number(major) > 2 || Number(minor) >= 13;

export function aws(endpoint: string, args: string[]): Promise<ClientRun> {
  const endpointArgs = cliReadsEndpointVariable ? [] : ['--endpoint-url', endpoint];
  return run('aws', [...args, ...endpointArgs, '--output', 'json'], clientEnv(endpoint));
}

/** `aws ...` that must succeed: its JSON output. */
export async function awsJson<T = Record<string, unknown>>(endpoint: string, args: string[]): Promise<T> {
  const result = await aws(endpoint, args);
  if (result.code !== 0) throw new Error(`aws ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as T;
}

/** The tutorial whose boto3 programs the local endpoint must run as written. */
const TUTORIAL = fileURLToPath(
  new URL('../../fixtures/boto3/elasticache-boto3-tutorial.md', import.meta.url),
);

/** The tutorial's boto3 program at `index` (0-based, in the tutorial's order), run as written. */
export function python(endpoint: string, index: number): Promise<ClientRun> {
  return run('python3', [RUNNER, TUTORIAL, String(index)], clientEnv(endpoint), path.dirname(TUTORIAL));
}
