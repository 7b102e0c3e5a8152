/**
 * A host's events as rows of numbers: the form agent events take in the controller, from its
 * stream's reader to its store's writer thread. A fleet-wide restart of 1,000 hosts x 20 processes is 100,000 events;
 * as objects (an event, its detail, their strings) they lived until their transaction committed,
 * long enough to be copied by every young-generation collection on the way and promoted to the
 * old one, and collecting them cost the controller more CPU than reading them. As rows they are
 * one Float64Array per message, outside the JavaScript heap, plus a small table of the distinct
 * strings they name; objects are made only where one is needed: the last edge of each process
 * (the view), and every event only while someone watches the live stream (the event bus).
 *
 * Rows are in strictly increasing seq order (the builder sorts an agent's out-of-order batch and
 * keeps the first of a repeated seq).
 */
import { FleetError } from './errors.js';
import { AGENT_EVENT_KINDS, type AgentEvent } from './fleet-event.js';
import type { TransitionDetail } from './process-info.js';
import { ProcessStates, type ProcessState } from './process-state.js';

/** The columns of a row. String columns hold an index into the rows' strings; NaN is "none". */
const SEQ = 0;
const TIME = 1;
/** Index in AGENT_EVENT_KINDS. */
const KIND = 2;
const GROUP = 3;
const NAME = 4;
/** Index in STATES. */
const FROM = 5;
const TO = 6;
const PID = 7;
/** An exit's status (NaN when a signal killed it), its signal (string), whether it was expected (0/1). */
const EXIT_STATUS = 8;
const SIGNAL = 9;
const EXPECTED = 10;
const GAP_FROM = 11;
const GAP_TO = 12;
/** A transition's detail (NaN in DETAIL_START: none): epoch seconds, exit status, spawn error (string). */
const DETAIL_START = 13;
const DETAIL_STOP = 14;
const DETAIL_EXIT = 15;
const DETAIL_SPAWN_ERROR = 16;
/** Numbers per row. */
export const ROW_WIDTH = 17;
/** Values per row of the events table's INSERT (insertColumns). */
export const INSERT_COLUMNS = 14;

const TRANSITION = AGENT_EVENT_KINDS.indexOf('transition');
const EXIT = AGENT_EVENT_KINDS.indexOf('exit');
const GAP = AGENT_EVENT_KINDS.indexOf('gap');

/** The process states in a fixed order: a state's number in a row is its index here. */
const STATES = Object.keys(ProcessStates) as ProcessState[];
const STATE_INDEX = new Map(STATES.map((state, i) => [state, i]));

/** A state's number in a row; -1 for a string that is no state. */
export function stateIndex(state: ProcessState): number {
  return STATE_INDEX.get(state) ?? -1;
}

/** Rows `start` (inclusive) to `end` (exclusive) of `numbers`, whose string columns index `strings`. */
export class EventRows {
  constructor(
    readonly numbers: Float64Array,
    readonly strings: readonly string[],
    readonly start: number,
    readonly end: number,
  ) {}

  static fromEvents(events: readonly AgentEvent[]): EventRows {
    const builder = new EventRowsBuilder();
    for (const event of events) builder.add(event, null);
    return builder.build();
  }

  /** Events with their transitions' detail (null: none), as the controller's link reads them. */
  static fromIncoming(events: readonly { event: AgentEvent; detail: TransitionDetail | null }[]): EventRows {
    const builder = new EventRowsBuilder();
    for (const { event, detail } of events) builder.add(event, detail);
    return builder.build();
  }

  /**
   * `batches` (each in seq order) as batches in seq order from one to the next: as they are when
   * each starts past the one before (an agent sends them so), else merged into one, sorted, the
   * first of a repeated seq kept.
   */
  static inOrder(batches: readonly EventRows[]): readonly EventRows[] {
    let last = 0;
    let ordered = true;
    for (const rows of batches) {
      if (rows.count === 0) continue;
      if (rows.seq(rows.start) <= last) ordered = false;
      last = rows.lastSeq;
    }
    if (ordered) return batches;
    const builder = new EventRowsBuilder();
    for (const rows of batches) for (let i = rows.start; i < rows.end; i++) builder.add(rows.event(i, ''), rows.detail(i));
    return [builder.build()];
  }

  get count(): number {
    return this.end - this.start;
  }

  seq(row: number): number {
    return this.numbers[row * ROW_WIDTH + SEQ]!;
  }

  get lastSeq(): number {
    return this.count === 0 ? 0 : this.seq(this.end - 1);
  }

  /** The rows whose seq is above `seq` (the same numbers, not a copy). */
  after(seq: number): EventRows {
    let from = this.start;
    while (from < this.end && this.seq(from) <= seq) from++;
    return from === this.start ? this : new EventRows(this.numbers, this.strings, from, this.end);
  }

