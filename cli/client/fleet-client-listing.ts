/**
 * ListProcesses' answer read straight into fleetctl's domain types, for grpc-controller-client.ts.
 * fleetctl asks for the answer by host (`host_processes`, a HostProcesses message per host); a
 * controller that predates that answers with a HostProcess per process; both are read.
 * `status -A` on a thousand hosts receives 20,000 ProcessInfo and 1,000 Host in one 1.4 MB
 * message, and fleetctl reads it once, in a process whose code has not warmed up. The generated
 * codec makes a message object per HostProcess, ProcessInfo and map entry (times as bigint,
 * every string through TextDecoder, a call per field), which the converters then copy into
 * domain objects. This reader makes the domain objects directly with the values
 * fromProtoProcessInfo(ProcessInfo.decode(...)) and fromProtoHost(Host.decode(...)) give (the
 * test compares them on messages with every field set): one pass over the bytes with the
 * position in a local, a varint of one byte read inline, ASCII strings cut from one Latin-1
 * copy of the message (anything else through TextDecoder, as the generated reader), and the host
 * and group names (the same for runs of processes) made once per run. For 20,000 processes it
 * runs a quarter of the instructions of the generated path (callgrind: 380M against 1,090M).
 *
 * Anything it does not expect (a deprecated group, field number 0, a time or seq beyond 2^49 or
 * negative, a message cut short) hands the whole answer to the
 * generated codec, so unusual but valid input reads exactly as before and malformed input
 * fails as before (the test checks both on every cut and on random damage).
 */
import type { HostInfo } from '../../common/host.js';
import type { ProcessInfo } from '../../common/process-info.js';
import { processStateCode } from '../../common/process-state.js';
import { FleetServiceListProcessesResponse, HostProcesses, type Host } from '../../proto/gen/fleet/v1/fleet.js';
import type { ProcessState } from '../../proto/gen/fleet/v1/process.js';
import type { HostProcess, ProcessListing } from './controller-client.js';
import { fromProtoHost, fromProtoHostError } from './fleet-convert.js';
import { fromProtoProcessInfo, fromProtoState } from './proto-convert.js';

/** FleetServiceListProcessesResponse's bytes as a ProcessListing. */
export function decodeProcessListing(bytes: Uint8Array): ProcessListing {
  return readProcessListing(bytes) ?? decodeListingGenerated(bytes);
}

/** The answer as the generated codec and the converters read it: what the fast path must match. */
export function decodeListingGenerated(bytes: Uint8Array): ProcessListing {
  const res = FleetServiceListProcessesResponse.decode(bytes);
  const byHost = res.hostProcesses.map((b) => HostProcesses.decode(b));
  return {
    processes: [
      ...res.processes.filter((p) => p.info !== undefined).map((p) => ({ host: p.host, info: fromProtoProcessInfo(p.info!) })),
      ...byHost.flatMap(({ host, processes }) => processes.map((info) => ({ host, info: fromProtoProcessInfo(info) }))),
    ],
    hosts: res.hosts.map(fromProtoHost),
    errors: res.errors.map(fromProtoHostError),
  };
}

/** Thrown inside the reader for input it leaves to the generated codec. */
const IRREGULAR = new Error('a ListProcesses answer for the generated codec');

const utf8 = new TextDecoder();
const NOT_ASCII = /[^\0-\x7f]/;

