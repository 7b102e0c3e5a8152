/**
 * A lean gRPC client over node:http2, for fleetctl: unary and server-streaming calls, with
 * nothing but Node's own modules, because loading @grpc/grpc-js costs a CLI run about 0.1 s
 * (bench/RESULTS.md, bench:ctl). It is generic: a method is its path and two functions that
 * encode the request and decode a response (grpcMethod() makes one from ts-proto's generic
 * definitions), so the same transport serves AgentControlService and, later, FleetService.
 *
 * Contract:
 * - One HTTP/2 connection per transport, made on the first call (unix socket or TCP) and made
 *   again after the server closed or drained it (GOAWAY). Calls never wait for a server to
 *   appear: no listener fails the call at once.
 * - A call resolves (or its iterable ends) when the server's status is OK. Otherwise it rejects
 *   with GrpcError (grpc-status.ts): the server's status and percent-decoded `grpc-message`,
 *   with its trailing metadata (a trailers-only answer's headers count as trailers); an answer
 *   without a gRPC status takes one from its HTTP status; a connection that failed or dropped
 *   is UNAVAILABLE with the system error as `cause` and `connected` telling the two apart.
 * - `signal` cancels the call (RST_STREAM CANCEL to the server); the call rejects with the
 *   signal's reason. `deadline` is sent as `grpc-timeout`, and the call fails with
 *   DEADLINE_EXCEEDED here too when it passes.
 * - Server streams keep at most STREAM_HIGH_WATER decoded messages ahead of their reader; past
 *   that the HTTP/2 stream is paused, so HTTP/2 flow control slows the server down. Leaving the
 *   `for await` early cancels the call.
 * - close() lets calls in progress finish and refuses new ones, then drops the connection
 *   without waiting for the server to close its end (a one-shot fleetctl exits at once). Idempotent.
 */
import { connect } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { startCall, type CallConnection, type CallHandlers, type RunningCall } from './grpc-call.js';
import { GrpcError, GrpcStatus } from './grpc-status.js';

/**
 * Where the server listens. `tls` (fleet-controller's secure mode) verifies the server against
 * one CA only, `caPem` (the system's roots when absent), and checks the name `serverName` in
 * its certificate whatever `host` is (the controller's fixed name `fleet-controller`:
 * common/controller-tls.ts).
 */
export type GrpcEndpoint =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'tls'; host: string; port: number; caPem?: string; serverName: string };

/** One RPC: `/package.Service/Method` and its codecs. */
export interface GrpcMethod<Req, Res> {
  readonly path: string;
  encode(request: Req): Uint8Array;
  decode(message: Uint8Array): Res;
}

/** The parts of one method of a ts-proto generic definition (outputServices=generic-definitions) that a client needs. */
export interface GenericMethodDefinition<Req, Res> {
  readonly name: string;
  readonly requestType: { encode(message: Req): { finish(): Uint8Array } };
  readonly responseType: { decode(input: Uint8Array): Res };
}

/** The GrpcMethod for a method of a ts-proto generic service definition. */
export function grpcMethod<Req, Res>(service: { readonly fullName: string }, method: GenericMethodDefinition<Req, Res>): GrpcMethod<Req, Res> {
  return {
    path: `/${service.fullName}/${method.name}`,
    encode: (request) => method.requestType.encode(request).finish(),
    decode: (message) => method.responseType.decode(message),
  };
}

type RequestOf<M> = M extends GenericMethodDefinition<infer Req, unknown> ? Req : never;
type ResponseOf<M> = M extends GenericMethodDefinition<never, infer Res> ? Res : never;

/** A GrpcMethod for every method of a ts-proto generic service definition, under the same keys. */
export function grpcMethods<S extends { readonly fullName: string; readonly methods: { readonly [key: string]: GenericMethodDefinition<never, unknown> } }>(
  service: S,
): { [K in keyof S['methods']]: GrpcMethod<RequestOf<S['methods'][K]>, ResponseOf<S['methods'][K]>> } {
  const methods: Record<string, GrpcMethod<never, unknown>> = {};
  for (const [key, method] of Object.entries(service.methods)) methods[key] = grpcMethod(service, method);
  return methods as { [K in keyof S['methods']]: GrpcMethod<RequestOf<S['methods'][K]>, ResponseOf<S['methods'][K]>> };
}

export interface GrpcTransportOptions {
  /** Metadata sent with every call, lower-case keys (`authorization: Basic ...`). */
  metadata?: Readonly<Record<string, string>>;
}

export interface GrpcCallOptions {
  /** Cancels the call; it then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** When the call must be over (a Date, or milliseconds since the epoch). */
  deadline?: Date | number;
}

/** Decoded messages a server stream holds for a slow reader before it pauses the HTTP/2 stream. */
export const STREAM_HIGH_WATER = 16;

/** Larger HTTP/2 windows than the 64 KiB default, so a big reply (1000 processes, a log read) needs no WINDOW_UPDATE round trips. */
const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;
const SESSION_WINDOW_BYTES = 16 * 1024 * 1024;

interface Connection extends CallConnection {
  connected: boolean;
  error: Error | null;
  /** Calls in progress on it. */
  active: number;
  /** close() was called: the session ends when its last call does. */
  closing: boolean;
}

