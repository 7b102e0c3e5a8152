/**
 * The controller's own certificate authority: a self-signed ECDSA P-256 CA that signs the
 * controller's server certificate and the agents' client certificates. Nothing else trusts it
 * and it trusts nothing else; agents pin it by fingerprint when they join.
 *
 *   CA (CN=fleetvisor controller CA, 10 years, keyCertSign)
 *    +-- server certificate: EKU serverAuth, SAN DNS fleet-controller + the controller's names
 *    +-- agent certificates: EKU clientAuth, subject CN = host name, --cert-ttl (30 days)
 */
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { certificateFingerprint, CONTROLLER_TLS_NAME } from '../../common/controller-tls.js';
import { EC_P256, generateKeyPair, importKeyPair, privateKeyPem, x509 } from '../../common/x509.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const DAY_MS = 86_400_000;
export const CA_LIFETIME_MS = 3650 * DAY_MS;
export const SERVER_CERT_LIFETIME_MS = 365 * DAY_MS;
/**
 * Certificates are dated this much in the past (a tenth of a short lifetime at most, so renewal
 * at two thirds of it stays two thirds), so a peer whose clock is a little behind accepts them.
 */
const BACKDATE_MS = 5 * 60_000;
const backdate = (lifetimeMs: number): number => Math.min(BACKDATE_MS, Math.floor(lifetimeMs / 10));

/** A certificate the CA signed. */
export interface SignedCertificate {
  pem: string;
  /** Hex, lower case: the form of IssuedCertificate.serial and of normalizeSerial(). */
  serial: string;
  notBefore: number;
  notAfter: number;
}

/** Names and addresses for the server certificate's subjectAltName, besides CONTROLLER_TLS_NAME. */
export interface ServerNames {
  dns: readonly string[];
  ips: readonly string[];
}

export class CertificateAuthority {
  /** node's view of the CA certificate, for checks. */
  readonly certificate: X509Certificate;
  /** `sha256:<hex>` of the CA certificate's DER. */
  readonly fingerprint: string;
  /** The subject as the signer writes it into the certificates it issues. */
  private readonly subject: string;

  private constructor(
    readonly certificatePem: string,
    private readonly keys: CryptoKeyPair,
  ) {
    this.certificate = new X509Certificate(certificatePem);
    this.fingerprint = certificateFingerprint(this.certificate);
    this.subject = new x509.X509Certificate(certificatePem).subject;
  }

  /** A new CA; the caller stores `keyPem` (mode 0600) and `certificatePem`. */
  static async create(now = Date.now()): Promise<{ ca: CertificateAuthority; keyPem: string }> {
    const keys = await generateKeyPair();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: newSerial(),
      name: [{ CN: ['fleetvisor controller CA'] }],
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + CA_LIFETIME_MS),
      signingAlgorithm: EC_P256,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return { ca: new CertificateAuthority(cert.toString('pem'), keys), keyPem: await privateKeyPem(keys.privateKey) };
  }

  /** The CA from its files' contents; throws when the key does not belong to the certificate. */
  static async load(keyPem: string, certificatePem: string): Promise<CertificateAuthority> {
    const keys = await importKeyPair(keyPem);
    const ca = new CertificateAuthority(certificatePem, keys);
    const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
    if (!spki.equals(ca.certificate.publicKey.export({ format: 'der', type: 'spki' }))) throw new Error('the CA key does not match the CA certificate');
    return ca;
  }

  /** The controller's server certificate for `publicKey`: EKU serverAuth, SAN fleet-controller plus `names`. */
  async issueServer(publicKey: CryptoKey, names: ServerNames, now = Date.now()): Promise<SignedCertificate> {
    const dns = [...new Set([CONTROLLER_TLS_NAME, ...names.dns])];
    const ips = [...new Set(names.ips)];
    return this.sign({
      publicKey,
      subject: [{ CN: [CONTROLLER_TLS_NAME] }],
      notBefore: now - BACKDATE_MS,
      notAfter: Math.min(now + SERVER_CERT_LIFETIME_MS, this.notAfter),
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))]),
      ],
    });
  }

  /**
   * An agent's client certificate: subject CN = `host` (the identity the controller reads back
   * on every stream), EKU clientAuth, valid for `lifetimeMs` from now (never past the CA).
   * The CSR must be self-consistent (signed by the key it carries); its own subject is ignored.
   */
  async issueClient(csrPem: string, host: string, lifetimeMs: number, now = Date.now()): Promise<SignedCertificate> {
    const csr = parseCsr(csrPem);
    if (!(await csr.verify())) throw new Error('the certificate request is not signed by the key it carries');
    return this.sign({
      publicKey: csr.publicKey,
      subject: [{ CN: [host] }],
      notBefore: now - backdate(lifetimeMs),
      notAfter: Math.min(now + lifetimeMs, this.notAfter),
      extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false)],
    });
  }

  private get notAfter(): number {
    return Date.parse(this.certificate.validTo);
  }

  private async sign(params: {
    publicKey: CryptoKey | x509.PublicKey;
    subject: x509.JsonName;
    notBefore: number;
    notAfter: number;
    extensions: x509.Extension[];
  }): Promise<SignedCertificate> {
    const serial = newSerial();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: params.subject,
      issuer: this.subject,
      notBefore: new Date(params.notBefore),
      notAfter: new Date(params.notAfter),
      signingAlgorithm: EC_P256,
      publicKey: params.publicKey,
      signingKey: this.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.AuthorityKeyIdentifierExtension.create(this.keys.publicKey),
        ...params.extensions,
      ],
    });
    return { pem: cert.toString('pem'), serial, notBefore: params.notBefore, notAfter: params.notAfter };
  }
}

/** A CSR from PEM; throws an Error saying what is wrong. */
export function parseCsr(pem: string): x509.Pkcs10CertificateRequest {
  try {
    return new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw new Error(`not a PEM certificate request (PKCS#10): ${(err as Error).message}`);
  }
}

/**
 * A serial as node's X509Certificate.serialNumber and this module print it, normalised to
 * lower-case hex without leading zeros, so both sides compare equal.
 */
export function normalizeSerial(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}

/** 16 random bytes, first byte 0x10..0x7f: positive, and no leading zero to normalise away. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x10 + (bytes[0]! % 0x70);
  return bytes.toString('hex');
}
