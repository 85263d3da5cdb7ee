// A service principal (app registration) as a way to get Kusto tokens: client id + tenant + a client secret
// (kept only in the secret store) or a PEM certificate with its private key (only the path is remembered).

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** What is remembered about a service principal: ids and a path, never the secret. */
export interface ServicePrincipalProfile {
  readonly clientId: string;
  readonly tenantId: string;
  /** Login host it signs in at (scheme + host); default the cluster's cloud. */
  readonly authorityHost?: string;
  /** PEM file with the certificate and its private key, instead of a secret. */
  readonly certificatePath?: string;
}

export interface CertificateCredential {
  /** PKCS#8 PEM of the private key. */
  readonly privateKey: string;
  /** Hex SHA-256 thumbprint of the certificate (what Azure AD checks against the app's uploaded certificate). */
  readonly thumbprintSha256: string;
  /** The certificate PEM, sent as x5c for subject name / issuer authentication. */
  readonly certificatePem: string;
  readonly subject: string;
  readonly validTo: Date;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

export const SERVICE_PRINCIPAL_ID_PREFIX = 'serviceprincipal:';

/** The id under which a service principal appears among accounts and in the cluster → account mapping. */
export function servicePrincipalAccountId(profile: Pick<ServicePrincipalProfile, 'clientId' | 'tenantId'>): string {
  return `${SERVICE_PRINCIPAL_ID_PREFIX}${profile.clientId.toLowerCase()}@${profile.tenantId.toLowerCase()}`;
}

export function isServicePrincipalAccountId(id: string): boolean {
  return id.startsWith(SERVICE_PRINCIPAL_ID_PREFIX);
}

/** Secret store key of a service principal's client secret. */
export function servicePrincipalSecretKey(profile: Pick<ServicePrincipalProfile, 'clientId' | 'tenantId'>): string {
  return `kusto.servicePrincipalSecret.${profile.clientId.toLowerCase()}.${profile.tenantId.toLowerCase()}`;
}

/** Checks what the user typed; returns a message naming the field to fix, or undefined when it is fine. */
export function validateServicePrincipalField(field: 'clientId' | 'tenantId', value: string): string | undefined {
  const text = value.trim();
  if (field === 'clientId') {
    return GUID.test(text) ? undefined : 'The client (application) id is a GUID such as 1b2c3d4e-0000-4000-8000-000000000000 (App registrations → Overview).';
  }
  if (!TENANT.test(text) || /^(organizations|common|consumers)$/i.test(text)) {
    return 'A service principal signs in to one tenant: enter its tenant id (a GUID) or a domain such as contoso.onmicrosoft.com.';
  }
  return undefined;
}

/** Reads a PEM file holding a certificate and its private key; errors say what is missing. */
export async function loadCertificateCredential(path: string): Promise<CertificateCredential> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`The certificate file ${path} could not be read${code === 'ENOENT' ? ' (it does not exist)' : code ? ` (${code})` : ''}.`);
  }
  const certificateBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  const keyBlock = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(text)?.[0];
  if (!certificateBlock) {
    throw new Error(`The file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----). Use a PEM file with the certificate and its private key.`);
  }
  if (!keyBlock) {
    throw new Error(`The file ${path} holds no private key (-----BEGIN PRIVATE KEY-----). Put the certificate's private key into the same PEM file.`);
  }
  if (keyBlock.includes('ENCRYPTED')) {
    throw new Error(`The private key in ${path} is encrypted with a password; export it without one (e.g. openssl pkcs12 -nodes).`);
  }
  let certificate: X509Certificate;
  let privateKey: string;
  try {
    certificate = new X509Certificate(certificateBlock);
    privateKey = createPrivateKey(keyBlock).export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch (error) {
    throw new Error(`The certificate or key in ${path} could not be read: ${error instanceof Error ? error.message : String(error)}.`);
  }
  if (!certificate.checkPrivateKey(createPrivateKey(privateKey))) {
    throw new Error(`The private key in ${path} does not belong to the certificate in it.`);
  }
  return {
    privateKey,
    thumbprintSha256: certificate.fingerprint256.replace(/:/g, '').toLowerCase(),
    certificatePem: certificateBlock,
    subject: certificate.subject.replace(/\n/g, ', '),
    validTo: new Date(certificate.validTo),
  };
}
