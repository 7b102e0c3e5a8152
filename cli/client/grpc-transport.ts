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
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { encodeMessage, MessageDecoder } from './grpc-framing.js';
import { decodeGrpcMessage, GrpcError, GrpcStatus, statusFromHttp } from './grpc-status.js';

/**
 * Where the server listens. TLS (FleetService) will be a third kind whose connector is
 * `tls.connect({ ...options, ALPNProtocols: ['h2'] })`; everything above the socket stays.
 */
export type GrpcEndpoint = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

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

interface Connection {
  session: ClientHttp2Session;
  connected: boolean;
  /** The session's error (connect ENOENT, ECONNREFUSED, ECONNRESET...), once it had one. */
  error: Error | null;
  /** Calls in progress on it. */
  active: number;
  /** close() was called: the session ends when its last call does. */
  closing: boolean;
}

interface CallHandlers {
  /** One whole message; throwing fails the call with INTERNAL. */
  message(bytes: Buffer): void;
  /** Called once: null when the status was OK. */
  end(error: unknown): void;
}

interface RunningCall {
  pause(): void;
  resume(): void;
  /** Cancels the call if it is still running; no-op otherwise. */
  cancel(): void;
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
    const socket = (): Socket =>
      endpoint.kind === 'unix' ? netConnect(endpoint.path) : netConnect({ host: endpoint.host, port: endpoint.port, noDelay: true });
    const authority = endpoint.kind === 'unix' ? 'http://localhost' : `http://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
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
    const idle: RunningCall = { pause() {}, resume() {}, cancel() {} };
    const { signal } = options;
    if (this.closed) {
      handlers.end(new Error('grpc-transport: call after close()'));
      return idle;
    }
    if (signal?.aborted) {
      handlers.end(signal.reason);
      return idle;
    }
    const headers: OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-accept-encoding': 'identity',
      'user-agent': 'fleetctl-grpc/1',
      ...this.metadata,
    };
    let timeoutMs: number | null = null;
    if (options.deadline !== undefined) {
      timeoutMs = Math.max(0, (typeof options.deadline === 'number' ? options.deadline : options.deadline.getTime()) - Date.now());
      headers['grpc-timeout'] = grpcTimeout(timeoutMs);
    }
    const connection = this.connectionForCall();
    let stream: ClientHttp2Stream;
    try {
      stream = connection.session.request(headers, { endStream: false });
    } catch (err) {
      handlers.end(transportError(connection, err));
      return idle;
    }

    connection.active++;
    let finished = false;
    let timer: NodeJS.Timeout | null = null;
    const onAbort = (): void => finish(signal!.reason);
    function finish(error: unknown): void {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      if (timer !== null) clearTimeout(timer);
      if (error !== null && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      connection.active--;
      endIfIdle(connection);
      handlers.end(error);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== null) timer = setTimeout(() => finish(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), timeoutMs);

    const decoder = new MessageDecoder();
    let status: GrpcError | { ok: true } | null = null;
    /** The response headers already failed the call: what follows is not gRPC messages. */
    let notGrpc = false;
    let streamError: Error | null = null;
    stream.on('response', (responseHeaders: IncomingHttpHeaders) => {
      const http = Number(responseHeaders[':status']);
      if (responseHeaders['grpc-status'] !== undefined && http === 200) {
        status = statusOf(responseHeaders);
      } else if (http !== 200) {
        status = new GrpcError(statusFromHttp(http), `the server answered HTTP ${http}`, metadataOf(responseHeaders));
        notGrpc = true;
      } else if (!String(responseHeaders['content-type'] ?? '').startsWith('application/grpc')) {
        status = new GrpcError(GrpcStatus.UNKNOWN, `the server answered with content-type ${String(responseHeaders['content-type'])}, not application/grpc`);
        notGrpc = true;
      }
    });
    stream.on('trailers', (trailers: IncomingHttpHeaders) => {
      status ??= statusOf(trailers);
    });
    stream.on('data', (chunk: Buffer) => {
      if (finished || notGrpc) return;
      try {
        for (const message of decoder.push(chunk)) handlers.message(message);
      } catch (err) {
        finish(new GrpcError(GrpcStatus.INTERNAL, err instanceof Error ? err.message : String(err), {}, { cause: err }));
      }
    });
    // Kept for the whole life of the stream: an 'error' without a listener would crash the CLI.
    stream.on('error', (err: Error) => (streamError ??= err));
    stream.on('close', () => {
      if (status === null) finish(transportError(connection, streamError, stream.rstCode));
      else if (!('ok' in status)) finish(status);
      else if (decoder.pendingBytes > 0) finish(new GrpcError(GrpcStatus.INTERNAL, `the stream ended inside a message (${decoder.pendingBytes} bytes left over)`));
      else finish(null);
    });
    stream.end(encodeMessage(request));

    return {
      pause: () => stream.pause(),
      resume: () => stream.resume(),
      cancel: () => finish(new GrpcError(GrpcStatus.CANCELLED, 'Cancelled by the client')),
    };
  }
}

/**
 * Ends a closing connection once no call runs on it. destroy(), not close(): a gracefully closed
 * session waits for the server to close its end of the socket, which held fleetctl's exit up to
 * tens of milliseconds (bench:ctl).
 */
function endIfIdle(connection: Connection): void {
  if (connection.closing && connection.active === 0 && !connection.session.destroyed) connection.session.destroy();
}

/** `grpc-timeout`: at most 8 digits and a unit. */
function grpcTimeout(ms: number): string {
  const rounded = Math.ceil(ms);
  return rounded < 1e8 ? `${rounded}m` : `${Math.min(Math.ceil(rounded / 1000), 99_999_999)}S`;
}

/** Headers that are HTTP/2's or gRPC's own, not call metadata. */
const RESERVED = new Set(['content-type', 'te', 'grpc-status', 'grpc-message', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-status-details-bin', 'date', 'user-agent']);

function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, raw] of Object.entries(headers)) {
    if (key.startsWith(':') || RESERVED.has(key) || raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    metadata[key] = values.join(',');
  }
  return metadata;
}

/** The status a trailers block (or a trailers-only answer) carries: OK, or a GrpcError. */
function statusOf(trailers: IncomingHttpHeaders): GrpcError | { ok: true } {
  const raw = trailers['grpc-status'];
  const code = Number(Array.isArray(raw) ? raw[0] : raw);
  if (code === GrpcStatus.OK) return { ok: true };
  const message = trailers['grpc-message'];
  const details = decodeGrpcMessage(String((Array.isArray(message) ? message[0] : message) ?? ''));
  if (!Number.isInteger(code) || code < 0) return new GrpcError(GrpcStatus.UNKNOWN, `the server sent grpc-status ${String(raw)}`, metadataOf(trailers));
  return new GrpcError(code, details, metadataOf(trailers));
}

/** The first system error (`code` like ENOENT, not ERR_HTTP2_...) in an error and its causes. */
function systemError(err: unknown): (Error & { code: string }) | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return e as Error & { code: string };
  }
  return null;
}

/** A stream that closed without a gRPC status: the connection failed, dropped, or the server reset the stream. */
function transportError(connection: Connection, err: unknown, rstCode?: number): GrpcError {
  const cause = systemError(err) ?? systemError(connection.error);
  const connected = connection.connected;
  if (cause) return new GrpcError(GrpcStatus.UNAVAILABLE, cause.message, {}, { cause, connected });
  if (rstCode !== undefined && rstCode !== constants.NGHTTP2_NO_ERROR && rstCode !== constants.NGHTTP2_CANCEL && connected && !connection.session.destroyed) {
    const code = rstCode === constants.NGHTTP2_REFUSED_STREAM ? GrpcStatus.UNAVAILABLE : GrpcStatus.INTERNAL;
    return new GrpcError(code, `the server reset the stream (HTTP/2 error ${rstCode})`, {}, { cause: err ?? undefined });
  }
  const reset = Object.assign(new Error(connected ? 'the server closed the connection' : 'the connection closed before it was made'), {
    code: connected ? 'ECONNRESET' : 'ECONNREFUSED',
  });
  return new GrpcError(GrpcStatus.UNAVAILABLE, reset.message, {}, { cause: reset, connected });
}
