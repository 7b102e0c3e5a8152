/**
 * AgentService.Connect's event batches read straight into the core's event rows
 * (common/event-rows.ts). They are most of what a controller reads: a fleet-wide restart of 1,000
 * hosts x 20 processes is 100,000 events, and the generated codec makes a message object per
 * event, per oneof and per transition, and a bigint per int64 (four per transition), which
 * fromProtoHostEvent then copies into domain objects. This reader writes the rows in one pass
 * over the bytes, with the values fromProtoHostEvent(HostEvent.decode(...)) gives
 * (test/controller-events-reader.test.ts compares them on every kind of event).
 *
 * Anything it does not expect hands the whole message to the generated codec and
 * fromConnectRequest: another body than events, a field it does not know, a wire type that does
 * not match, a number past 2^49, a state it does not know, a seq of 0, a transition without a
 * process name, a reversed gap, a message cut short. So valid but unusual input reads exactly as
 * before, and malformed input fails exactly as before.
 */
import { ProcessStates, type ProcessState as DomainState } from '../../common/process-state.js';
import { EventRowsBuilder, stateIndex, type EventRows } from '../../common/event-rows.js';
import { toProtoState } from '../../proto/process-convert.js';

/** Thrown inside the reader for input it leaves to the generated codec. */
const IRREGULAR = new Error('an events message for the generated codec');

/** Wire enum values of ProcessState to their rows' numbers; 0 and values this build does not know are irregular. */
const STATES: (number | undefined)[] = [];
for (const state of Object.keys(ProcessStates) as DomainState[]) STATES[toProtoState(state)] = stateIndex(state);

/** Beyond this, numbers go to the generated codec (which checks them against 2^53). */
const LIMIT = 2 ** 49;

/** The batch of a ConnectRequest whose body is events, or null when the generated codec must read `bytes`. */
export function readEventBatch(bytes: Buffer): EventRows | null {
  try {
    return read(bytes);
  } catch (err) {
    if (err === IRREGULAR) return null;
    throw err;
  }
}

function read(buf: Buffer): EventRows {
  let pos = 0;
  const end = buf.length;

  /** A varint below LIMIT. */
  function varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (pos >= end) throw IRREGULAR;
      const b = buf[pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
      if (scale > LIMIT) throw IRREGULAR;
    }
    if (value >= LIMIT) throw IRREGULAR;
    return value;
  }

  /** An int32 as protobuf writes it: a negative one as ten bytes of a sign-extended 64-bit varint. */
  function int32(): number {
    let low = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw IRREGULAR;
      const b = buf[pos++]!;
      if (shift < 32) low |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) return low | 0;
    }
    throw IRREGULAR;
  }

  /** The end of a length-delimited field starting at pos. */
  function limit(): number {
    const length = varint();
    if (pos + length > end) throw IRREGULAR;
    return pos + length;
  }

  function text(stop: number): string {
    const s = buf.toString('utf8', pos, stop);
    pos = stop;
    return s;
  }

  function state(): number {
    const s = STATES[varint()];
    if (s === undefined) throw IRREGULAR;
    return s;
  }

  // ConnectRequest: the body must be `events` (field 3), and nothing else.
  if (end === 0 || buf[pos++] !== 0x1a) throw IRREGULAR;
  const batchEnd = limit();
  if (batchEnd !== end) throw IRREGULAR;
  // A transition takes about 40 bytes; a smaller guess only costs the builder a copy.
  const out = new EventRowsBuilder(Math.ceil(end / 32));
  while (pos < batchEnd) {
    // EventBatch.events = 1.
    if (buf[pos++] !== 0x0a) throw IRREGULAR;
    const eventEnd = limit();
    const at = out.begin();
    let seq = 0;
    let time = 0;
    let kinds = 0;
    while (pos < eventEnd) {
      switch (buf[pos++]) {
        case 0x08: // seq
          seq = varint();
          break;
        case 0x10: // time_ms
          time = varint();
          break;
        case 0x1a: // transition
          transition(at, limit());
          kinds++;
          break;
        case 0x22: // exit
          exit(at, limit());
          kinds++;
          break;
        case 0x2a: // gap
          gap(at, limit());
          kinds++;
          break;
        default:
          throw IRREGULAR;
      }
    }
    // Two kinds in one event: the generated codec keeps the last; left to it.
    if (pos !== eventEnd || kinds !== 1 || seq < 1) throw IRREGULAR;
    out.head(at, seq, time);
  }
  return out.build();

  function transition(at: number, stop: number): void {
    let group = '';
    let name = '';
    let from = -1;
    let to = -1;
    let pid = 0;
    let startMs = 0;
    let stopMs = 0;
    let exitStatus = 0;
    let spawnError = '';
    while (pos < stop) {
      switch (buf[pos++]) {
        case 0x0a:
          group = text(limit());
          break;
        case 0x12:
          name = text(limit());
          break;
        case 0x18:
          from = state();
          break;
        case 0x20:
          to = state();
          break;
        case 0x28:
          pid = varint();
          break;
        case 0x38:
          startMs = varint();
          break;
        case 0x40:
          stopMs = varint();
          break;
        case 0x48:
          exitStatus = int32();
          break;
        case 0x52:
          spawnError = text(limit());
          break;
        default:
          throw IRREGULAR;
      }
    }
    if (pos !== stop || group === '' || name === '' || from < 0 || to < 0 || pid > 0xffffffff) throw IRREGULAR;
    out.transition(at, group, name, from, to, pid, Math.trunc(startMs / 1000), Math.trunc(stopMs / 1000), exitStatus, spawnError);
  }

  function exit(at: number, stop: number): void {
    let group = '';
    let name = '';
    let pid = 0;
    let exitStatus: number | null = null;
    let signal: string | null = null;
    let expected = false;
    while (pos < stop) {
      switch (buf[pos++]) {
        case 0x0a:
          group = text(limit());
          break;
        case 0x12:
          name = text(limit());
          break;
        case 0x18:
          pid = varint();
          break;
        case 0x20: // the status oneof: the last one given wins
          exitStatus = int32();
          signal = null;
          break;
        case 0x2a:
          signal = text(limit());
          exitStatus = null;
          break;
        case 0x30:
          expected = varint() !== 0;
          break;
        default:
          throw IRREGULAR;
      }
    }
    if (pos !== stop || pid > 0xffffffff) throw IRREGULAR;
    out.exit(at, group, name, pid, exitStatus, signal, expected);
  }

  function gap(at: number, stop: number): void {
    let fromSeq = 0;
    let toSeq = 0;
    while (pos < stop) {
      switch (buf[pos++]) {
        case 0x08:
          fromSeq = varint();
          break;
        case 0x10:
          toSeq = varint();
          break;
        default:
          throw IRREGULAR;
      }
    }
    if (pos !== stop || fromSeq > toSeq) throw IRREGULAR;
    out.gap(at, fromSeq, toSeq);
  }
}
