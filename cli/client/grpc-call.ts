/**
 * One gRPC call on an HTTP/2 stream, for grpc-transport.ts: sends the request message, hands
 * over each response message as it is complete, and ends once with the outcome, from the
 * response headers (a trailers-only answer, or an HTTP status that is not 200), the trailers,
 * or, when the stream closed without a gRPC status, the connection's failure.
 */
import { constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ClientHttp2Stream } from 'node:http2';
import { encodeMessage, MessageDecoder } from './grpc-framing.js';
import { decodeGrpcMessage, GrpcError, GrpcStatus, statusFromHttp } from './grpc-status.js';

/** The connection a call runs on, as the transport keeps it. */
export interface CallConnection {
  readonly session: ClientHttp2Session;
  /** Whether the socket had connected. */
  readonly connected: boolean;
  /** The session's error (connect ENOENT, ECONNREFUSED, ECONNRESET...), once it had one. */
  readonly error: Error | null;
}

export interface CallHandlers {
  /** One whole message; throwing fails the call with INTERNAL. */
  message(bytes: Buffer): void;
  /** Called once: null when the status was OK, else the error the call fails with. */
  end(error: unknown): void;
}

export interface RunningCall {
  /** Stops reading the stream (HTTP/2 flow control then holds the server back). */
  pause(): void;
  resume(): void;
  /** Cancels the call (RST_STREAM CANCEL) if it is still running; no-op otherwise. */
  cancel(): void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Milliseconds from now; sent as `grpc-timeout`, and the call fails with DEADLINE_EXCEEDED when they pass. */
  timeoutMs?: number;
}

/** Starts a call. `headers` hold `:path` and the metadata; the gRPC ones are added here. */
export function startCall(
  connection: CallConnection,
  headers: OutgoingHttpHeaders,
  request: Uint8Array,
  options: CallOptions,
  handlers: CallHandlers,
): RunningCall {
  const { signal, timeoutMs } = options;
  const requestHeaders: OutgoingHttpHeaders = {
    ':method': 'POST',
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-accept-encoding': 'identity',
    'user-agent': 'fleetctl-grpc/1',
    ...headers,
  };
  if (timeoutMs !== undefined) requestHeaders['grpc-timeout'] = grpcTimeout(timeoutMs);
  let stream: ClientHttp2Stream;
  try {
    stream = connection.session.request(requestHeaders, { endStream: false });
  } catch (err) {
    handlers.end(transportError(connection, err));
    return { pause() {}, resume() {}, cancel() {} };
  }

  let finished = false;
  let timer: NodeJS.Timeout | null = null;
  const onAbort = (): void => finish(signal!.reason);
  function finish(error: unknown): void {
    if (finished) return;
    finished = true;
    signal?.removeEventListener('abort', onAbort);
    if (timer !== null) clearTimeout(timer);
    if (error !== null && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    handlers.end(error);
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  if (timeoutMs !== undefined) timer = setTimeout(() => finish(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), timeoutMs);

  const decoder = new MessageDecoder();
  let status: GrpcError | { ok: true } | null = null;
  /** The response headers already failed the call: what follows is not gRPC messages. */
  let notGrpc = false;
  let streamError: Error | null = null;
  stream.on('response', (responseHeaders: IncomingHttpHeaders) => {
    const http = Number(responseHeaders[':status']);
    if (http === 200 && responseHeaders['grpc-status'] !== undefined) {
      status = statusOf(responseHeaders); // trailers-only
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
  // 'close' comes after every message was read ('end'), even when the trailers came earlier.
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

/**
 * The first system error (`code` like ENOENT, not ERR_HTTP2_...) or TLS failure (a certificate
 * that does not verify: UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED,
 * ERR_TLS_CERT_ALTNAME_INVALID, ERR_SSL_...) in an error and its causes.
 */
function systemError(err: unknown): (Error & { code: string }) | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (/^E[A-Z0-9]+$/.test(code) || isTlsErrorCode(code))) return e as Error & { code: string };
  }
  return null;
}

/** Whether `code` is a TLS handshake or certificate verification failure. */
export function isTlsErrorCode(code: string): boolean {
  return /^ERR_(TLS|SSL)_|CERT|^UNABLE_TO_/.test(code);
}

/** A stream that closed without a gRPC status: the connection failed, dropped, or the server reset the stream. */
function transportError(connection: CallConnection, err: unknown, rstCode?: number): GrpcError {
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
