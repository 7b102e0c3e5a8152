/**
 * One cluster-mode fleetctl run's link to fleet-controller: the address, the scope defaults
 * from the flags before the action, and the client, connected on first use. The gRPC client
 * module is imported only then, so `help` and usage errors load neither node:http2 nor the
 * generated codecs (fleetctl's start-up is measured: bench:ctl).
 */
import type { HostScope } from '../../common/address.js';
import type { ControllerAddress } from '../client/controller-address.js';
import type { ControllerClient } from '../client/controller-client.js';
import type { ClusterOptions, OutputFormat } from '../options.js';
import { mergeScope, scopeOf, type ScopeFlags } from './scope.js';

/** Opens a client for the controller; the default loads the gRPC adapter. */
export type ConnectControllerFn = (address: ControllerAddress) => ControllerClient | Promise<ControllerClient>;

const defaultConnect: ConnectControllerFn = async (address) => {
  const { connectController } = await import('../client/grpc-controller-client.js');
  return connectController(address);
};

export interface ClusterSessionOptions extends ClusterOptions {
  /** The -o given before the action; a command's own -o wins. */
  output: OutputFormat;
  connect?: ConnectControllerFn;
}

export class ClusterSession {
  readonly controller: ControllerAddress;
  readonly output: OutputFormat;
  readonly defaultHost: string;
  private readonly globalScope: ScopeFlags;
  private readonly connect: ConnectControllerFn;
  private current: Promise<ControllerClient> | null = null;

  constructor(options: ClusterSessionOptions) {
    this.controller = options.controller;
    this.output = options.output;
    this.defaultHost = options.defaultHost;
    this.globalScope = options.scope;
    this.connect = options.connect ?? defaultConnect;
  }

  /** The controller's address as given. */
  get address(): string {
    return this.controller.text;
  }

  /** The client, connected on first use. */
  client(): Promise<ControllerClient> {
    this.current ??= Promise.resolve(this.connect(this.controller));
    return this.current;
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
    const current = this.current;
    this.current = null;
    void current?.then(
      (client) => client.close(),
      () => {},
    );
  }
}
