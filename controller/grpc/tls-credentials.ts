/**
 * Secure mode's transport on grpc-js: one port for everything, TLS with the controller's server
 * certificate (and the CA after it, so a joining agent can fetch and pin the CA). A client
 * certificate is asked for but not required: fleetctl comes with a bearer token alone, and
 * EnrollService.Join with a join token. When a certificate is presented, TLS checks it against
 * the controller's CA (signature, validity); grpc-js then exposes it on the call, and
 * agentIdentityOf() asks the PKI whose it is (clientAuth, issued here, not revoked).
 */
import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { AgentCertificates } from '../pki/agent-certificates.js';
import type { ControllerPki } from '../pki/controller-pki.js';

/** Server credentials from the controller's PKI files: TLS, client certificates requested and checked against the CA. */
export function tlsServerCredentials(pki: ControllerPki): ServerCredentials {
  const ca = { caCertificate: Buffer.from(pki.ca.certificatePem) };
  const identity = { certificate: Buffer.from(pki.serverChainPem), privateKey: Buffer.from(pki.serverKeyPem) };
  // One provider for both roles: grpc-js 1.14's createCertificateProviderServerCredentials
  // passes its first two arguments to the constructor in the opposite order to its typings.
  // The listeners are called in a microtask, as grpc-js's own providers do: called at once,
  // the update would arrive before the server registers its watcher, and the server would
  // drop every connection for want of credentials.
  const provider: experimental.CertificateProvider = {
    addCaCertificateListener: (listener) => queueMicrotask(() => listener(ca)),
    removeCaCertificateListener: () => {},
    addIdentityCertificateListener: (listener) => queueMicrotask(() => listener(identity)),
    removeIdentityCertificateListener: () => {},
  };
  return experimental.createCertificateProviderServerCredentials(provider, provider, false);
}

/** What the identity check reads of a grpc-js server call. */
export interface CallWithAuthContext {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null;
}

/**
 * The host the call's client certificate was issued to, or a FleetError (UNAUTHENTICATED)
 * saying why the certificate is not accepted. For the call gate and the services that need the
 * identity itself (AgentService.Connect's hello check, EnrollService.Renew).
 */
export function agentIdentityOf(certificates: AgentCertificates): (call: CallWithAuthContext) => string {
  return (call) => certificates.identify(peerCertificateOf(call));
}

/** The certificate TLS verified against the CA, or undefined (none presented, or not accepted). */
export function peerCertificateOf(call: CallWithAuthContext): PeerCertificate | undefined {
  return call.getAuthContext()?.sslPeerCertificate;
}
