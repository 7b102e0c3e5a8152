/**
 * fleetctl's gRPC transport (cli/client/grpc-transport.ts) against real HTTP/2 servers on unix
 * sockets in a temp dir: a raw node:http2 server that writes exactly the bytes a test wants
 * (odd chunk sizes, trailers-only answers, resets, dropped connections), so each way a gRPC
 * exchange can go wrong is exercised without grpc-js in the way. The agent's own server
 * (grpc-js) is covered by the control-*.test.ts suites through the same transport.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, constants, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { isFleetError } from '../common/errors.js';
import { CompressedMessageError, encodeMessage, MessageDecoder } from '../cli/client/grpc-framing.js';
import { GrpcError, GrpcStatus } from '../cli/client/grpc-status.js';
import { GrpcTransport, STREAM_HIGH_WATER, type GrpcMethod } from '../cli/client/grpc-transport.js';
import { toFleetError } from '../cli/client/wire-errors.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleetvisor-transport-');
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  tmp.remove();
});

/** A method whose messages are the raw bytes, so the server controls every byte. */
const RAW: GrpcMethod<Buffer, Buffer> = { path: '/test.v1.Raw/Call', encode: (b) => b, decode: (b) => Buffer.from(b) };

/** A gRPC message's 5-byte prefix and bytes, written here by hand rather than by the code under test. */
function frame(payload: Buffer | string): Buffer {
  const bytes = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

const OK_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };

interface RawCall {
  stream: ServerHttp2Stream;
  headers: IncomingHttpHeaders;
  /** The request's body (its framed messages). */
  body: Promise<Buffer>;
}

interface RawServer {
  path: string;
  server: Http2Server;
  sessions: Set<ServerHttp2Session>;
  /** Closes the listener and destroys every session. */
  close(): Promise<void>;
}

/** A node:http2 server on a fresh unix socket; `handle` answers each call. */
async function rawServer(handle: (call: RawCall) => void | Promise<void>): Promise<RawServer> {
  const path = join(tmp.fresh(), 'raw.sock');
  const server = createServer();
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const body = once(stream, 'end').then(() => Buffer.concat(chunks));
    void Promise.resolve(handle({ stream, headers, body })).catch((err: unknown) => stream.destroy(err as Error));
  });
  server.listen(path);
  await once(server, 'listening');
  let closed: Promise<void> | null = null;
  const raw: RawServer = {
    path,
    server,
    sessions,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      })),
  };
  cleanups.push(() => raw.close());
  return raw;
}

function transportTo(server: { path: string }, metadata?: Record<string, string>): GrpcTransport {
  const transport = new GrpcTransport({ kind: 'unix', path: server.path }, { metadata });
  cleanups.push(() => transport.close());
  return transport;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to fail');
}

// --- framing, no sockets ---

test('a message cut into one-byte chunks comes out whole, once', () => {
  const decoder = new MessageDecoder();
  const bytes = frame('hello, world');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...decoder.push(bytes.subarray(i, i + 1)));
  assert.deepEqual(out.map(String), ['hello, world']);
  assert.equal(decoder.pendingBytes, 0);
});

test('one chunk holding several messages, an empty one and the start of the next gives the complete ones', () => {
  const decoder = new MessageDecoder();
  const next = frame('third');
  const chunk = Buffer.concat([frame('first'), frame(''), frame('second'), next.subarray(0, 7)]);
  assert.deepEqual(decoder.push(chunk).map(String), ['first', '', 'second']);
  assert.equal(decoder.pendingBytes, 7);
  assert.deepEqual(decoder.push(next.subarray(7)).map(String), ['third']);
  assert.equal(decoder.pendingBytes, 0);
});

test('a compressed message is refused, since the client asks for identity only', () => {
  const bytes = frame('zz');
  bytes[0] = 1;
  assert.throws(() => new MessageDecoder().push(bytes), CompressedMessageError);
});

test('encodeMessage writes the flag byte, the big-endian length and the message', () => {
  assert.deepEqual(encodeMessage(Buffer.from('abc')), Buffer.from([0, 0, 0, 0, 3, 0x61, 0x62, 0x63]));
});

// --- calls against a raw HTTP/2 server ---

