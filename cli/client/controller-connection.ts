/**
 * How fleetctl reaches fleet-controller: its address and the credentials cluster mode worked
 * out (cli/cluster/credentials.ts), turned here into what the gRPC transport takes: where to
 * connect and the metadata every call carries (`authorization: Bearer <token>`).
 */
import type { ControllerAddress } from './controller-address.js';
import type { GrpcEndpoint, GrpcTransportOptions } from './grpc-transport.js';

export interface ControllerConnection {
  address: ControllerAddress;
  /** Plaintext: the controller's --insecure mode. */
  insecure: boolean;
  /** The controller's CA certificate (PEM), pinned for TLS; absent in insecure mode. */
  caPem?: string;
  /** An API token, sent with every call. */
  token?: string;
}

/** Where the transport connects. TLS (secure mode) is the transport's to add: this is where its endpoint kind goes. */
export function controllerEndpoint(connection: ControllerConnection): GrpcEndpoint {
  return { kind: 'tcp', host: connection.address.host, port: connection.address.port };
}

/** The transport's options: the token on every call. */
export function controllerTransportOptions(connection: ControllerConnection): GrpcTransportOptions {
  return connection.token ? { metadata: { authorization: `Bearer ${connection.token}` } } : {};
}
