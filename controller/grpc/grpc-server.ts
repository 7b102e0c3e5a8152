/**
 * The controller's gRPC server: AgentService for agents, FleetService and AdminService for
 * fleetctl, EnrollService for agents joining, on one address: TLS with the controller's own CA
 * in secure mode (tls-credentials.ts), plaintext in insecure mode. Every method of every service
 * passes the call gate (call-gate.ts) first: anonymous in insecure mode, tokens and agent
 * certificates by the role table (controller/auth/rpc-roles.ts) in secure mode. It bounds what
 * one message may be (a bigger frame ends that stream with RESOURCE_EXHAUSTED; a frame that
 * does not decode ends it with INTERNAL; grpc-js answers both before our code sees anything,
 * and the server carries on) and pings idle connections, so a peer that vanished without
 * closing its TCP connection is noticed.
 */
import { Server, ServerCredentials, setLogger } from '@grpc/grpc-js';
import { AdminServiceDefinition } from '../../proto/gen/fleet/v1/admin.js';
import { AgentServiceDefinition } from '../../proto/gen/fleet/v1/agent_link.js';
import { EnrollServiceDefinition } from '../../proto/gen/fleet/v1/enroll.js';
import { FleetServiceDefinition } from '../../proto/gen/fleet/v1/fleet.js';
import { grpcServiceDefinition, type GenericService, type GrpcServiceImplementation } from '../../proto/grpc-js.js';
import type { AccessControl } from '../auth/access-control.js';
import type { TokenAdmin } from '../auth/token-admin.js';
import type { ControllerCore } from '../core/controller-core.js';
import { formatListenAddress, type ListenAddress } from '../listen-address.js';
import { silentLog, type ControllerLog } from '../log.js';
import { createAdminService } from './admin-service.js';
import type { AgentCertificates } from '../pki/agent-certificates.js';
import { agentServiceDefinition, createAgentService, type AgentServiceOptions } from './agent-service.js';
import { createEnrollService } from './enroll-service.js';
import { gateService, openGate, tokenGate, type AgentIdentityOf } from './call-gate.js';
import { createFleetService } from './fleet-service.js';
import { agentIdentityOf } from './tls-credentials.js';

/** Every service the controller serves: each method needs an entry in controller/auth/rpc-roles.ts (a test walks them all). */
export const SERVED_SERVICES: readonly GenericService[] = [AgentServiceDefinition, FleetServiceDefinition, AdminServiceDefinition, EnrollServiceDefinition];

/** The largest message either service accepts: snapshots of thousands of processes and 64 KB log chunks fit easily. */
export const MAX_RECEIVE_BYTES = 4 * 1024 * 1024;

export interface GrpcServerOptions {
  core: ControllerCore;
  /** Tokens and the audit trail (AdminService). */
  admin: TokenAdmin;
  address: ListenAddress;
  /** TLS in secure mode (tls-credentials.ts); plaintext by default (insecure mode). */
  credentials?: ServerCredentials;
  /**
   * Secure mode's agent certificates: enrollment (EnrollService), host revocation, and the
   * identity of agent streams (unless agentIdentityOf says otherwise). Absent: insecure mode.
   */
  certificates?: AgentCertificates;
  log?: ControllerLog;
  /** Secure mode: who may call what (tokens, roles, scopes). Absent: insecure mode, every caller anonymous. */
  access?: AccessControl;
  /** The host an agent stream is authenticated as (its certificate's name under mutual TLS); none by default. */
  agentIdentityOf?: AgentServiceOptions['identityOf'];
  maxReceiveBytes?: number;
  /** How long close() lets calls finish before cutting them (2 s by default). */
  closeGraceMs?: number;
}

export interface ControllerGrpcServer extends AsyncDisposable {
  /** `127.0.0.1:7400`, with the port actually bound. */
  readonly address: string;
  /** Lets calls in progress finish (up to the grace period), then cuts the rest. Idempotent. */
  close(): Promise<void>;
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<ControllerGrpcServer> {
  const heartbeatMs = options.core.heartbeatMs;
  const server = new Server({
    'grpc.max_receive_message_length': options.maxReceiveBytes ?? MAX_RECEIVE_BYTES,
    'grpc.max_send_message_length': -1,
    // Transport-level liveness for dead TCP peers; the heartbeats do it for the streams' content.
    'grpc.keepalive_time_ms': Math.max(1000, 2 * heartbeatMs),
    'grpc.keepalive_timeout_ms': Math.max(1000, heartbeatMs),
  });
  const certificates = options.certificates ?? null;
  const identityOf = options.agentIdentityOf ?? (certificates ? agentIdentityOf(certificates) : undefined);
  const gate = options.access ? tokenGate(options.access, identityOf as AgentIdentityOf | undefined) : openGate();
  const guard = { closing: options.core.closingSignal };
  const add = <S extends GenericService>(service: S, impl: GrpcServiceImplementation<S>, definition = grpcServiceDefinition(service)): void => {
    // The role-table test walks SERVED_SERVICES: a service outside it would go untested.
    if (!SERVED_SERVICES.includes(service)) throw new Error(`${service.fullName} is served but not listed in SERVED_SERVICES (grpc-server.ts)`);
    server.addService(definition, gateService(service, impl, gate));
  };
  add(AgentServiceDefinition, createAgentService(options.core, { identityOf }), agentServiceDefinition());
  add(FleetServiceDefinition, createFleetService(options.core, guard, certificates ? { certificates, log: options.log ?? silentLog } : null));
  add(
    EnrollServiceDefinition,
    createEnrollService({
      ...guard,
      certificates,
      log: options.log ?? silentLog,
      recordJoin: (caller, host, outcome) =>
        options.core.recordAction(caller, { action: 'join', addresses: [], hosts: [host], failures: outcome === 'ok' ? [] : [`${host} ${outcome}`] }),
    }),
  );
  add(AdminServiceDefinition, createAdminService(options.admin, guard));
  const target = formatListenAddress(options.address);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(target, options.credentials ?? ServerCredentials.createInsecure(), (err, bound) => {
      if (!err) return resolve(bound);
      const inUse = /EADDRINUSE/.test(err.message);
      server.forceShutdown();
      reject(new Error(`cannot listen for gRPC on ${target}: ${inUse ? 'the address is already in use (another controller?)' : err.message}`));
    });
  });
  const host = options.address.host === '' ? '0.0.0.0' : options.address.host;
  return new RunningGrpcServer(server, `${host.includes(':') ? `[${host}]` : host}:${port}`, options.closeGraceMs ?? 2000);
}

class RunningGrpcServer implements ControllerGrpcServer {
  private closed: Promise<void> | null = null;

  constructor(
    private readonly server: Server,
    readonly address: string,
    private readonly graceMs: number,
  ) {}

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.server.forceShutdown(), this.graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * grpc-js's own diagnostics (it prints them to stderr by default, `E No address added...`) go
 * through the controller's log instead, as warnings, so stderr stays one format. Process-wide:
 * the executable calls it once.
 */
export function routeGrpcLogs(log: ControllerLog): void {
  const line = (...args: unknown[]): void => log.warn(`grpc-js: ${args.map(String).join(' ')}`);
  setLogger({ error: line, warn: line, info: line, debug: line } as unknown as Console);
}