test('a unary call sends the gRPC headers and metadata and resolves with the message, whatever the chunking', async () => {
  let seen: IncomingHttpHeaders | null = null;
  let request: Buffer | null = null;
  const server = await rawServer(async ({ stream, headers, body }) => {
    seen = headers;
    request = await body;
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    const reply = frame('the answer');
    // Byte by byte: the prefix and the message each span many DATA frames.
    for (let i = 0; i < reply.length; i++) stream.write(reply.subarray(i, i + 1));
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end();
  });
  const answer = await transportTo(server, { authorization: 'Basic dTpw' }).unary(RAW, Buffer.from('question'));
  assert.equal(String(answer), 'the answer');
  assert.deepEqual(request, frame('question'));
  assert.ok(seen);
  const headers = seen as IncomingHttpHeaders;
  assert.equal(headers[':method'], 'POST');
  assert.equal(headers[':path'], '/test.v1.Raw/Call');
  assert.equal(headers['content-type'], 'application/grpc');
  assert.equal(headers.te, 'trailers');
  assert.equal(headers.authorization, 'Basic dTpw');
  assert.equal(headers['grpc-timeout'], undefined, 'no deadline, no grpc-timeout');
});

test('a 20 MiB reply arrives intact', async () => {
  const big = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
  const server = await rawServer(({ stream }) => {
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(frame(big));
  });
  const answer = await transportTo(server).unary(RAW, Buffer.alloc(0));
  assert.equal(answer.length, big.length);
  assert.ok(answer.equals(big));
});

test('a trailers-only error answer rejects with its status, percent-decoded message and metadata', async () => {
  const server = await rawServer(({ stream }) => {
    stream.respond(
      { ...OK_HEADERS, 'grpc-status': String(GrpcStatus.NOT_FOUND), 'grpc-message': 'no%20such%20process%3A%20w%C3%B6rker', 'fleet-fault': 'BAD_NAME' },
      { endStream: true },
    );
  });
  const err = await rejection(transportTo(server).unary(RAW, Buffer.alloc(0)));
  assert.ok(err instanceof GrpcError);
  assert.equal(err.code, GrpcStatus.NOT_FOUND);
  assert.equal(err.details, 'no such process: wörker');
  assert.equal(err.metadata['fleet-fault'], 'BAD_NAME');
  const fault = toFleetError(err, 'unix:///x.sock');
  assert.ok(isFleetError(fault, 'BAD_NAME'));
  assert.equal(fault.message, 'no such process: wörker');
});

test('an error status in the trailers after a message rejects the call; a malformed grpc-message is kept as sent', async () => {
  const server = await rawServer(({ stream }) => {
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GrpcStatus.UNAUTHENTICATED), 'grpc-message': '100%' }));
    stream.end(frame('ignored'));
  });
  const err = await rejection(transportTo(server).unary(RAW, Buffer.alloc(0)));
  assert.ok(err instanceof GrpcError);
  assert.equal(err.code, GrpcStatus.UNAUTHENTICATED);
  assert.equal(err.details, '100%');
  const fault = toFleetError(err, 'unix:///x.sock');
  assert.ok(isFleetError(fault, 'FAILED'));
  assert.equal(fault.message, 'Server requires authentication');
});

test('an answer that is not gRPC gets its status from the HTTP status', async () => {
  const server = await rawServer(({ stream }) => {
    stream.respond({ ':status': 404, 'content-type': 'text/html' });
    stream.end('<h1>not here</h1>');
  });
  const err = await rejection(transportTo(server).unary(RAW, Buffer.alloc(0)));
  assert.ok(err instanceof GrpcError);
  assert.equal(err.code, GrpcStatus.UNIMPLEMENTED);
});

test('a stream that ends inside a message, or with no status, fails instead of returning a partial answer', async () => {
  const server = await rawServer(({ stream, headers }) => {
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    const cut = headers[':path'] === '/test.v1.Raw/Cut';
    stream.on('wantTrailers', () => (cut ? stream.sendTrailers({ 'grpc-status': '0' }) : stream.close()));
    // Cut right after the prefix: nothing of the message is buffered, but it was begun.
    stream.end(cut ? frame('truncated').subarray(0, 5) : frame('no status follows'));
  });
  const transport = transportTo(server);
  const cut = await rejection(transport.unary({ ...RAW, path: '/test.v1.Raw/Cut' }, Buffer.alloc(0)));
  assert.ok(cut instanceof GrpcError);
  assert.equal(cut.code, GrpcStatus.INTERNAL);
  const noStatus = await rejection(transport.unary(RAW, Buffer.alloc(0)));
  assert.ok(noStatus instanceof GrpcError);
  assert.notEqual(noStatus.code, GrpcStatus.OK);
});

