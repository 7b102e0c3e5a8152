/**
 * What the store's main thread and its writer thread (sqlite-writer-thread.ts) say to each other,
 * and the packing of event rows between them. Rows cross as one transferred Float64Array (no
 * copy) plus a table of their distinct strings: a structured clone of 100,000 event objects
 * costs the sending thread about 0.2 s, this about 20 ms.
 */
import { AGENT_EVENT_KINDS, type AgentEvent } from '../../common/fleet-event.js';

/** Event rows for one transaction: each item is one host's events. */
export interface PackedEvents {
  /** ROW_WIDTH numbers per row (see packEvents). */
  numbers: Float64Array;
  strings: string[];
  /** [hostId, seq] pairs: each host's last_seq moves up to its seq in the same transaction. */
  lastSeqs: number[];
}

/** One chunk of the process view: written in one transaction. */
export interface ViewChunk {
  /** Hosts whose rows are deleted first (a snapshot replaced them). */
  replaced: number[];
  /** [hostId, group, name, info JSON] flattened. */
  puts: (number | string)[];
  /** [hostId, group, name] flattened. */
  removed: (number | string)[];
  /** [hostId, lastSeen] flattened. */
  seen: number[];
}

export interface PruneStep {
  /** Delete events older than this epoch ms (null: no age bound). */
  olderThan: number | null;
  /** Then, if nothing was old enough, delete this many of the oldest (0: none). */
  oldest: number;
  stepRows: number;
}

export type WriterRequest =
  | { id: number; op: 'ready' }
  | { id: number; op: 'connect'; name: string; labels: string; agentVersion: string; peer: string; time: number }
  | { id: number; op: 'add-host'; name: string }
  | { id: number; op: 'append'; events: PackedEvents }
  | { id: number; op: 'view'; chunk: ViewChunk }
  | { id: number; op: 'prune'; step: PruneStep }
  | { id: number; op: 'close' };

/** What each op answers: a host id, per-row stored flags (1: stored, 0: already there), rows deleted. */
export interface WriterResults {
  ready: null;
  connect: number;
  'add-host': number;
  append: Uint8Array;
  view: null;
  prune: number;
  close: null;
}

export type WriterResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { message: string; code: string } };

/** Numbers per packed row: host id, seq, time, kind, then the kind's columns (NaN for NULL). */
export const ROW_WIDTH = 14;

/** A kind's number in a packed row: its index in AGENT_EVENT_KINDS. */
const KIND_CODES = Object.fromEntries(AGENT_EVENT_KINDS.map((kind, i) => [kind, i])) as Record<AgentEvent['kind'], number>;

/** Packs `items` (host id and events) row after row, in order. */
export function packEvents(items: readonly { hostId: number; events: readonly AgentEvent[] }[], lastSeqs: number[]): PackedEvents {
  let rows = 0;
  for (const item of items) rows += item.events.length;
  const numbers = new Float64Array(rows * ROW_WIDTH).fill(Number.NaN);
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = strings.push(s) - 1));
    return i;
  };
  let at = 0;
  for (const { hostId, events } of items) {
    for (const e of events) {
      numbers[at] = hostId;
      numbers[at + 1] = e.seq;
      numbers[at + 2] = e.time;
      numbers[at + 3] = KIND_CODES[e.kind];
      switch (e.kind) {
        case 'transition':
          numbers[at + 4] = ref(e.group);
          numbers[at + 5] = ref(e.name);
          numbers[at + 6] = ref(e.from);
          numbers[at + 7] = ref(e.to);
          numbers[at + 8] = e.pid;
          break;
        case 'exit':
          numbers[at + 4] = ref(e.group);
          numbers[at + 5] = ref(e.name);
          numbers[at + 8] = e.pid;
          if (e.exitStatus !== null) numbers[at + 9] = e.exitStatus;
          if (e.signal !== null) numbers[at + 10] = ref(e.signal);
          numbers[at + 11] = e.expected ? 1 : 0;
          break;
        case 'gap':
          numbers[at + 12] = e.fromSeq;
          numbers[at + 13] = e.toSeq;
          break;
      }
      at += ROW_WIDTH;
    }
  }
  return { numbers, strings, lastSeqs };
}

/** The 14 column values of packed row `row` for the events INSERT, in its column order, into `out`. */
export function unpackRow(events: PackedEvents, row: number, out: unknown[]): unknown[] {
  const { numbers, strings } = events;
  const at = row * ROW_WIDTH;
  for (let i = 0; i < ROW_WIDTH; i++) {
    const v = numbers[at + i]!;
    out[i] = Number.isNaN(v) ? null : STRING_COLUMNS[i] ? strings[v] : v;
  }
  out[3] = AGENT_EVENT_KINDS[numbers[at + 3]!];
  return out;
}

/** Which packed columns are indexes into the string table: grp, name, from_state, to_state, signal. */
const STRING_COLUMNS: readonly boolean[] = Array.from({ length: ROW_WIDTH }, (_, i) => i === 4 || i === 5 || i === 6 || i === 7 || i === 10);