  /** Whether the row is a transition that carries its detail (what the view is built from). */
  shapesView(row: number): boolean {
    const at = row * ROW_WIDTH;
    return this.numbers[at + KIND] === TRANSITION && !Number.isNaN(this.numbers[at + DETAIL_START]);
  }

  /** A number for the row's process, equal for rows of the same process of these rows (not across EventRows). */
  processKey(row: number): number {
    const at = row * ROW_WIDTH;
    return this.numbers[at + GROUP]! * this.strings.length + this.numbers[at + NAME]!;
  }

  /** The row as an event of `host`. */
  event(row: number, host: string): AgentEvent {
    const n = this.numbers;
    const at = row * ROW_WIDTH;
    const seq = n[at + SEQ]!;
    const time = n[at + TIME]!;
    switch (n[at + KIND]) {
      case TRANSITION:
        return { kind: 'transition', host, seq, time, group: this.text(at + GROUP)!, name: this.text(at + NAME)!, from: STATES[n[at + FROM]!]!, to: STATES[n[at + TO]!]!, pid: n[at + PID]! };
      case EXIT: {
        const status = n[at + EXIT_STATUS]!;
        return { kind: 'exit', host, seq, time, group: this.text(at + GROUP)!, name: this.text(at + NAME)!, pid: n[at + PID]!, exitStatus: Number.isNaN(status) ? null : status, signal: this.text(at + SIGNAL), expected: n[at + EXPECTED] === 1 };
      }
      default:
        return { kind: 'gap', host, seq, time, fromSeq: n[at + GAP_FROM]!, toSeq: n[at + GAP_TO]! };
    }
  }

  /** A transition's detail, or null. */
  detail(row: number): TransitionDetail | null {
    const n = this.numbers;
    const at = row * ROW_WIDTH;
    if (Number.isNaN(n[at + DETAIL_START])) return null;
    return { start: n[at + DETAIL_START]!, stop: n[at + DETAIL_STOP]!, exitstatus: n[at + DETAIL_EXIT]!, spawnerr: this.text(at + DETAIL_SPAWN_ERROR) ?? '' };
  }

  /**
   * The row's values in the order of the events table's INSERT (sqlite-statements.ts): host_id,
   * seq, time, kind, grp, name, from_state, to_state, pid, exit_status, signal, expected,
   * gap_from, gap_to; null for what its kind does not have. Into `out`, which is returned.
   */
  insertColumns(row: number, hostId: number, out: unknown[]): unknown[] {
    const n = this.numbers;
    const at = row * ROW_WIDTH;
    const kind = n[at + KIND]!;
    out[0] = hostId;
    out[1] = n[at + SEQ];
    out[2] = n[at + TIME];
    out[3] = AGENT_EVENT_KINDS[kind];
    out[4] = this.text(at + GROUP);
    out[5] = this.text(at + NAME);
    out[6] = kind === TRANSITION ? STATES[n[at + FROM]!] : null;
    out[7] = kind === TRANSITION ? STATES[n[at + TO]!] : null;
    out[8] = kind === GAP ? null : n[at + PID];
    out[9] = kind === EXIT ? nullable(n[at + EXIT_STATUS]!) : null;
    out[10] = kind === EXIT ? this.text(at + SIGNAL) : null;
    out[11] = kind === EXIT ? n[at + EXPECTED] : null;
    out[12] = kind === GAP ? n[at + GAP_FROM] : null;
    out[13] = kind === GAP ? n[at + GAP_TO] : null;
    return out;
  }

  private text(at: number): string | null {
    const i = this.numbers[at]!;
    return Number.isNaN(i) ? null : this.strings[i]!;
  }
}

function nullable(n: number): number | null {
  return Number.isNaN(n) ? null : n;
}

/**
 * Builds EventRows row by row: from events (add), or field by field (the stream's reader:
 * begin, then set and ref, then build). Checks what the store relies on: a seq that is a
 * positive integer, a time that is an integer.
 */
export class EventRowsBuilder {
  private numbers: Float64Array;
  private rows = 0;
  private readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  /** `capacity`: the rows expected (more only cost a copy). */
  constructor(capacity = 16) {
    this.numbers = new Float64Array(ROW_WIDTH * Math.max(1, capacity));
  }

  /** Starts a row with every column empty; returns its offset for the setters below. */
  begin(): number {
    const at = this.rows++ * ROW_WIDTH;
    if (at + ROW_WIDTH > this.numbers.length) {
      const bigger = new Float64Array(this.numbers.length * 2);
      bigger.set(this.numbers);
      this.numbers = bigger;
    }
    this.numbers.fill(Number.NaN, at, at + ROW_WIDTH);
    return at;
  }