test('a server stream yields each message as it comes and ends at an OK status', async () => {
  const server = await rawServer(({ stream }) => {
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    // Two messages in one write, then one split over two writes.
    stream.write(Buffer.concat([frame('one'), frame('two')]));
    const three = frame('three');
    stream.write(three.subarray(0, 3));
    stream.end(three.subarray(3));
  });
  const got: string[] = [];
  for await (const message of transportTo(server).serverStream(RAW, Buffer.alloc(0))) got.push(String(message));
  assert.deepEqual(got, ['one', 'two', 'three']);
});

test('aborting mid-stream rejects with the reason and resets the stream on the server', async () => {
  let serverStream: ServerHttp2Stream | null = null;
  const server = await rawServer(({ stream }) => {
    serverStream = stream;
    stream.respond(OK_HEADERS);
    stream.write(frame('first'));
  });
  const abort = new AbortController();
  const got: string[] = [];
  const reading = (async () => {
    for await (const message of transportTo(server).serverStream(RAW, Buffer.alloc(0), { signal: abort.signal })) {
      got.push(String(message));
      abort.abort(new Error('user pressed Ctrl-C'));
    }
  })();
  await assert.rejects(reading, /user pressed Ctrl-C/);
  assert.deepEqual(got, ['first']);
  await waitFor(() => serverStream?.closed, { what: 'the server side of the stream to close' });
  assert.equal(serverStream!.rstCode, constants.NGHTTP2_CANCEL);
});

test('leaving a for-await early cancels the call', async () => {
  let serverStream: ServerHttp2Stream | null = null;
  const server = await rawServer(({ stream }) => {
    serverStream = stream;
    stream.respond(OK_HEADERS);
    stream.write(Buffer.concat([frame('a'), frame('b')]));
  });
  for await (const message of transportTo(server).serverStream(RAW, Buffer.alloc(0))) {
    assert.equal(String(message), 'a');
    break;
  }
  await waitFor(() => serverStream?.closed, { what: 'the server side of the stream to close' });
  assert.equal(serverStream!.rstCode, constants.NGHTTP2_CANCEL);
});

test('a slow reader holds the server back instead of buffering everything', async () => {
  const MESSAGES = 200;
  const payload = Buffer.alloc(256 * 1024, 7);
  let written = 0;
  let blocked = false;
  const server = await rawServer(async ({ stream }) => {
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    for (; written < MESSAGES; ) {
      written++;
      if (!stream.write(frame(payload))) {
        blocked = true;
        await once(stream, 'drain');
        blocked = false;
      }
    }
    stream.end();
  });
  const messages = transportTo(server).serverStream(RAW, Buffer.alloc(0))[Symbol.asyncIterator]();
  assert.equal((await messages.next()).done, false);
  // Either the server wrote everything (nothing held it back), or it stays blocked: no progress over 10 polls.
  let last = -1;
  let still = 0;
  await waitFor(
    () => {
      still = blocked && written === last ? still + 1 : 0;
      last = written;
      return written === MESSAGES || still >= 10;
    },
    { what: 'the server to finish or stay blocked', intervalMs: 20 },
  );
  // The HTTP/2 windows (4 MiB per stream) plus the decoded queue bound what is in flight.
  const bound = STREAM_HIGH_WATER + 4 + (4 * 1024 * 1024) / payload.length + 8;
  assert.ok(written < bound, `the server wrote ${written} of ${MESSAGES} messages while the reader took 1 (bound ${bound})`);
  let count = 1;
  for (let r = await messages.next(); !r.done; r = await messages.next()) count++;
  assert.equal(count, MESSAGES);
});

