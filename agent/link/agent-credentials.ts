/**
 * The agent's identity toward the controller, in `[fleet] state_dir`:
 *
 *   agent.key  (0600)  the agent's private key (ECDSA P-256); it never leaves the host
 *   agent.crt          its client certificate: subject CN = the host name, signed by the controller's CA
 *   ca.crt             the controller's CA, pinned at enrollment by its fingerprint
 *
 * Written by enrollment (fleet-agent join, or [fleet] join_token on start) and by renewal;
 * read each time the link dials, so a renewed certificate is used from the next connection on.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetError } from '../../common/errors.js';
import { PUBLIC_MODE, SECRET_MODE, writeFileAtomically } from '../../common/secret-file.js';

export const KEY_FILE = 'agent.key';
export const CERT_FILE = 'agent.crt';
export const CA_FILE = 'ca.crt';

export interface AgentCredentials {
  keyPem: string;
  certificatePem: string;
  caPem: string;
  /** The host the certificate names (its subject CN). */
  host: string;
  /** Epoch ms. */
  notBefore: number;
  notAfter: number;
}

/**
 * The credentials in `stateDir`, or null when there is no certificate yet (the agent has not
 * joined). Throws CONFIG_INVALID when the files are there but cannot be used, saying which.
 */
export function readCredentials(stateDir: string): AgentCredentials | null {
  const path = (name: string): string => join(stateDir, name);
  if (!existsSync(path(CERT_FILE))) return null;
  const read = (name: string): string => {
    try {
      return readFileSync(path(name), 'utf8');
    } catch (err) {
      throw new FleetError('CONFIG_INVALID', `cannot read ${path(name)}: ${(err as Error).message}; join again (fleet-agent join) to replace the agent's credentials`);
    }
  };
  const keyPem = read(KEY_FILE);
  const certificatePem = read(CERT_FILE);
  const caPem = read(CA_FILE);
  return { keyPem, certificatePem, caPem, ...describeCertificate(certificatePem, path(CERT_FILE)) };
}

/** Stores new credentials (the key only when it changed) and returns them as read back. */
export function writeCredentials(stateDir: string, credentials: { keyPem?: string; certificatePem: string; caPem: string }): AgentCredentials {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const write = (name: string, content: string, mode: number): void => {
    try {
      writeFileAtomically(join(stateDir, name), content, mode);
    } catch (err) {
      throw new FleetError('FAILED', `cannot write ${join(stateDir, name)}: ${(err as Error).message}; check [fleet] state_dir and its permissions`);
    }
  };
  // The key first: a certificate is never stored beside a key it does not belong to, except
  // for the moment between the two renames (a crash there leaves a pair that needs a join).
  if (credentials.keyPem !== undefined) write(KEY_FILE, credentials.keyPem, SECRET_MODE);
  write(CA_FILE, credentials.caPem, PUBLIC_MODE);
  write(CERT_FILE, credentials.certificatePem, PUBLIC_MODE);
  return readCredentials(stateDir)!;
}

/** When renewal is due: two thirds into the certificate's lifetime. */
export function renewalTime(credentials: Pick<AgentCredentials, 'notBefore' | 'notAfter'>): number {
  return credentials.notBefore + Math.floor(((credentials.notAfter - credentials.notBefore) * 2) / 3);
}

function describeCertificate(pem: string, path: string): Pick<AgentCredentials, 'host' | 'notBefore' | 'notAfter'> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw new FleetError('CONFIG_INVALID', `${path} is not a PEM certificate (${(err as Error).message}); join again (fleet-agent join)`);
  }
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1] ?? '';
  return { host: cn, notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
}
