/**
 * What fleetctl's clients of the controller share (FleetService in grpc-controller-client.ts,
 * AdminService in grpc-admin-client.ts): one transport to the controller, set up from the
 * connection (TLS with the pinned CA and the token, or --insecure), unary calls under
 * fleetctl's deadline, server streams that end quietly when their signal aborts, and failures
 * as FleetErrors that name the controller.
 */
import { controllerEndpoint, controllerTransportOptions, type ControllerConnection } from './controller-connection.js';
import { GrpcTransport, type GrpcMethod } from './grpc-transport.js';
import { toControllerError } from './wire-errors.js';

/** How long a unary call (a listing, a history query) may take before fleetctl gives up on the controller. */
export const UNARY_TIMEOUT_MS = 30_000;

export abstract class ControllerRpc {
  readonly address: string;
  private readonly transport: GrpcTransport;

  constructor(connection: ControllerConnection) {
    this.address = connection.address.text;
    this.transport = new GrpcTransport(controllerEndpoint(connection), controllerTransportOptions(connection));
  }

  close(): void {
    this.transport.close();
  }

  protected async unary<Req, Res>(method: GrpcMethod<Req, Res>, request: Req, signal?: AbortSignal): Promise<Res> {
    try {
      return await this.transport.unary(method, request, { signal, deadline: Date.now() + UNARY_TIMEOUT_MS });
    } catch (err) {
      throw toControllerError(err, this.address);
    }
  }

  /** A server stream; it ends quietly when `signal` aborts, and fails with a FleetError otherwise. */
  protected async *stream<Req, Res>(method: GrpcMethod<Req, Res>, request: Req, signal?: AbortSignal): AsyncGenerator<Res> {
    if (signal?.aborted) return;
    try {
      yield* this.transport.serverStream(method, request, { signal });
    } catch (err) {
      if (signal?.aborted) return;
      throw toControllerError(err, this.address);
    }
  }
}
