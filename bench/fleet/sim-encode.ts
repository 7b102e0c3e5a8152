// The simulator's hot path in protobuf bytes written by hand: each HostEvent encoded once, when
// it is numbered, and a ConnectRequest{events} made by joining encoded events. A simulator speaks
// for hundreds of hosts on the controller's own 2 CPUs, and the generated writer was most of its
// CPU: time the controller's measurements then waited for. The bytes are what the generated codec
// writes for the same event (test/bench-sim-encode.test.ts decodes them with it and compares).
import { toProtoState } from '../../proto/process-convert.js';
import type { SimChange, SimProcess } from './sim-processes.js';

/** A growable buffer with protobuf's varint and length-delimited writes. */
class ByteWriter {
  private buf = Buffer.allocUnsafe(256);
  pos = 0;

  reset(): this {
    this.pos = 0;
    return this;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** A non-negative integer below 2^53. */
  varint(n: number): this {
    this.room(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
    return this;
  }

  /** An int32 as protobuf writes it: a negative one sign-extended to 64 bits, ten bytes. */
  int32(n: number): this {
    if (n >= 0) return this.varint(n);
    this.room(10);
    let low = n >>> 0;
    for (let i = 0; i < 4; i++) {
      this.buf[this.pos++] = (low & 0x7f) | 0x80;
      low >>>= 7;
    }
    // Bits 28-31 of the low word, then the all-ones high word: 0xf0 | low, 0xff x4, 0x01.
    this.buf[this.pos++] = (low & 0x0f) | 0xf0;
    for (let i = 0; i < 4; i++) this.buf[this.pos++] = 0xff;
    this.buf[this.pos++] = 0x01;
    return this;
  }

  byte(b: number): this {
    this.room(1);
    this.buf[this.pos++] = b;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** `tag`, then `b` with its length before it. */
  field(tag: number, b: Uint8Array): this {
    return this.byte(tag).varint(b.length).bytes(b);
  }

  /** A copy of what was written. */
  take(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, 0, this.pos);
  }
}

const utf8 = new WeakMap<SimProcess, { group: Buffer; name: Buffer }>();
const signals = new Map<string, Buffer>();

function namesOf(p: SimProcess): { group: Buffer; name: Buffer } {
  let names = utf8.get(p);
  if (!names) utf8.set(p, (names = { group: Buffer.from(p.group), name: Buffer.from(p.name) }));
  return names;
}

const body = new ByteWriter();
const event = new ByteWriter();

/** The HostEvent with sequence number `seq` for `change`, at `time` (epoch ms). */
export function encodeHostEvent(seq: number, time: number, change: SimChange): Uint8Array {
  const { group, name } = namesOf(change.process);
  body.reset().field(0x0a, group).field(0x12, name);
  if (change.kind === 'transition') {
    body.byte(0x18).varint(toProtoState(change.from)).byte(0x20).varint(toProtoState(change.to));
    if (change.pid !== 0) body.byte(0x28).varint(change.pid);
    if (change.start !== 0) body.byte(0x38).varint(change.start * 1000);
    if (change.stop !== 0) body.byte(0x40).varint(change.stop * 1000);
    if (change.exitStatus !== 0) body.byte(0x48).int32(change.exitStatus);
  } else {
    let signal = signals.get(change.signal);
    if (!signal) signals.set(change.signal, (signal = Buffer.from(change.signal)));
    if (change.pid !== 0) body.byte(0x18).varint(change.pid);
    body.field(0x2a, signal);
    if (change.expected) body.byte(0x30).byte(1);
  }
  // HostEvent: seq = 1, time_ms = 2, transition = 3 | exit = 4.
  event.reset().byte(0x08).varint(seq).byte(0x10).varint(time);
  event.field(change.kind === 'transition' ? 0x1a : 0x22, body.take());
  return event.take();
}

const request = new ByteWriter();

/** ConnectRequest{events: EventBatch{events}} from encoded HostEvents. */
export function eventsRequest(events: readonly Uint8Array[]): Uint8Array {
  let batchLength = 0;
  for (const e of events) batchLength += 1 + varintLength(e.length) + e.length;
  request.reset().byte(0x1a).varint(batchLength);
  for (const e of events) request.field(0x0a, e);
  return request.take();
}

function varintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}
