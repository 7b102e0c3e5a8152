import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventRows, EventRowsBuilder, ROW_WIDTH } from '../common/event-rows.js';
import type { AgentEvent } from '../common/fleet-event.js';
import type { TransitionDetail } from '../common/process-info.js';

type Incoming = { event: AgentEvent; detail: TransitionDetail | null };

const incoming: Incoming[] = [
  { event: { kind: 'transition', host: 'h', seq: 1, time: 1_700_000_000_001, group: 'web', name: 'web_0', from: 'RUNNING', to: 'STOPPING', pid: 42 }, detail: { start: 1_700_000_000, stop: 0, exitstatus: 0, spawnerr: '' } },
  { event: { kind: 'exit', host: 'h', seq: 2, time: 1_700_000_000_002, group: 'web', name: 'web_0', pid: 42, exitStatus: null, signal: 'SIGTERM', expected: true }, detail: null },
  { event: { kind: 'transition', host: 'h', seq: 3, time: 1_700_000_000_003, group: 'web', name: 'web_0', from: 'STOPPING', to: 'STOPPED', pid: 0 }, detail: { start: 1_700_000_000, stop: 1_700_000_001, exitstatus: -1, spawnerr: "can't find command" } },
  { event: { kind: 'transition', host: 'h', seq: 4, time: 1_700_000_000_004, group: 'db', name: 'db', from: 'BACKOFF', to: 'FATAL', pid: 0 }, detail: null },
  { event: { kind: 'exit', host: 'h', seq: 5, time: 1_700_000_000_005, group: 'db', name: 'db', pid: 7, exitStatus: 3, signal: null, expected: false }, detail: null },
  { event: { kind: 'gap', host: 'h', seq: 9, time: 1_700_000_000_009, fromSeq: 6, toSeq: 8 }, detail: null },
];

function eventsOf(rows: EventRows, host = 'h'): Incoming[] {
  const out: Incoming[] = [];
  for (let i = rows.start; i < rows.end; i++) out.push({ event: rows.event(i, host), detail: rows.detail(i) });
  return out;
}

test('every kind of agent event comes back out of its row as it went in, detail included', () => {
  const rows = EventRows.fromIncoming(incoming);
  assert.equal(rows.count, incoming.length);
  assert.equal(rows.lastSeq, 9);
  assert.deepEqual(eventsOf(rows), incoming);
  assert.deepEqual(eventsOf(EventRows.fromEvents(incoming.map((e) => e.event))), incoming.map(({ event }) => ({ event, detail: null })), 'events without detail have none');
});

test('only transitions with their detail shape the view, and rows of one process share a key', () => {
  const rows = EventRows.fromIncoming(incoming);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => rows.shapesView(i)), [true, false, true, false, false, false]);
  assert.equal(rows.processKey(0), rows.processKey(2));
  assert.notEqual(rows.processKey(0), rows.processKey(3));
});

test('after(seq) keeps the rows past seq without copying them', () => {
  const rows = EventRows.fromIncoming(incoming);
  const rest = rows.after(3);
  assert.equal(rest.numbers, rows.numbers);
  assert.deepEqual(eventsOf(rest), incoming.slice(3));
  assert.equal(rows.after(0), rows, 'nothing skipped: the same rows');
  assert.equal(rows.after(9).count, 0);
  assert.equal(rows.after(9).lastSeq, 0);
});

test("a batch out of seq order is put in order, and a repeated seq keeps its first event", () => {
  const shuffled = [incoming[2]!, incoming[0]!, incoming[1]!, { ...incoming[1]!, event: { ...incoming[1]!.event, time: 99 } as AgentEvent }];
  assert.deepEqual(eventsOf(EventRows.fromIncoming(shuffled)), incoming.slice(0, 3));
});

test('batches in seq order are passed as they are; batches out of it become one, in order, each seq once', () => {
  const gaps = (...seqs: number[]): EventRows => EventRows.fromEvents(seqs.map((seq) => ({ kind: 'gap', host: 'h', seq, time: seq, fromSeq: 0, toSeq: 0 })));
  const seqsOf = (batches: readonly EventRows[]): number[][] => batches.map((rows) => Array.from({ length: rows.count }, (_, i) => rows.seq(rows.start + i)));
  const ordered = [gaps(1, 2), gaps(), gaps(3, 4).after(3), gaps(7)];
  assert.equal(EventRows.inOrder(ordered), ordered, 'the same batches');
  assert.deepEqual(seqsOf(EventRows.inOrder([gaps(4, 5), gaps(1, 2, 3), gaps(5, 6)])), [[1, 2, 3, 4, 5, 6]]);
});

test('a builder grows past the capacity it was given', () => {
  const builder = new EventRowsBuilder(1);
  for (let seq = 1; seq <= 1000; seq++) builder.add({ kind: 'gap', host: 'h', seq, time: seq, fromSeq: 0, toSeq: 0 }, null);
  const rows = builder.build();
  assert.equal(rows.count, 1000);
  assert.equal(rows.numbers.length, 1000 * ROW_WIDTH);
  assert.deepEqual(Array.from({ length: 1000 }, (_, i) => rows.seq(i)), Array.from({ length: 1000 }, (_, i) => i + 1));
});

test('the INSERT columns of each kind are NULL where the kind has no value', () => {
  const rows = EventRows.fromIncoming(incoming);
  assert.deepEqual(
    [1, 3, 4, 5].map((i) => rows.insertColumns(i, 7, [])),
    [
      [7, 2, 1_700_000_000_002, 'exit', 'web', 'web_0', null, null, 42, null, 'SIGTERM', 1, null, null],
      [7, 4, 1_700_000_000_004, 'transition', 'db', 'db', 'BACKOFF', 'FATAL', 0, null, null, null, null, null],
      [7, 5, 1_700_000_000_005, 'exit', 'db', 'db', null, null, 7, 3, null, 0, null, null],
      [7, 9, 1_700_000_000_009, 'gap', null, null, null, null, null, null, null, null, 6, 8],
    ],
  );
});

test('an event of no known kind or state, or with a seq or time no agent sends, is refused with INCORRECT_PARAMETERS', () => {
  const builder = new EventRowsBuilder();
  assert.throws(() => builder.add({ ...incoming[5]!.event, kind: 'bogus' } as unknown as AgentEvent, null), { code: 'INCORRECT_PARAMETERS', message: /unknown kind "bogus"/ });
  assert.throws(() => builder.add({ ...incoming[0]!.event, seq: -1 }, null), { code: 'INCORRECT_PARAMETERS', message: /seq must be a positive integer/ });
  assert.throws(() => builder.add({ ...incoming[0]!.event, time: 1.5 }, null), { code: 'INCORRECT_PARAMETERS', message: /time must be an integer/ });
  assert.throws(() => builder.add({ ...incoming[0]!.event, to: 'SLEEPING' } as unknown as AgentEvent, null), { code: 'INCORRECT_PARAMETERS', message: /unknown state in "RUNNING" -> "SLEEPING"/ });
  assert.equal(builder.build().count, 0, 'nothing refused was kept');
});
