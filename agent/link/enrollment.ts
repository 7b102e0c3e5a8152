/**
 * Enrollment with fleet-controller (enroll.proto), from the agent's side:
 *
 *   join:  1. a bare TLS connection fetches the controller's certificate chain; the CA in it must
 *             have the fingerprint the operator gave (`--ca-fingerprint`), and the server
 *             certificate must be signed by it and name `fleet-controller`; nothing is sent.
 *          2. a new key pair; its CSR goes to EnrollService.Join over TLS verified against that
 *             CA, with the join token as `authorization: Bearer`.
 *          3. agent.key, agent.crt and ca.crt are written to state_dir (agent-credentials.ts).
 *   renew: the same key, a new CSR, EnrollService.Renew over mutual TLS with the current
 *          certificate; the new certificate replaces agent.crt.
 *
 * The certificate code (@peculiar/x509) is loaded only here, when one of them runs.
 */
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect, type DetailedPeerCertificate } from 'node:tls';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { certificateFingerprint, CONTROLLER_TLS_NAME } from '../../common/controller-tls.js';
import { errorCodeOf, FAULT_METADATA_KEY, FleetError } from '../../common/errors.js';
import { splitHostPort } from '../../common/host-port.js';
import { EnrollServiceDefinition, type IssuedCertificate } from '../../proto/gen/fleet/v1/enroll.js';
import { grpcClientConstructor } from '../../proto/grpc-js.js';
import { writeCredentials, type AgentCredentials } from './agent-credentials.js';
import { CONTROLLER_CHANNEL_OPTIONS, controllerCredentials } from './controller-tls.js';

const EnrollClient = grpcClientConstructor(EnrollServiceDefinition);

/** How long one enrollment step may take before it is given up. */
const ENROLL_TIMEOUT_MS = 30_000;

export interface JoinOptions {
  /** `host:port` of the controller. */
  controller: string;
  token: string;
  /** `sha256:<hex>` (common/controller-tls.ts parseFingerprint's form). */
  caFingerprint: string;
  /** The host name to enroll as ([fleet] host). */
  host: string;
  stateDir: string;
  timeoutMs?: number;
}

/** Enrolls the agent and stores its credentials; throws a FleetError saying what went wrong and what to do. */
export async function joinController(options: JoinOptions): Promise<AgentCredentials> {
  const timeoutMs = options.timeoutMs ?? ENROLL_TIMEOUT_MS;
  const caPem = await fetchControllerCa(options.controller, options.caFingerprint, timeoutMs);
  const { createCsrPem, generateKeyPair, privateKeyPem } = await import('../../common/x509.js');
  const keys = await generateKeyPair();
  const csrPem = await createCsrPem(options.host, keys);
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${options.token}`);
  const issued = await call(options.controller, caPem, undefined, 'join', (client, deadline, done) =>
    client.join({ host: options.host, csrPem }, metadata, { deadline }, done),
  timeoutMs);
  checkIssued(issued, caPem, options.host, options.controller);
  return writeCredentials(options.stateDir, { keyPem: await privateKeyPem(keys.privateKey), certificatePem: issued.certificatePem, caPem });
}

/** A new certificate for the same host and key; the old one stays valid until it expires. */
export async function renewCertificate(controller: string, stateDir: string, current: AgentCredentials, timeoutMs = ENROLL_TIMEOUT_MS): Promise<AgentCredentials> {
  const { createCsrPem, importKeyPair } = await import('../../common/x509.js');
  const csrPem = await createCsrPem(current.host, await importKeyPair(current.keyPem));
  const issued = await call(controller, current.caPem, current, 'renew', (client, deadline, done) =>
    client.renew({ csrPem }, new Metadata(), { deadline }, done),
  timeoutMs);
  checkIssued(issued, current.caPem, current.host, controller);
  return writeCredentials(stateDir, { certificatePem: issued.certificatePem, caPem: current.caPem });
}

/**
 * The controller's CA certificate (PEM), taken from the chain the controller presents and
 * accepted only when its fingerprint is `fingerprint` and it signed the controller's
 * certificate for `fleet-controller`.
 */
export async function fetchControllerCa(controller: string, fingerprint: string, timeoutMs = ENROLL_TIMEOUT_MS): Promise<string> {
  const parts = splitHostPort(controller);
  if (parts === null || parts.host === '' || parts.port === null) throw new FleetError('BAD_ARGUMENTS', `not a controller address: ${JSON.stringify(controller)} (host:port)`);
  const chain = await presentedChain(parts.host, parts.port, timeoutMs, controller);
  const ca = chain.find((c) => certificateFingerprint(c) === fingerprint);
  if (!ca) {
    throw new FleetError(
      'UNAUTHENTICATED',
      `the controller at ${controller} presented certificates with fingerprints ${chain.map((c) => certificateFingerprint(c)).join(', ')}, none of them ${fingerprint}: ` +
        'check the fingerprint (fleet-controller prints it at start; fleet-controller ca-fingerprint --data DIR prints it again) and the address; nothing was sent to that controller',
    );
  }
  const server = chain[0]!;
  if (!server.checkIssued(ca) || !server.verify(ca.publicKey) || server.checkHost(CONTROLLER_TLS_NAME) === undefined) {
    throw new FleetError('UNAUTHENTICATED', `the controller at ${controller} presented a server certificate that its CA ${fingerprint} did not issue for ${CONTROLLER_TLS_NAME}; nothing was sent`);
  }
  return ca.toString();
}

/** The certificates the TLS server at host:port presents, its own first. */
function presentedChain(host: string, port: number, timeoutMs: number, controller: string): Promise<X509Certificate[]> {
  return new Promise((resolve, reject) => {
    // The chain is checked by fingerprint below; the usual verification cannot apply to a CA
    // that nothing trusts yet.
    const socket = tlsConnect({ host, port, servername: CONTROLLER_TLS_NAME, rejectUnauthorized: false, ALPNProtocols: ['h2'], timeout: timeoutMs });
    const fail = (why: string): void => {
      socket.destroy();
      reject(new FleetError('HOST_UNREACHABLE', `cannot fetch the controller's certificates from ${controller}: ${why}`));
    };
    socket.once('timeout', () => fail(`no TLS handshake within ${timeoutMs} ms (is it a fleet-controller started without --insecure?)`));
    socket.once('error', (err) => fail(`${err.message}${/wrong version number|packet length too long/i.test(err.message) ? ' (the controller runs with --insecure? It has no TLS then)' : ''}`));
    socket.once('secureConnect', () => {
      const chain: X509Certificate[] = [];
      let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (cert?.raw && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        chain.push(new X509Certificate(cert.raw));
        cert = cert.issuerCertificate;
      }
      socket.destroy();
      if (chain.length === 0) fail('it presented no certificate');
      else resolve(chain);
    });
  });
}

