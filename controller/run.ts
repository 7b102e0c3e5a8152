/**
 * A running controller: the store in the data dir, the core, the gRPC server and the HTTP
 * server, opened in that order and closed in reverse: agent streams are ended first (they
 * reconnect later and resend whatever was not acked), then the servers, then the store is
 * flushed and closed. Used by main.ts and by tests that run a controller in-process.
 */
import { join } from 'node:path';
import { openSqliteStore } from './store/sqlite-store.js';
import type { FleetStore } from './store/store.js';
import { ControllerCore, type ControllerCoreOptions } from './core/controller-core.js';
import { AccessControl } from './auth/access-control.js';
import type { FailureLimiterOptions } from './auth/failure-limiter.js';
import { Sessions } from './auth/sessions.js';
import { TokenAdmin } from './auth/token-admin.js';
import type { AgentServiceOptions } from './grpc/agent-service.js';
import { startGrpcServer, type ControllerGrpcServer } from './grpc/grpc-server.js';
import { tlsServerCredentials } from './grpc/tls-credentials.js';
import { AgentCertificates } from './pki/agent-certificates.js';
import { openControllerPki } from './pki/controller-pki.js';
import { serverNames } from './pki/server-names.js';
import { startHttpServer, type ControllerHttpServer } from './http/http-server.js';
import type { ListenAddress } from './listen-address.js';
import { silentLog, type ControllerLog } from './log.js';

/** The database file inside --data. */
export const DATABASE_FILE = 'fleet.db';

export interface StartControllerOptions {
  listen: ListenAddress;
  http: ListenAddress;
  dataDir: string;
  heartbeatMs: number;
  log?: ControllerLog;
  /** The controller cannot go on (its store's writer thread died): logged, then this is called once. The owner should close it and exit non-zero. */
  onFatal?: (err: Error) => void;
  /** Core settings beyond the command line (timeouts, throttle), for tests and benchmarks. */
  core?: Omit<ControllerCoreOptions, 'store' | 'heartbeatMs' | 'log'>;
  /**
   * Secure mode's authentication: every call needs a token (clients) or a client certificate
   * (agents), checked against controller/auth/rpc-roles.ts. Absent: insecure mode, every
   * caller anonymous with no limit.
   */
  auth?: ControllerAuthOptions;
  /**
   * Secure mode's transport: TLS on --listen with the CA and server certificate in DATA/pki
   * (created on the first start), agents identified by their client certificates. Absent:
   * plaintext (insecure mode).
   */
  tls?: ControllerTlsOptions;
}

export interface ControllerAuthOptions {
  /** How many failed authentications an origin may make, and how fast it may go on (failure-limiter.ts). */
  failures?: FailureLimiterOptions;
  /** The host name an agent's call is authenticated as (its client certificate's); agents' calls are refused without one. */
  agentIdentityOf?: AgentServiceOptions['identityOf'];
}

/** Secure mode's transport (controller/pki): TLS with the controller's own CA, agents by client certificate. */
export interface ControllerTlsOptions {
  /** How long agent certificates are valid (--cert-ttl; 30 days by default). */
  certTtlMs?: number;
  /** Extra DNS names and IP addresses for the server certificate (--san). */
  extraNames?: readonly string[];
}

/** The controller's CA, for its users: the fingerprint agents pin, the PEM fleetctl trusts. */
export interface ControllerCa {
  /** `sha256:<hex>`. */
  fingerprint: string;
  pem: string;
  /** Whether this start created it (the first secure start with this --data). */
  created: boolean;
}

export interface RunningController extends AsyncDisposable {
  readonly core: ControllerCore;
  /** Secure mode's CA; null in insecure mode. */
  readonly ca: ControllerCa | null;
  /** `127.0.0.1:7400`, the port actually bound. */
  readonly grpcAddress: string;
  /** `http://127.0.0.1:7401`, the port actually bound. */
  readonly httpUrl: string;
  readonly databasePath: string;
  /** Idempotent. */
  close(): Promise<void>;
}

export async function startController(options: StartControllerOptions): Promise<RunningController> {
  // TLS without tokens would let anyone enroll an agent (EnrollService.Join needs a join token) and act as admin.
  if (options.tls && !options.auth) throw new Error('startController: tls needs auth too: secure mode is both (fleet-controller without --insecure)');
  const log = options.log ?? silentLog;
  const databasePath = join(options.dataDir, DATABASE_FILE);
  const store = await openSqliteStore({
    path: databasePath,
    onError: (err) => log.error(err.message),
    onFatal: (err) => {
      log.error(err.message);
      options.onFatal?.(err);
    },
  });
  let core: ControllerCore | null = null;
  let grpc: ControllerGrpcServer | null = null;
  try {
    core = await ControllerCore.open({ ...options.core, store, heartbeatMs: options.heartbeatMs, log });
    const recorder = core;
    const admin = new TokenAdmin({ tokens: store.tokens, record: (caller, record) => recorder.recordAction(caller, record), recorded: () => recorder.actionsRecorded() });
    const access = options.auth
      ? new AccessControl({ tokens: store.tokens, log, failures: options.auth.failures, audit: (caller, record) => recorder.recordAction(caller, record) })
      : undefined;
    // The server certificate serves the dashboard too, so it names the --http address as well.
    const pki = options.tls ? await openControllerPki(options.dataDir, serverNames(options.listen, [options.http.host, ...(options.tls.extraNames ?? [])])) : null;
    const certificates = pki ? await AgentCertificates.open({ ca: pki.ca, store: store.certificates, lifetimeMs: options.tls?.certTtlMs }) : undefined;
    grpc = await startGrpcServer({
      core,
      admin,
      access,
      agentIdentityOf: options.auth?.agentIdentityOf,
      certificates,
      credentials: pki ? tlsServerCredentials(pki) : undefined,
      log,
      address: options.listen,
    });
    const sessions = access ? new Sessions({ tokens: store.tokens, access }) : undefined;
    // Secure mode serves the dashboard over https with the same certificate as gRPC: tokens and
    // session cookies never cross the network in clear. Plain http is insecure mode's, on loopback.
    const http = await startHttpServer({
      core,
      address: options.http,
      log,
      auth: access && sessions ? { access, sessions } : undefined,
      tls: pki ? { key: pki.serverKeyPem, cert: pki.serverChainPem } : undefined,
    });
    const ca = pki ? { fingerprint: pki.ca.fingerprint, pem: pki.ca.certificatePem, created: pki.created } : null;
    return new Running(store, core, grpc, http, databasePath, ca);
  } catch (err) {
    await core?.close();
    await grpc?.close();
    await core?.actionsRecorded();
    await store.close();
    throw err;
  }
}

class Running implements RunningController {
  private closed: Promise<void> | null = null;

  constructor(
    private readonly store: FleetStore,
    readonly core: ControllerCore,
    private readonly grpc: ControllerGrpcServer,
    private readonly http: ControllerHttpServer,
    readonly databasePath: string,
    readonly ca: ControllerCa | null,
  ) {}

  get grpcAddress(): string {
    return this.grpc.address;
  }

  get httpUrl(): string {
    return this.http.url;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.core.close();
      await Promise.all([this.grpc.close(), this.http.close()]);
      // Calls the servers let finish may have answered and left their actions being recorded.
      await this.core.actionsRecorded();
      await this.store.close();
    })();
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
