/**
 * What every TLS client of fleet-controller checks, whatever address it dialled: the server
 * certificate must chain to the controller's own CA (pinned: its fingerprint at enrollment, its
 * PEM afterwards) and carry the fixed DNS name `fleet-controller`, as Nomad's servers carry
 * `server.global.nomad`. Users therefore never list every name agents might dial.
 */
import { createHash, X509Certificate } from 'node:crypto';

/** The name the controller's server certificate always carries, and the one clients verify. */
export const CONTROLLER_TLS_NAME = 'fleet-controller';

/** `sha256:<64 lower-case hex>` of a certificate's DER bytes: how a CA is named on the command line. */
export function certificateFingerprint(certificate: X509Certificate | Uint8Array): string {
  const der = certificate instanceof X509Certificate ? certificate.raw : certificate;
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/**
 * A fingerprint as a user may paste it: `sha256:` followed by 64 hex digits, in either case,
 * with or without colons between bytes (as `openssl x509 -fingerprint` prints it). Returns
 * the canonical form, or an Error that says what was expected.
 */
export function parseFingerprint(text: string): string | Error {
  const match = /^sha256:((?:[0-9a-f]{2}:?){31}[0-9a-f]{2})$/i.exec(text.trim());
  if (!match) {
    return new Error(
      `not a CA fingerprint: ${JSON.stringify(text)}; expected sha256: and 64 hex digits, as fleet-controller prints it at start (or: fleet-controller ca-fingerprint --data DIR)`,
    );
  }
  return `sha256:${match[1]!.replace(/:/g, '').toLowerCase()}`;
}