export class GrpcTransport {
  private connection: Connection | null = null;
  private closed = false;
  private readonly metadata: Readonly<Record<string, string>>;

  constructor(
    readonly endpoint: GrpcEndpoint,
    options: GrpcTransportOptions = {},
  ) {
    this.metadata = options.metadata ?? {};
  }

  /** One request, one response. */
  unary<Req, Res>(method: GrpcMethod<Req, Res>, request: Req, options: GrpcCallOptions = {}): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      let response: { value: Res } | null = null;
      this.start(method.path, method.encode(request), options, {
        message: (bytes) => {
          if (response !== null) throw new Error('the server sent more than one response to a unary call');
          response = { value: method.decode(bytes) };
        },
        end: (error) => {
          if (error !== null) reject(error);
          else if (response === null) reject(new GrpcError(GrpcStatus.INTERNAL, 'the server sent no response to a unary call'));
          else resolve(response.value);
        },
      });
    });
  }

  /** One request, then the server's messages as they come, until its status. */
  async *serverStream<Req, Res>(method: GrpcMethod<Req, Res>, request: Req, options: GrpcCallOptions = {}): AsyncGenerator<Res, void, undefined> {
    const queue: Res[] = [];
    let outcome: { error: unknown } | null = null;
    let wake: (() => void) | null = null;
    let paused = false;
    const call = this.start(method.path, method.encode(request), options, {
      message: (bytes) => {
        queue.push(method.decode(bytes));
        if (queue.length >= STREAM_HIGH_WATER && !paused) {
          paused = true;
          call.pause();
        }
        wake?.();
      },
      end: (error) => {
        outcome = { error };
        wake?.();
      },
    });
    try {
      for (;;) {
        if (queue.length > 0) {
          const message = queue.shift()!;
          if (paused && queue.length < STREAM_HIGH_WATER / 2) {
            paused = false;
            call.resume();
          }
          yield message;
        } else if (outcome !== null) {
          const { error } = outcome;
          if (error !== null) throw error;
          return;
        } else {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      }
    } finally {
      call.cancel();
    }
  }

  /** Closes the connection once its calls are over; later calls throw. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const connection = this.connection;
    this.connection = null;
    if (connection === null) return;
    connection.closing = true;
    endIfIdle(connection);
  }

  /** The open connection, or a new one. */
  private connectionForCall(): Connection {
    const current = this.connection;
    if (current && !current.session.closed && !current.session.destroyed) return current;
    const endpoint = this.endpoint;
    const socket = (): Socket => {
      if (endpoint.kind === 'unix') return netConnect(endpoint.path);
      if (endpoint.kind === 'tcp') return netConnect({ host: endpoint.host, port: endpoint.port, noDelay: true });
      const { serverName } = endpoint;
      return tlsConnect({
        host: endpoint.host,
        port: endpoint.port,
        ca: endpoint.caPem,
        servername: serverName,
        ALPNProtocols: ['h2'],
        checkServerIdentity: (_host, cert) => checkServerIdentity(serverName, cert),
      }).setNoDelay(true);
    };
    const authority =
      endpoint.kind === 'unix'
        ? 'http://localhost'
        : `${endpoint.kind === 'tls' ? 'https' : 'http'}://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    const session = connect(authority, { createConnection: socket, settings: { initialWindowSize: STREAM_WINDOW_BYTES } });
    const connection: Connection = { session, connected: false, error: null, active: 0, closing: false };
    session.once('connect', () => {
      connection.connected = true;
      session.setLocalWindowSize(SESSION_WINDOW_BYTES);
    });
    // Every call on the session sees the failure through its stream; this only keeps the cause.
    session.on('error', (err: Error) => (connection.error ??= err));
    const forget = (): void => {
      if (this.connection === connection) this.connection = null;
    };
    session.once('goaway', forget);
    session.once('close', forget);
    this.connection = connection;
    return connection;
  }

  private start(path: string, request: Uint8Array, options: GrpcCallOptions, handlers: CallHandlers): RunningCall {
    const { signal } = options;
    if (this.closed) {
      handlers.end(new Error('grpc-transport: call after close()'));
      return IDLE;
    }
    if (signal?.aborted) {
      handlers.end(signal.reason);
      return IDLE;
    }
    const timeoutMs =
      options.deadline === undefined ? undefined : Math.max(0, (typeof options.deadline === 'number' ? options.deadline : options.deadline.getTime()) - Date.now());
    const connection = this.connectionForCall();
    connection.active++;
    return startCall(connection, { ':path': path, ...this.metadata }, request, { signal, timeoutMs }, {
      message: handlers.message,
      end(error) {
        connection.active--;
        endIfIdle(connection);
        handlers.end(error);
      },
    });
  }
}

const IDLE: RunningCall = { pause() {}, resume() {}, cancel() {} };

/**
 * Ends a closing connection once no call runs on it. destroy(), not close(): a gracefully closed
 * session waits for the server to close its end of the socket, which held fleetctl's exit up to
 * tens of milliseconds (bench:ctl).
 */
function endIfIdle(connection: Connection): void {
  if (connection.closing && connection.active === 0 && !connection.session.destroyed) connection.session.destroy();
}

