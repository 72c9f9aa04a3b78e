import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from './executables';

const run = promisify(execFile);

export interface TlsMaterial {
  caCertificatePath: string;
  certificatePath: string;
  keyPath: string;
}

// EC P-256 keys take milliseconds to make; RSA would dominate a group's start time.
const NEW_P256_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/**
 * A throwaway CA and a server certificate it signed, valid for 127.0.0.1 and localhost.
 * The same certificate serves clients, replication and the cluster bus.
 */
export async function createTlsMaterial(dir: string): Promise<TlsMaterial> {
  const openssl = findExecutable('openssl');
  if (!openssl) throw new Error('openssl is not on PATH; it is needed for TLS nodes');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const material: TlsMaterial = {
    caCertificatePath: path.join(dir, 'ca.pem'),
    certificatePath: path.join(dir, 'server.pem'),
    keyPath: path.join(dir, 'server-key.pem'),
  };
  const caKeyPath = path.join(dir, 'ca-key.pem');
  await run(openssl, [
    'req',
    '-x509',
    ...NEW_P256_KEY,
    '-keyout',
    caKeyPath,
    '-out',
    material.caCertificatePath,
    '-days',
    '7',
    '-subj',
    '/CN=Local ElastiCache CA',
  ]);
  await run(openssl, [
    'req',
    '-x509',
    ...NEW_P256_KEY,
    '-keyout',
    material.keyPath,
    '-out',
    material.certificatePath,
    '-days',
    '7',
    '-subj',
    '/CN=localhost',
    '-CA',
    material.caCertificatePath,
    '-CAkey',
    caKeyPath,
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext',
    'basicConstraints=critical,CA:FALSE',
  ]);
  return material;
}
