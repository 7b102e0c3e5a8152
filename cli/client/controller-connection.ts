/**
 * How fleetctl reaches fleet-controller: its address and the credentials cluster mode worked
 * out (cli/cluster/credentials.ts), turned here into what the gRPC transport takes: where to
 * connect and the metadata every call carries (`authorization: Bearer <token>`).
 */
import { CONTROLLER_TLS_NAME } from '../../common/controller-tls.js';
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

/**
 * Where the transport connects: plaintext in insecure mode; otherwise TLS that trusts the
 * controller's CA alone (the system's roots when none is given) and checks the controller's
 * fixed name `fleet-controller`, whatever address was dialled.
 */
export function controllerEndpoint(connection: ControllerConnection): GrpcEndpoint {
  const { host, port } = connection.address;
  if (connection.insecure) return { kind: 'tcp', host, port };
  return { kind: 'tls', host, port, caPem: connection.caPem, serverName: CONTROLLER_TLS_NAME };
}

/** The transport's options: the token on every call. */
export function controllerTransportOptions(connection: ControllerConnection): GrpcTransportOptions {
  return connection.token ? { metadata: { authorization: `Bearer ${connection.token}` } } : {};
}
