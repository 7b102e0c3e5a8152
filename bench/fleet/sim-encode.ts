// The simulator's hot path in protobuf bytes written by hand. A simulated host keeps its unacked
// events in a SimEventLog: each HostEvent encoded once, when it is numbered, straight into one
// buffer already framed as an EventBatch's repeated field, so a ConnectRequest{events} is a
// header and a copy of a range of it, and no object is made per event. A simulator speaks for
// hundreds of hosts on the controller's own 2 CPUs: the generated writer, then an allocation per
// event and the garbage collection that followed, were most of its CPU, time the controller's
// measurements then waited for. The bytes are what the generated codec writes for the same events
// (test/bench-sim-encode.test.ts decodes them with it and compares).
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

  /** Bytes `from`..`to` of what was written (a view, valid until the next write). */
  view(from = 0, to = this.pos): Uint8Array {
    return this.buf.subarray(from, to);
  }

  /** Drops the first `n` bytes written, moving the rest to the front. */
  shift(n: number): void {
    this.buf.copy(this.buf, 0, n, this.pos);
    this.pos -= n;
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

/**
 * A host's events in seq order, each stored as EventBatch field 1 (tag, length, HostEvent), one
 * after another in one buffer. Index 0 is the oldest event kept.
 */
export class SimEventLog {
  private readonly bytes = new ByteWriter();
  /** Where each event starts in `bytes`, from `head` on; ends[i] is starts[i + 1] or bytes.pos. */
  private starts: number[] = [];
  /** Events dropped from the front of `starts` (compacted away now and then). */
  private head = 0;
  private readonly request = new ByteWriter();

  get count(): number {
    return this.starts.length - this.head;
  }

  /** Appends the HostEvent with sequence number `seq` for `change`, at `time` (epoch ms). */
  append(seq: number, time: number, change: SimChange): void {
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
    // HostEvent: seq = 1, time_ms = 2, transition = 3 | exit = 4; framed as EventBatch.events = 1.
    const length = 2 + varintLength(seq) + varintLength(time) + 1 + varintLength(body.pos) + body.pos;
    this.starts.push(this.bytes.pos);
    this.bytes.byte(0x0a).varint(length).byte(0x08).varint(seq).byte(0x10).varint(time);
    this.bytes.byte(change.kind === 'transition' ? 0x1a : 0x22).varint(body.pos).bytes(body.view());
  }

  /** Forgets the `n` oldest events. */
  drop(n: number): void {
    this.head += Math.min(n, this.count);
    if (this.head === this.starts.length) return this.clear();
    // Compact once the dropped part is most of the buffer, so each byte moves about once.
    const first = this.starts[this.head]!;
    if (first < this.bytes.pos / 2) return;
    this.bytes.shift(first);
    this.starts = this.starts.slice(this.head).map((start) => start - first);
    this.head = 0;
  }

  clear(): void {
    this.bytes.reset();
    this.starts = [];
    this.head = 0;
  }

  /** ConnectRequest{events: EventBatch} with events `from` up to `to` (exclusive), as bytes of its own. */
  eventsRequest(from: number, to: number): Uint8Array {
    const start = from < to ? this.starts[this.head + from]! : 0;
    const end = to < this.count ? this.starts[this.head + to]! : this.bytes.pos;
    const events = from < to ? this.bytes.view(start, end) : this.bytes.view(0, 0);
    const header = this.request.reset().byte(0x1a).varint(events.length).view();
    const out = new Uint8Array(header.length + events.length);
    out.set(header);
    out.set(events, header.length);
    return out;
  }
}

function varintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}
