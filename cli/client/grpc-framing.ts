/**
 * gRPC's length-prefixed messages (PROTOCOL-HTTP2.md, "Length-Prefixed-Message"): one byte
 * compressed flag, a 4-byte big-endian length, then the message. HTTP/2 DATA frames do not
 * line up with messages: one chunk can hold several messages, and one message can span many
 * chunks, so the decoder keeps what it has until a message is complete.
 */

const HEADER_BYTES = 5;

/** `message` with its 5-byte prefix (never compressed). */
export function encodeMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, HEADER_BYTES);
  return frame;
}

/** A message whose compressed flag is set: this client asks for `identity` only, so it cannot read it. */
export class CompressedMessageError extends Error {
  constructor() {
    super('the server sent a compressed message, though the client accepts only identity');
    this.name = 'CompressedMessageError';
  }
}

export class MessageDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The length of the message being gathered, once its prefix is read. */
  private expected: number | null = null;

  /** Bytes received that are not yet part of a whole message (a cut-off message when the stream ends). */
  get pendingBytes(): number {
    return this.buffered + (this.expected === null ? 0 : HEADER_BYTES);
  }

  /** Adds a chunk; returns the messages it completed, in order. Throws CompressedMessageError. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const messages: Buffer[] = [];
    for (;;) {
      if (this.expected === null) {
        if (this.buffered < HEADER_BYTES) break;
        const header = this.take(HEADER_BYTES);
        if (header[0] !== 0) throw new CompressedMessageError();
        this.expected = header.readUInt32BE(1);
      }
      if (this.buffered < this.expected) break;
      messages.push(this.take(this.expected));
      this.expected = null;
    }
    return messages;
  }

  /** The first `n` buffered bytes, copied only when they span chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const used = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    return out;
  }
}