test('a deadline is sent as grpc-timeout and fails the call with DEADLINE_EXCEEDED when it passes', async () => {
  let timeout: string | undefined;
  const server = await rawServer(({ stream, headers }) => {
    timeout = headers['grpc-timeout'] as string | undefined;
    stream.respond(OK_HEADERS); // and never anything else
  });
  const started = Date.now();
  const err = await rejection(transportTo(server).unary(RAW, Buffer.alloc(0), { deadline: Date.now() + 150 }));
  assert.ok(err instanceof GrpcError);
  assert.equal(err.code, GrpcStatus.DEADLINE_EXCEEDED);
  assert.ok(Date.now() - started < 2000);
  assert.match(timeout ?? '', /^\d{1,3}m$/);
});

test('a server that drops the connection mid-call fails it as a closed connection', async () => {
  const server = await rawServer(({ stream }) => {
    stream.respond(OK_HEADERS);
    stream.session?.destroy();
  });
  const err = await rejection(transportTo(server).unary(RAW, Buffer.alloc(0)));
  assert.ok(err instanceof GrpcError);
  assert.equal(err.code, GrpcStatus.UNAVAILABLE);
  assert.equal(err.connected, true);
  const fault = toFleetError(err, 'unix:///x.sock');
  assert.ok(isFleetError(fault, 'HOST_UNREACHABLE'));
  assert.equal(fault.message, 'unix:///x.sock closed the connection');
});

test('a listener that closes every connection at once fails the call as a closed connection, not a hang', async () => {
  const path = join(tmp.fresh(), 'slam.sock');
  const slam = createNetServer((socket) => socket.destroy()).listen(path);
  await once(slam, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => slam.close(() => resolve())));
  const err = await rejection(transportTo({ path }).unary(RAW, Buffer.alloc(0)));
  const fault = toFleetError(err, `unix://${path}`);
  assert.ok(isFleetError(fault, 'HOST_UNREACHABLE'), String(err));
  assert.match(fault.message, / (closed the connection|refused connection)$/);
});

test('no socket file and a refused connection fail at once, with ENOENT and ECONNREFUSED as the cause', async () => {
  const missing = await rejection(transportTo({ path: join(tmp.path, 'missing.sock') }).unary(RAW, Buffer.alloc(0)));
  assert.ok(missing instanceof GrpcError);
  assert.equal(missing.connected, false);
  assert.equal((missing.cause as NodeJS.ErrnoException).code, 'ENOENT');
  const closed = createNetServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as { port: number }).port;
  closed.close();
  await once(closed, 'close');
  const transport = new GrpcTransport({ kind: 'tcp', host: '127.0.0.1', port });
  cleanups.push(() => transport.close());
  const refused = await rejection(transport.unary(RAW, Buffer.alloc(0)));
  assert.ok(refused instanceof GrpcError);
  assert.equal((refused.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
});

test('after the server closes the connection, the next call opens a new one', async () => {
  const server = await rawServer(({ stream }) => {
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(frame('ok'));
  });
  const transport = transportTo(server);
  assert.equal(String(await transport.unary(RAW, Buffer.alloc(0))), 'ok');
  const [first] = [...server.sessions];
  first!.close(); // GOAWAY, then the connection ends
  await waitFor(() => server.sessions.size === 0, { what: 'the first connection to end' });
  assert.equal(String(await transport.unary(RAW, Buffer.alloc(0))), 'ok');
  assert.equal(server.sessions.size, 1);
});

test('close() is idempotent and a call after it fails without connecting', async () => {
  let calls = 0;
  const server = await rawServer(({ stream }) => {
    calls++;
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(frame('ok'));
  });
  const transport = transportTo(server);
  await transport.unary(RAW, Buffer.alloc(0));
  transport.close();
  transport.close();
  await assert.rejects(transport.unary(RAW, Buffer.alloc(0)), /after close/);
  assert.equal(calls, 1);
});

test('a signal that already fired rejects with its reason and sends nothing', async () => {
  let calls = 0;
  const server = await rawServer(() => {
    calls++;
  });
  const reason = new Error('already cancelled');
  await assert.rejects(transportTo(server).unary(RAW, Buffer.alloc(0), { signal: AbortSignal.abort(reason) }), (err) => err === reason);
  assert.equal(calls, 0);
  assert.equal(server.sessions.size, 0);
});
