// A self-signed TLS certificate for the local servers. MSAL only accepts https authorities, so the local
// sign-in server (and, optionally, the local Kusto server) serve https with this certificate; clients trust it
// through NODE_EXTRA_CA_CERTS or an undici Agent's `connect.ca`. It is a leaf (CA:FALSE, server authentication
// for 127.0.0.1 and localhost only), never a CA: trusting it process-wide lets its key vouch for nothing but
// these local servers, even if the key leaks on a shared machine.

import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';

export interface DevCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const CERTIFICATE_FILE = 'cert.pem';
const KEY_FILE = 'key.pem';
const LOCK_DIR = '.lock';
const VALIDITY_DAYS = 825;
/** Regenerate when fewer days than this remain, so a long demo never meets an expired certificate. */
const RENEW_BEFORE_DAYS = 30;
const STALE_LOCK_MS = 60_000;

/** `<repo>/.local/dev-cert`, found by walking up from this file to the project's package.json. */
export function defaultDevCertificateDir(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'src', 'localServers'))) {
      return path.join(dir, '.local', 'dev-cert');
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return path.join(process.cwd(), '.local', 'dev-cert');
    }
    dir = parent;
  }
}

/**
 * Returns the certificate and key in `dir`, creating them with openssl when missing, unreadable, not matching,
 * not covering 127.0.0.1 or about to expire. Safe when several processes call it at once (a directory lock).
 */
export async function ensureDevCertificate(dir: string): Promise<DevCertificate> {
  if (!dir || !dir.trim()) {
    throw new Error('ensureDevCertificate needs a directory for the certificate (got an empty path).');
  }
  const certPath = path.join(dir, CERTIFICATE_FILE);
  const keyPath = path.join(dir, KEY_FILE);
  const existing = await readUsableCertificate(certPath, keyPath);
  if (existing) {
    return existing;
  }
  await mkdir(dir, { recursive: true });
  const releaseLock = await acquireLock(path.join(dir, LOCK_DIR));
  try {
    // Another process may have created it while this one waited for the lock.
    const createdMeanwhile = await readUsableCertificate(certPath, keyPath);
    if (createdMeanwhile) {
      return createdMeanwhile;
    }
    await createCertificate(dir, certPath, keyPath);
  } finally {
    await releaseLock();
  }
  const created = await readUsableCertificate(certPath, keyPath);
  if (!created) {
    throw new Error(`openssl created a certificate in ${dir} that cannot be used; delete the folder and try again.`);
  }
  return created;
}

async function readUsableCertificate(certPath: string, keyPath: string): Promise<DevCertificate | undefined> {
  let certPem: string;
  let keyPem: string;
  try {
    [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  } catch {
    return undefined;
  }
  try {
    const certificate = new X509Certificate(certPem);
    const renewAfter = Date.now() + RENEW_BEFORE_DAYS * 24 * 3600 * 1000;
    if (new Date(certificate.validTo).getTime() < renewAfter) {
      return undefined;
    }
    if (!certificate.checkIP('127.0.0.1')) {
      return undefined;
    }
    if (certificate.ca) {
      return undefined; // made by an older version as a CA: replace it with a leaf
    }
    const keyMatches =
      createPublicKey(createPrivateKey(keyPem)).export({ format: 'der', type: 'spki' }).toString('base64') ===
      certificate.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    if (!keyMatches) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  return { certPath, keyPath, certPem, keyPem };
}

async function createCertificate(dir: string, certPath: string, keyPath: string): Promise<void> {
  const suffix = `${process.pid}-${Date.now()}`;
  const temporaryCert = path.join(dir, `${CERTIFICATE_FILE}.${suffix}.tmp`);
  const temporaryKey = path.join(dir, `${KEY_FILE}.${suffix}.tmp`);
  try {
    await runOpenssl([
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256',
      '-keyout', temporaryKey,
      '-out', temporaryCert,
      '-days', String(VALIDITY_DAYS),
      '-subj', '/CN=Kusto Explorer local development',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
      '-addext', 'extendedKeyUsage=serverAuth',
    ]);
    await chmod(temporaryKey, 0o600);
    await rename(temporaryKey, keyPath);
    await rename(temporaryCert, certPath);
  } finally {
    await rm(temporaryCert, { force: true });
    await rm(temporaryKey, { force: true });
  }
}

function runOpenssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) {
        const notInstalled = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new Error(
            notInstalled
              ? 'openssl was not found on PATH; install it (e.g. apt-get install openssl) to create the local development certificate.'
              : `openssl could not create the local development certificate: ${String(stderr).trim() || error.message}`,
          ),
        );
        return;
      }
      resolve();
    });
  });
}

async function acquireLock(lockDir: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + 2 * STALE_LOCK_MS;
  for (;;) {
    try {
      await mkdir(lockDir);
      return async () => {
        await rm(lockDir, { recursive: true, force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    // A lock left behind by a crashed process must not block forever.
    const lockAge = await stat(lockDir).then((info) => Date.now() - info.mtimeMs, () => 0);
    if (lockAge > STALE_LOCK_MS) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${lockDir}; remove it if no other local server is starting.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
