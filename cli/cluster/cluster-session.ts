/**
 * One cluster-mode fleetctl run's link to fleet-controller: the address and credentials, the
 * scope defaults from the flags before the action, and the clients, connected on first use. The gRPC client
 * module is imported only then, so `help` and usage errors load neither node:http2 nor the
 * generated codecs (fleetctl's start-up is measured: bench:ctl).
 */
import type { HostScope } from '../../common/address.js';
import type { AdminClient } from '../client/admin-client.js';
import type { ControllerAddress } from '../client/controller-address.js';
import type { ControllerClient } from '../client/controller-client.js';
import type { ControllerConnection } from '../client/controller-connection.js';
import type { ClusterOptions, OutputFormat } from '../options.js';
import type { ClusterCredentials } from './credentials.js';
import { mergeScope, scopeOf, type ScopeFlags } from './scope.js';

/** Opens a client for the controller; the default loads the gRPC adapter. */
export type ConnectControllerFn = (connection: ControllerConnection) => ControllerClient | Promise<ControllerClient>;
/** Opens an AdminService client (token, audit); the default loads its gRPC adapter. */
export type ConnectAdminFn = (connection: ControllerConnection) => AdminClient | Promise<AdminClient>;

const defaultConnect: ConnectControllerFn = async (connection) => {
  const { connectController } = await import('../client/grpc-controller-client.js');
  return connectController(connection);
};

const defaultConnectAdmin: ConnectAdminFn = async (connection) => {
  const { connectAdmin } = await import('../client/grpc-admin-client.js');
  return connectAdmin(connection);
};

export interface ClusterSessionOptions extends Omit<ClusterOptions, 'credentials'> {
  /** Plaintext without a token when not given (tests with a fake client). */
  credentials?: ClusterCredentials;
  /** The -o given before the action; a command's own -o wins. */
  output: OutputFormat;
  connect?: ConnectControllerFn;
  connectAdmin?: ConnectAdminFn;
}

export class ClusterSession {
  readonly controller: ControllerAddress;
  readonly output: OutputFormat;
  readonly defaultHost: string;
  private readonly globalScope: ScopeFlags;
  private readonly connection: ControllerConnection;
  private readonly connect: ConnectControllerFn;
  private readonly connectAdmin: ConnectAdminFn;
  private current: Promise<ControllerClient> | null = null;
  private currentAdmin: Promise<AdminClient> | null = null;

  constructor(options: ClusterSessionOptions) {
    this.controller = options.controller;
    this.output = options.output;
    this.defaultHost = options.defaultHost;
    this.globalScope = options.scope;
    const credentials = options.credentials ?? { insecure: true, token: null, caPem: null };
    this.connection = {
      address: options.controller,
      insecure: credentials.insecure,
      ...(credentials.caPem !== null ? { caPem: credentials.caPem } : {}),
      ...(credentials.token !== null ? { token: credentials.token } : {}),
    };
    this.connect = options.connect ?? defaultConnect;
    this.connectAdmin = options.connectAdmin ?? defaultConnectAdmin;
  }

  /** Whether fleetctl talks plaintext to a controller in development mode. */
  get insecure(): boolean {
    return this.connection.insecure;
  }

  /** The controller's address as given. */
  get address(): string {
    return this.controller.text;
  }

  /** The client, connected on first use. */
  client(): Promise<ControllerClient> {
    this.current ??= Promise.resolve(this.connect(this.connection));
    return this.current;
  }

  /** The AdminService client (token, audit), connected on first use. */
  admin(): Promise<AdminClient> {
    this.currentAdmin ??= Promise.resolve(this.connectAdmin(this.connection));
    return this.currentAdmin;
  }

  /** The scope flags in force for one command: its own, else those before the action. */
  scopeFlagsFor(command: ScopeFlags): ScopeFlags {
    return mergeScope(this.globalScope, command);
  }

  /** The scope of one command: its scope flags in force, else the default host. */
  scopeFor(command: ScopeFlags): HostScope | Error {
    return scopeOf(this.scopeFlagsFor(command), this.defaultHost);
  }

  /** Closes the client; the next call connects again. Idempotent. */
  close(): void {
    for (const current of [this.current, this.currentAdmin]) {
      void current?.then(
        (client) => client.close(),
        () => {},
      );
    }
    this.current = null;
    this.currentAdmin = null;
  }
}
