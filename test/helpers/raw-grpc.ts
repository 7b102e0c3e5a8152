/**
 * One gRPC message sent as raw bytes, below any client library: for tests of frames that do not
 * decode or are too big, which a real client would never send.
 */
import { connect as http2Connect, constants as h2, type SecureClientSessionOptions } from 'node:http2';

export interface RawCallOptions {
  /** `https://...` with TLS options, or `http://...`. */
  url: string;
  tls?: Pick<SecureClientSessionOptions, 'ca' | 'servername'>;
  /** Extra request headers (`authorization: Bearer ...`). */
  headers?: Record<string, string>;
}

/** Sends `payload` as one message on `path`; resolves with the status and message the server ends the call with. */
export function sendRawFrame(options: RawCallOptions, path: string, payload: Buffer): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(options.url, options.tls ?? {});
    session.on('error', reject);
    const stream = session.request({
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: path,
      [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
      ...options.headers,
    });
    const done = (headers: Record<string, unknown>): void => {
      if (headers['grpc-status'] === undefined) return;
      resolve({ status: Number(headers['grpc-status']), message: decodeURIComponent(String(headers['grpc-message'] ?? '')) });
      session.destroy();
    };
    // A status comes in the trailers, or in the headers of a trailers-only response.
    stream.on('response', done);
    stream.on('trailers', done);
    stream.on('error', () => {});
    stream.resume();
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(payload.length, 1);
    stream.end(Buffer.concat([prefix, payload]));
  });
}
