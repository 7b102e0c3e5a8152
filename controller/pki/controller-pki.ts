/**
 * The controller's PKI files in `DATA/pki/`, made on the first secure start:
 *
 *   ca.key      (0600)  the CA's private key: whoever reads it can mint agent identities
 *   ca.crt              the CA certificate agents pin (its fingerprint is printed at start)
 *   server.key  (0600)  the gRPC server's key
 *   server.crt          the server certificate: EKU serverAuth, SAN fleet-controller + names
 *
 * Later starts reuse them. The server certificate is issued again (same key) when it would
 * expire within 30 days or does not name everything it should (a new --san, a new listen
 * address), so it never needs a manual step. The directory is 0700.
 */
import { createPrivateKey, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetError } from '../../common/errors.js';
import { certificateFingerprint } from '../../common/controller-tls.js';
import { PUBLIC_MODE, SECRET_MODE, writeFileAtomically } from '../../common/secret-file.js';
import { EC_P256, generateKeyPair, privateKeyPem } from '../../common/x509.js';
import { CertificateAuthority, type ServerNames } from './certificate-authority.js';

export const PKI_DIR = 'pki';
const CA_KEY = 'ca.key';
const CA_CERT = 'ca.crt';
const SERVER_KEY = 'server.key';
const SERVER_CERT = 'server.crt';
/** A server certificate closer than this to its end is issued again at start. */
const SERVER_RENEW_BEFORE_MS = 30 * 86_400_000;

export interface ControllerPki {
  readonly ca: CertificateAuthority;
  /** The server's key and its chain (server certificate, then the CA), PEM, for node:tls. */
  readonly serverKeyPem: string;
  readonly serverChainPem: string;
  /** Whether this start created the CA (the first secure start). */
  readonly created: boolean;
  /** The directory of the files. */
  readonly dir: string;
}

/** Loads DATA/pki, creating what is missing; throws a FAILED FleetError naming the file and what to do. */
export async function openControllerPki(dataDir: string, names: ServerNames, now = Date.now()): Promise<ControllerPki> {
  const dir = join(dataDir, PKI_DIR);
  const file = (name: string): string => join(dir, name);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new FleetError('FAILED', `cannot create the PKI directory ${dir}: ${(err as Error).message}; check --data and its permissions`);
  }
  const hasCa = existsSync(file(CA_KEY)) || existsSync(file(CA_CERT));
  let ca: CertificateAuthority;
  if (hasCa) {
    const keyPem = readPem(file(CA_KEY));
    const certPem = readPem(file(CA_CERT));
    try {
      ca = await CertificateAuthority.load(keyPem, certPem);
    } catch (err) {
      throw new FleetError('FAILED', `cannot use the CA in ${dir}: ${(err as Error).message}; restore ${CA_KEY} and ${CA_CERT} from a backup (agents trust only this CA)`);
    }
  } else {
    const created = await CertificateAuthority.create(now);
    write(file(CA_KEY), created.keyPem, SECRET_MODE);
    write(file(CA_CERT), created.ca.certificatePem, PUBLIC_MODE);
    ca = created.ca;
  }

  let serverKeyPem: string;
  if (existsSync(file(SERVER_KEY))) serverKeyPem = readPem(file(SERVER_KEY));
  else {
    const keys = await generateKeyPair();
    serverKeyPem = await privateKeyPem(keys.privateKey);
    write(file(SERVER_KEY), serverKeyPem, SECRET_MODE);
  }
  let serverCertPem = existsSync(file(SERVER_CERT)) ? readPem(file(SERVER_CERT)) : null;
  if (serverCertPem === null || !serverCertFits(serverCertPem, ca, serverKeyPem, names, now)) {
    const publicKey = await webcrypto.subtle.importKey('spki', createPublicKey(serverKeyPem).export({ format: 'der', type: 'spki' }), EC_P256, true, ['verify']);
    serverCertPem = (await ca.issueServer(publicKey, names, now)).pem;
    write(file(SERVER_CERT), serverCertPem, PUBLIC_MODE);
  }
  return { ca, serverKeyPem, serverChainPem: `${serverCertPem.trimEnd()}\n${ca.certificatePem.trimEnd()}\n`, created: !hasCa, dir };
}

/**
 * `sha256:<hex>` of DATA/pki/ca.crt, for `fleet-controller ca-fingerprint`; a FAILED FleetError
 * when there is no CA yet (the controller has not started in secure mode with this --data).
 */
export function readCaFingerprint(dataDir: string): string {
  const path = join(dataDir, PKI_DIR, CA_CERT);
  if (!existsSync(path)) {
    throw new FleetError('FAILED', `no CA in ${join(dataDir, PKI_DIR)}: start fleet-controller once without --insecure with --data ${dataDir} to create it`);
  }
  try {
    return certificateFingerprint(new X509Certificate(readFileSync(path)));
  } catch (err) {
    throw new FleetError('FAILED', `${path} is not a PEM certificate: ${(err as Error).message}`);
  }
}

/** Whether the stored server certificate is ours, for this key, names everything, and lives long enough. */
function serverCertFits(pem: string, ca: CertificateAuthority, keyPem: string, names: ServerNames, now: number): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return false;
  }
  if (!cert.checkIssued(ca.certificate) || !cert.verify(ca.certificate.publicKey)) return false;
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
  if (Date.parse(cert.validTo) - now < SERVER_RENEW_BEFORE_MS) return false;
  const san = cert.subjectAltName ?? '';
  const present = new Set(san.split(', '));
  return names.dns.every((n) => present.has(`DNS:${n}`)) && names.ips.every((ip) => present.has(`IP Address:${ip.includes(':') ? expandV6(ip) : ip}`));
}

/** node prints IPv6 SAN entries in full upper-case form (`0:0:0:0:0:0:0:1`). */
function expandV6(ip: string): string {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((part) => part.replace(/^0+(?=.)/, '').toUpperCase()).join(':');
}

function readPem(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it is missing' : (err as Error).message;
    throw new FleetError('FAILED', `cannot read ${path}: ${why}; the PKI directory is incomplete: restore it from a backup, or move it aside to start a new CA (every agent must then join again)`);
  }
}

function write(path: string, content: string, mode: number): void {
  try {
    writeFileAtomically(path, content, mode);
  } catch (err) {
    throw new FleetError('FAILED', `cannot write ${path}: ${(err as Error).message}`);
  }
}
