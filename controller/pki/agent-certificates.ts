/**
 * The agents' client certificates: issuing them (Join, Renew), telling whom a presented one
 * belongs to, and revoking a host. Every certificate the CA signs for an agent is recorded in
 * the store before it is handed out, and kept in memory, so checking a connection costs no
 * query.
 *
 * A presented certificate is accepted when all of these hold:
 *   - TLS verified it against this controller's CA, within its validity (grpc-js hands it over
 *     only then: an unsigned, foreign or expired certificate never gets here);
 *   - it is for client authentication (EKU clientAuth);
 *   - its serial is one this controller issued and has not revoked.
 * The identity is the host the serial was issued to (the subject CN written at issuance).
 */
import type { PeerCertificate } from 'node:tls';
import { FleetError } from '../../common/errors.js';
import { hostNameProblem } from '../../common/host.js';
import type { CertificateStore, IssuedCertificate } from '../store/store.js';
import { normalizeSerial, type CertificateAuthority, type SignedCertificate } from './certificate-authority.js';

export const DEFAULT_CERT_TTL_MS = 30 * 86_400_000;
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

export interface AgentCertificatesOptions {
  ca: CertificateAuthority;
  store: CertificateStore;
  /** How long an agent certificate is valid (--cert-ttl, 30 days by default). */
  lifetimeMs?: number;
  /** Epoch ms (Date.now). */
  now?: () => number;
}

export class AgentCertificates {
  readonly ca: CertificateAuthority;
  readonly lifetimeMs: number;
  private readonly store: CertificateStore;
  private readonly now: () => number;
  /** By normalised serial: every certificate issued that has not expired. */
  private readonly issued = new Map<string, IssuedCertificate>();
  /** Hosts whose first certificate is being signed (enroll()), so two joins cannot both pass. */
  private readonly joining = new Set<string>();

