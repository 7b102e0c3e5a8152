/**
 * The CertificateStore on the controller's SQLite connection (the `certificates` table of
 * migration 2). Writes are small and rare (an enrollment, a renewal, a revocation), so each is
 * its own statement, committed before its promise resolves.
 */
import type { Database, Statement } from 'better-sqlite3';
import { writeWhenFree } from './sqlite-connection.js';
import { storeError } from './sqlite-errors.js';
import type { CertificateStore, IssuedCertificate } from './store.js';

interface CertificateRow {
  serial: string;
  host: string;
  issued_at: number;
  not_after: number;
  revoked_at: number | null;
}

export class SqliteCertificates implements CertificateStore {
  private readonly insert: Statement<[string, string, number, number]>;
  private readonly revoke: Statement<[number, string], { serial: string }>;
  private readonly select: Statement<[number], CertificateRow>;

  constructor(
    db: Database,
    private readonly path: string,
    private readonly checkOpen: () => void,
  ) {
    this.insert = db.prepare('INSERT INTO certificates (serial, host, issued_at, not_after) VALUES (?, ?, ?, ?)');
    this.revoke = db.prepare('UPDATE certificates SET revoked_at = ? WHERE host = ? AND revoked_at IS NULL RETURNING serial');
    this.select = db.prepare('SELECT serial, host, issued_at, not_after, revoked_at FROM certificates WHERE not_after > ? ORDER BY issued_at');
  }

  async recordIssued(certificate: Omit<IssuedCertificate, 'revokedAt'>): Promise<void> {
    this.checkOpen();
    try {
      await writeWhenFree(() => this.insert.run(certificate.serial, certificate.host, certificate.issuedAt, certificate.notAfter));
    } catch (err) {
      throw storeError(this.path, `recording the certificate issued to host ${certificate.host}`, err);
    }
  }

  async revokeHost(host: string, time: number): Promise<string[]> {
    this.checkOpen();
    try {
      return (await writeWhenFree(() => this.revoke.all(time, host))).map((row) => row.serial);
    } catch (err) {
      throw storeError(this.path, `revoking the certificates of host ${host}`, err);
    }
  }

  async listCertificates(now: number): Promise<IssuedCertificate[]> {
    this.checkOpen();
    try {
      return this.select.all(now).map((row) => ({
        serial: row.serial,
        host: row.host,
        issuedAt: row.issued_at,
        notAfter: row.not_after,
        revokedAt: row.revoked_at,
      }));
    } catch (err) {
      throw storeError(this.path, 'reading the issued certificates', err);
    }
  }
}
