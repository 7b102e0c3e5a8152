/**
 * What the store's main thread and its writer thread (sqlite-writer-thread.ts) say to each other,
 * and the packing of event rows between them. The rows of one transaction cross as one
 * transferred Float64Array (no copy) plus each batch's small table of strings: a structured
 * clone of 100,000 event objects costs the sending thread about 0.2 s, this a few ms.
 */
import { EventRows, ROW_WIDTH } from '../../common/event-rows.js';

/** Event rows for one transaction: batches of rows, each of one host. */
export interface PackedEvents {
  /** Every batch's rows, one after another (EventRows' layout). */
  numbers: Float64Array;
  /** [hostId, rows] per batch, in order. */
  batches: number[];
  /** Each batch's strings. */
  strings: (readonly string[])[];
  /** [hostId, seq] pairs: each host's last_seq moves up to its seq in the same transaction. */
  lastSeqs: number[];
}

/** One chunk of the process view: written in one transaction, removals before puts. */
export interface ViewChunk {
  /** Hosts whose rows are deleted first (a snapshot replaced them). */
  replaced: number[];
  /** [hostId, group, name, info JSON] flattened. */
  puts: (number | string)[];
  /** [hostId, group, name] flattened. */
  removed: (number | string)[];
  /** [hostId, group] flattened: every process of the group. */
  removedGroups: (number | string)[];
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

/** Packs each host's batches (their rows copied into one array, to be transferred). */
export function packEvents(items: readonly { hostId: number; batches: readonly EventRows[] }[], lastSeqs: number[]): PackedEvents {
  let rows = 0;
  for (const item of items) for (const b of item.batches) rows += b.count;
  const numbers = new Float64Array(rows * ROW_WIDTH);
  const batches: number[] = [];
  const strings: (readonly string[])[] = [];
  let at = 0;
  for (const { hostId, batches: rowsOfHost } of items) {
    for (const b of rowsOfHost) {
      numbers.set(b.numbers.subarray(b.start * ROW_WIDTH, b.end * ROW_WIDTH), at);
      at += b.count * ROW_WIDTH;
      batches.push(hostId, b.count);
      strings.push(b.strings);
    }
  }
  return { numbers, batches, strings, lastSeqs };
}

/** Calls `row(rows, i, hostId)` for every packed row, in order (the writer thread's side of packEvents). */
export function forEachPackedRow(packed: PackedEvents, row: (rows: EventRows, i: number, hostId: number) => void): void {
  let start = 0;
  for (let b = 0; b < packed.strings.length; b++) {
    const hostId = packed.batches[2 * b]!;
    const end = start + packed.batches[2 * b + 1]!;
    const rows = new EventRows(packed.numbers, packed.strings[b]!, start, end);
    for (let i = start; i < end; i++) row(rows, i, hostId);
    start = end;
  }
}