  private constructor(options: AgentCertificatesOptions) {
    this.ca = options.ca;
    this.store = options.store;
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_CERT_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Loads the certificates issued earlier that have not expired. */
  static async open(options: AgentCertificatesOptions): Promise<AgentCertificates> {
    const certificates = new AgentCertificates(options);
    for (const c of await certificates.store.listCertificates(certificates.now())) certificates.issued.set(c.serial, c);
    return certificates;
  }

  /**
   * The host `peer` was issued to. `peer` is what TLS verified against this CA (undefined when
   * the connection presented no certificate, or one TLS did not accept). Throws
   * UNAUTHENTICATED saying why and what to do.
   */
  identify(peer: PeerCertificate | undefined): string {
    if (peer === undefined || !peer.raw) {
      throw new FleetError(
        'UNAUTHENTICATED',
        'no valid client certificate: the connection presented none, or one that is expired or not signed by this controller\'s CA; ' +
          'enroll the agent with fleet-agent join (a join token and the CA fingerprint)',
      );
    }
    if (!(peer.ext_key_usage ?? []).includes(CLIENT_AUTH_OID)) {
      throw new FleetError('UNAUTHENTICATED', 'the client certificate is not for client authentication (no EKU clientAuth); use the certificate fleet-agent join stored');
    }
    const serial = normalizeSerial(peer.serialNumber);
    const known = this.issued.get(serial);
    if (known === undefined) {
      throw new FleetError('UNAUTHENTICATED', `the client certificate (serial ${serial}) is not one this controller issued; join again with a new join token`);
    }
    if (known.revokedAt !== null) {
      throw new FleetError(
        'UNAUTHENTICATED',
        `the certificate of host ${known.host} (serial ${serial}) was revoked at ${new Date(known.revokedAt).toISOString()}; ` +
          'the host can come back only by joining again with a new join token',
      );
    }
    return known.host;
  }

  /**
   * Signs the first certificate of `host` (EnrollService.Join). Throws ALREADY_ADDED while the
   * host holds a certificate that is neither revoked nor expired, or another join for it is
   * being signed: a join token enrolls a new host, it cannot take over a name in use (as
   * kubeadm refuses a second node of the same name). Otherwise as issue().
   */
  async enroll(host: string, csrPem: string): Promise<SignedCertificate> {
    const now = this.now();
    const held = this.validCertificateOf(host, now);
    if (held !== undefined || this.joining.has(host)) {
      const why = held ? `it holds a certificate valid until ${new Date(held.notAfter).toISOString()}, not revoked` : 'another join for it is being signed right now';
      throw new FleetError(
        'ALREADY_ADDED',
        `host ${host} is already enrolled: ${why}. A join cannot take over a host name in use; ` +
          `if this machine replaces ${host}, revoke it first (fleetctl hosts revoke ${host}), then join again; otherwise give this machine another [fleet] host`,
      );
    }
    this.joining.add(host);
    try {
      return await this.issue(host, csrPem);
    } finally {
      this.joining.delete(host);
    }
  }

  /**
   * Signs a new certificate for the host of `peer` (EnrollService.Renew over the agent's current
   * identity). Throws as identify() when `peer` is not accepted, and RATE_LIMITED while it has
   * more than half of its lifetime left: agents renew at two thirds, so each certificate is
   * renewed about once, not without end. Otherwise as issue().
   */
  async renew(peer: PeerCertificate | undefined, csrPem: string): Promise<{ host: string; signed: SignedCertificate }> {
    const host = this.identify(peer);
    const notBefore = Date.parse(peer!.valid_from);
    const notAfter = Date.parse(peer!.valid_to);
    const halfway = notBefore + Math.floor((notAfter - notBefore) / 2);
    const now = this.now();
    if (now < halfway) {
      throw new FleetError(
        'RATE_LIMITED',
        `the certificate of host ${host} (serial ${normalizeSerial(peer!.serialNumber)}) has more than half of its lifetime left ` +
          `(valid until ${new Date(notAfter).toISOString()}): it may be renewed from ${new Date(halfway).toISOString()} on ` +
          '(agents renew at two thirds of the lifetime); retry then',
      );
    }
    return { host, signed: await this.issue(host, csrPem) };
  }

  /**
   * Signs `csrPem` for `host` and records it. Throws BAD_ARGUMENTS for a host name that cannot
   * be one, or a request that is not a valid CSR; FAILED when the store cannot record it (then
   * nothing is handed out).
   */
  private async issue(host: string, csrPem: string): Promise<SignedCertificate> {
    const problem = hostNameProblem(host);
    if (problem) throw new FleetError('BAD_ARGUMENTS', problem);
    const now = this.now();
    let signed: SignedCertificate;
    try {
      signed = await this.ca.issueClient(csrPem, host, this.lifetimeMs, now);
    } catch (err) {
      throw new FleetError('BAD_ARGUMENTS', `cannot sign the certificate request of host ${host}: ${(err as Error).message}`);
    }
    const record: IssuedCertificate = { serial: normalizeSerial(signed.serial), host, issuedAt: now, notAfter: signed.notAfter, revokedAt: null };
    await this.store.recordIssued(record);
    this.issued.set(record.serial, record);
    this.forgetExpired(now);
    return signed;
  }

  /**
   * Revokes every certificate issued to `host` until now: from this moment identify() refuses
   * them. Resolves with how many were revoked (0: the host had none that had not expired or
   * been revoked already).
   */
  async revokeHost(host: string): Promise<number> {
    const now = this.now();
    const serials = await this.store.revokeHost(host, now);
    for (const serial of serials) {
      const known = this.issued.get(serial);
      if (known) known.revokedAt = now;
    }
    // Certificates of the host the store did not list (none, unless the two disagree) are revoked too.
    for (const known of this.issued.values()) if (known.host === host && known.revokedAt === null) known.revokedAt = now;
    return serials.length;
  }

  /** Whether `host` has a certificate from this controller that has not expired, revoked or not. */
  knows(host: string): boolean {
    for (const known of this.issued.values()) if (known.host === host) return true;
    return false;
  }

  /** The newest certificate of `host` that is neither revoked nor expired at `now`. */
  private validCertificateOf(host: string, now: number): IssuedCertificate | undefined {
    let newest: IssuedCertificate | undefined;
    for (const known of this.issued.values()) {
      if (known.host === host && known.revokedAt === null && known.notAfter > now && (newest === undefined || known.notAfter > newest.notAfter)) newest = known;
    }
    return newest;
  }

  private forgetExpired(now: number): void {
    for (const [serial, known] of this.issued) if (known.notAfter <= now) this.issued.delete(serial);
  }
}