  /** The index of `s` in the strings. */
  private ref(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.strings.push(s) - 1));
    return i;
  }

  /** The row at `at` (from begin()) gets its seq and time. */
  head(at: number, seq: number, time: number): void {
    this.numbers[at + SEQ] = seq;
    this.numbers[at + TIME] = time;
  }

  /** `from` and `to` are stateIndex() numbers; `start` NaN: no detail (then `stop`, `exitstatus` and `spawnerr` are ignored). */
  transition(at: number, group: string, name: string, from: number, to: number, pid: number, start: number, stop: number, exitstatus: number, spawnerr: string): void {
    const n = this.numbers;
    n[at + KIND] = TRANSITION;
    n[at + GROUP] = this.ref(group);
    n[at + NAME] = this.ref(name);
    n[at + FROM] = from;
    n[at + TO] = to;
    n[at + PID] = pid;
    if (Number.isNaN(start)) return;
    n[at + DETAIL_START] = start;
    n[at + DETAIL_STOP] = stop;
    n[at + DETAIL_EXIT] = exitstatus;
    if (spawnerr !== '') n[at + DETAIL_SPAWN_ERROR] = this.ref(spawnerr);
  }

  exit(at: number, group: string, name: string, pid: number, exitStatus: number | null, signal: string | null, expected: boolean): void {
    const n = this.numbers;
    n[at + KIND] = EXIT;
    n[at + GROUP] = this.ref(group);
    n[at + NAME] = this.ref(name);
    n[at + PID] = pid;
    if (exitStatus !== null) n[at + EXIT_STATUS] = exitStatus;
    if (signal !== null) n[at + SIGNAL] = this.ref(signal);
    n[at + EXPECTED] = expected ? 1 : 0;
  }

  gap(at: number, fromSeq: number, toSeq: number): void {
    const n = this.numbers;
    n[at + KIND] = GAP;
    n[at + GAP_FROM] = fromSeq;
    n[at + GAP_TO] = toSeq;
  }

  add(event: AgentEvent, detail: TransitionDetail | null): void {
    if (!Number.isSafeInteger(event.seq) || event.seq < 1) throw badEvent(event, 'seq must be a positive integer');
    if (!Number.isSafeInteger(event.time)) throw badEvent(event, 'time must be an integer (epoch ms)');
    if (event.kind === 'transition' && (stateIndex(event.from) < 0 || stateIndex(event.to) < 0)) throw badEvent(event, `unknown state in ${JSON.stringify(event.from)} -> ${JSON.stringify(event.to)}`);
    const at = this.begin();
    this.head(at, event.seq, event.time);
    switch (event.kind) {
      case 'transition':
        if (detail) this.transition(at, event.group, event.name, stateIndex(event.from), stateIndex(event.to), event.pid, detail.start, detail.stop, detail.exitstatus, detail.spawnerr);
        else this.transition(at, event.group, event.name, stateIndex(event.from), stateIndex(event.to), event.pid, Number.NaN, 0, 0, '');
        break;
      case 'exit':
        this.exit(at, event.group, event.name, event.pid, event.exitStatus, event.signal, event.expected);
        break;
      case 'gap':
        this.gap(at, event.fromSeq, event.toSeq);
        break;
      default:
        this.rows--;
        throw badEvent(event, `unknown kind ${JSON.stringify((event as { kind: unknown }).kind)}`);
    }
  }

  build(): EventRows {
    const used = this.rows * ROW_WIDTH;
    // The rows may wait in queues for a while: a buffer much bigger than them is copied to size.
    const numbers = used * 1.25 < this.numbers.length ? this.numbers.slice(0, used) : this.numbers.subarray(0, used);
    const rows = new EventRows(numbers, this.strings, 0, this.rows);
    return inOrder(rows) ? rows : sorted(rows);
  }
}

function badEvent(event: AgentEvent, problem: string): FleetError {
  return new FleetError('INCORRECT_PARAMETERS', `event ${JSON.stringify(event.seq)}: ${problem}`);
}

function inOrder(rows: EventRows): boolean {
  for (let row = rows.start + 1; row < rows.end; row++) if (rows.seq(row) <= rows.seq(row - 1)) return false;
  return true;
}

/** The rows by seq, the first of each repeated seq kept (an agent sends its batches in order; this is for one that did not). */
function sorted(rows: EventRows): EventRows {
  const order = Array.from({ length: rows.count }, (_, i) => rows.start + i).sort((a, b) => rows.seq(a) - rows.seq(b) || a - b);
  const kept = order.filter((row, i) => i === 0 || rows.seq(row) !== rows.seq(order[i - 1]!));
  const numbers = new Float64Array(kept.length * ROW_WIDTH);
  kept.forEach((row, i) => numbers.set(rows.numbers.subarray(row * ROW_WIDTH, (row + 1) * ROW_WIDTH), i * ROW_WIDTH));
  return new EventRows(numbers, rows.strings, 0, kept.length);
}