type EnrollClientInstance = InstanceType<typeof EnrollClient>;
type Callback<T> = (error: ServiceError | null, response?: T) => void;

/** One unary EnrollService call over TLS (mutual with `identity`); its failure as a FleetError. */
async function call<T extends { certificate?: IssuedCertificate }>(
  controller: string,
  caPem: string,
  identity: AgentCredentials | undefined,
  what: 'join' | 'renew',
  invoke: (client: EnrollClientInstance, deadline: Date, done: Callback<T>) => void,
  timeoutMs: number,
): Promise<IssuedCertificate> {
  const client = new EnrollClient(controller, controllerCredentials(caPem, identity), CONTROLLER_CHANNEL_OPTIONS);
  try {
    const response = await new Promise<T>((resolve, reject) =>
      invoke(client, new Date(Date.now() + timeoutMs), (error, response) => (error ? reject(error) : resolve(response!))),
    );
    if (!response.certificate) throw new FleetError('INTERNAL', `the controller at ${controller} answered the ${what} without a certificate`);
    return response.certificate;
  } catch (err) {
    if (err instanceof FleetError) throw err;
    throw refusal(err as ServiceError, controller, what);
  } finally {
    client.close();
  }
}

function refusal(err: ServiceError, controller: string, what: 'join' | 'renew'): FleetError {
  const fault = err.metadata?.get(FAULT_METADATA_KEY)[0];
  const status = GrpcStatus[err.code] ?? String(err.code);
  const code = fault !== undefined ? errorCodeOf(String(fault)) : err.code === GrpcStatus.UNAVAILABLE || err.code === GrpcStatus.DEADLINE_EXCEEDED ? 'HOST_UNREACHABLE' : 'FAILED';
  return new FleetError(code, `the controller at ${controller} refused the ${what}: ${status}: ${err.details || err.message}`);
}

/** The certificate must be for `host`, signed by the CA the agent pinned. */
function checkIssued(issued: IssuedCertificate, caPem: string, host: string, controller: string): void {
  const cert = new X509Certificate(issued.certificatePem);
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new FleetError('FAILED', `the controller at ${controller} sent a certificate its CA did not sign`);
  if (cert.subject !== `CN=${host}`) throw new FleetError('FAILED', `the controller at ${controller} sent a certificate for ${JSON.stringify(cert.subject)}, not CN=${host}`);
}