/** The fast path alone: the listing, or null when the generated codec must read the answer. */
export function readProcessListing(bytes: Uint8Array): ProcessListing | null {
  try {
    return readListing(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    if (err === IRREGULAR) return null;
    throw err;
  }
}

/**
 * One pass over the message. The helpers share `pos`; the loops read a one-byte varint (every
 * tag here, and most lengths and values) inline and call varint() only for longer ones.
 */
function readListing(buf: Buffer): ProcessListing {
  const len = buf.length;
  // Every byte as one character: an ASCII field's text is a slice of it.
  const latin1 = buf.toString('latin1');
  let pos = 0;
  // The last host and group names read, as their bytes in `latin1` and as text.
  let hostBytes = '\0';
  let hostName = '\0';
  let groupBytes = '\0';
  let groupName = '\0';

  /** A varint's low 32 bits, as the generated reader takes them for tags, lengths, enums, int32 and uint32. */
  function varint(): number {
    let b = buf[pos++]!;
    if (b < 0x80) return b;
    let value = b & 0x7f;
    for (let shift = 7; shift < 70; shift += 7) {
      if (pos >= len) throw IRREGULAR;
      b = buf[pos++]!;
      if (shift < 32) value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
    }
    throw IRREGULAR;
  }

  /** An int64 or uint64 as a number: 0 to 2^49 here; anything else (never a real time or seq) goes to the generated codec. */
  function int49(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= len) throw IRREGULAR;
      const b = buf[pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw IRREGULAR;
  }

  /** The end of a length-delimited field whose length is at `pos`. */
  function endOfField(): number {
    if (pos >= len) throw IRREGULAR;
    let n = buf[pos++]!;
    if (n >= 0x80) {
      pos--;
      n = varint();
    }
    const end = pos + n;
    if (end > len) throw IRREGULAR;
    return end;
  }

  /** The string field whose length is at `pos`. */
  function string(): string {
    const end = endOfField();
    const start = pos;
    pos = end;
    return text(start, end);
  }

  /** `start` to `end` as UTF-8. A regular expression, not a loop over the bytes, says whether they are ASCII: a listing is read once, mostly before the JIT optimizes the reader. */
  function text(start: number, end: number): string {
    const bytes = latin1.slice(start, end);
    return NOT_ASCII.test(bytes) ? utf8.decode(buf.subarray(start, end)) : bytes;
  }

  /** Skips a field this reader does not know; groups (wire types 3, 4) and field 0 go to the generated codec. */
  function skip(tag: number): void {
    if (tag >>> 3 === 0) throw IRREGULAR;
    switch (tag & 7) {
      case 0:
        varint();
        return;
      case 1:
        pos += 8;
        break;
      case 2:
        pos = endOfField();
        return;
      case 5:
        pos += 4;
        break;
      default:
        throw IRREGULAR;
    }
    if (pos > len) throw IRREGULAR;
  }

  function processInfo(end: number): ProcessInfo {
    let group = '';
    let name = '';
    let state = 0;
    let description = '';
    let pid = 0;
    let startMs = 0;
    let stopMs = 0;
    let spawnError = '';
    let exitStatus = 0;
    let stdoutLogfile = '';
    let stderrLogfile = '';
    let nowMs = 0;
    while (pos < end) {
      let tag = buf[pos++]!;
      if (tag >= 0x80) {
        pos--;
        tag = varint();
      }
      switch (tag) {
        case 10: {
          const fieldEnd = endOfField();
          if (fieldEnd - pos !== groupBytes.length || !latin1.startsWith(groupBytes, pos)) {
            groupBytes = latin1.slice(pos, fieldEnd);
            groupName = text(pos, fieldEnd);
          }
          group = groupName;
          pos = fieldEnd;
          break;
        }
        case 18:
          name = string();
          break;
        case 24: {
          let v = buf[pos++]!;
          if (v >= 0x80) {
            pos--;
            v = varint();
          }
          state = v | 0;
          break;
        }
        case 34:
          description = string();
          break;
        case 40: {
          let v = buf[pos++]!;
          if (v >= 0x80) {
            pos--;
            v = varint();
          }
          pid = v >>> 0;
          break;
        }
        case 66:
          spawnError = string();
          break;
        case 72:
          exitStatus = varint() | 0;
          break;
        case 82:
          stdoutLogfile = string();
          break;
        case 90:
          stderrLogfile = string();
          break;
        case 104:
          startMs = int49();
          break;
        case 112:
          stopMs = int49();
          break;
        case 120:
          nowMs = int49();
          break;
        default:
          skip(tag);
      }
    }
    if (pos !== end) throw IRREGULAR;
    const statename = fromProtoState(state as ProcessState);
    return {
      name,
      group,
      description,
      start: Math.trunc(startMs / 1000),
      stop: Math.trunc(stopMs / 1000),
      now: Math.trunc(nowMs / 1000),
      state: processStateCode(statename),
      statename,
      spawnerr: spawnError,
      exitstatus: exitStatus,
      stdoutLogfile,
      stderrLogfile,
      pid,
    };
  }

  /** A host's name, made once for a run of processes on the same host. */
  function hostField(): string {
    const fieldEnd = endOfField();
    if (fieldEnd - pos !== hostBytes.length || !latin1.startsWith(hostBytes, pos)) {
      hostBytes = latin1.slice(pos, fieldEnd);
      hostName = text(pos, fieldEnd);
    }
    pos = fieldEnd;
    return hostName;
  }

  function hostProcess(end: number): HostProcess | null {
    let host = '';
    let info: ProcessInfo | null = null;
    while (pos < end) {
      let tag = buf[pos++]!;
      if (tag >= 0x80) {
        pos--;
        tag = varint();
      }
      if (tag === 10) {
        host = hostField();
      } else if (tag === 18) {
        // A second info replaces the first, as in the generated codec.
        info = processInfo(endOfField());
      } else {
        skip(tag);
      }
    }
    if (pos !== end) throw IRREGULAR;
    // The generated path leaves out a HostProcess without info.
    return info === null ? null : { host, info };
  }

  /** A HostProcesses message (an answer by host): its processes go to `out`, each with the host's name. */
  function hostProcesses(end: number, out: HostProcess[]): void {
    let host = '';
    const infos: ProcessInfo[] = [];
    while (pos < end) {
      let tag = buf[pos++]!;
      if (tag >= 0x80) {
        pos--;
        tag = varint();
      }
      if (tag === 10) host = hostField();
      else if (tag === 18) infos.push(processInfo(endOfField()));
      else skip(tag);
    }
    if (pos !== end) throw IRREGULAR;
    for (const info of infos) out.push({ host, info });
  }

  /** A map entry's key (field 1) and value (field 2, a string or a varint), as the generated entry codecs read them. */
  function mapEntry<V>(end: number, value: V, readValue: (tag: number) => V | undefined): [string, V] {
    let key = '';
    while (pos < end) {
      const tag = varint();
      if (tag === 10) {
        key = string();
      } else {
        const v = readValue(tag);
        if (v === undefined) skip(tag);
        else value = v;
      }
    }
    if (pos !== end) throw IRREGULAR;
    return [key, value];
  }

  const labelValue = (tag: number): string | undefined => (tag === 18 ? string() : undefined);
  const countValue = (tag: number): number | undefined => (tag === 16 ? varint() : undefined);

  /** A Host in the generated codec's shape, for fromProtoHost (a thousand of them: conversion is not where the time goes). */
  function host(end: number): HostInfo {
    const message: Host = { name: '', labels: {}, liveness: 0, agentVersion: '', lastSeenMs: 0n, connectedAtMs: 0n, peer: '', lastSeq: 0n, counts: {} };
    while (pos < end) {
      const tag = varint();
      switch (tag) {
        case 10:
          message.name = string();
          break;
        case 18: {
          const [key, value] = mapEntry(endOfField(), '', labelValue);
          message.labels[key] = value;
          break;
        }
        case 24:
          message.liveness = varint() | 0;
          break;
        case 34:
          message.agentVersion = string();
          break;
        case 40:
          message.lastSeenMs = BigInt(int49());
          break;
        case 48:
          message.connectedAtMs = BigInt(int49());
          break;
        case 58:
          message.peer = string();
          break;
        case 64:
          message.lastSeq = BigInt(int49());
          break;
        case 74: {
          const [key, value] = mapEntry(endOfField(), 0, countValue);
          message.counts[key] = value;
          break;
        }
        default:
          skip(tag);
      }
    }
    if (pos !== end) throw IRREGULAR;
    return fromProtoHost(message);
  }

  function hostError(end: number): ProcessListing['errors'][number] {
    const message = { host: '', fault: '', message: '' };
    while (pos < end) {
      const tag = varint();
      if (tag === 10) message.host = string();
      else if (tag === 18) message.fault = string();
      else if (tag === 26) message.message = string();
      else skip(tag);
    }
    if (pos !== end) throw IRREGULAR;
    return fromProtoHostError(message);
  }

  const processes: HostProcess[] = [];
  const byHost: HostProcess[] = [];
  const hosts: HostInfo[] = [];
  const errors: ProcessListing['errors'] = [];
  while (pos < len) {
    let tag = buf[pos++]!;
    if (tag >= 0x80) {
      pos--;
      tag = varint();
    }
    if (tag === 10) {
      const item = hostProcess(endOfField());
      if (item !== null) processes.push(item);
    } else if (tag === 18) {
      hosts.push(host(endOfField()));
    } else if (tag === 26) {
      errors.push(hostError(endOfField()));
    } else if (tag === 34) {
      hostProcesses(endOfField(), byHost);
    } else {
      skip(tag);
    }
  }
  // As in the generated path: the processes one by one, then those by host (a controller sends one form).
  return { processes: processes.length === 0 ? byHost : processes.concat(byHost), hosts, errors };
}
