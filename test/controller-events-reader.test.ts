import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventRows } from '../common/event-rows.js';
import { readEventBatch } from '../controller/grpc/agent-events-reader.js';
import { fromConnectRequest } from '../controller/grpc/convert-link.js';
import { ConnectRequest } from '../proto/gen/fleet/v1/agent_link.js';
import type { HostEvent } from '../proto/gen/fleet/v1/events.js';
import { ProcessState } from '../proto/gen/fleet/v1/process.js';

const encode = (events: HostEvent[]): Buffer => Buffer.from(ConnectRequest.encode({ body: { $case: 'events', value: { events } } }).finish());

/** Every row as its event and detail. */
function eventsOf(rows: EventRows): unknown[] {
  return Array.from({ length: rows.count }, (_, i) => ({ event: rows.event(rows.start + i, 'web-1'), detail: rows.detail(rows.start + i) }));
}

/** What the generated codec and fromConnectRequest make of `bytes`, or the error they throw. */
function generated(bytes: Buffer): unknown {
  try {
    const message = fromConnectRequest(ConnectRequest.decode(bytes), 'web-1');
    return message.kind === 'events' ? { kind: 'events', events: eventsOf(message.rows) } : message;
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function fast(bytes: Buffer): unknown {
  const batch = readEventBatch(bytes);
  return batch === null ? null : { kind: 'events', events: eventsOf(batch) };
}

const transition = (seq: number, extra: Partial<Extract<HostEvent['kind'], { $case: 'transition' }>['value']> = {}): HostEvent => ({
  seq: BigInt(seq),
  timeMs: 1_763_800_000_123n + BigInt(seq),
  kind: {
    $case: 'transition',
    value: { group: 'wëb', name: 'wëb_0', from: ProcessState.PROCESS_STATE_STOPPING, to: ProcessState.PROCESS_STATE_STOPPED, pid: 0, startMs: 1_763_800_000_999n, stopMs: 1_763_800_001_500n, exitStatus: -1, spawnError: "can't find command", ...extra },
  },
});

test('event batches read directly give the events the generated codec and the converter give', () => {
  const events: HostEvent[] = [
    transition(1),
    transition(2, { from: ProcessState.PROCESS_STATE_STARTING, to: ProcessState.PROCESS_STATE_RUNNING, pid: 4_294_967_295, startMs: 0n, stopMs: 0n, exitStatus: 2_147_483_647, spawnError: '' }),
    transition(3, { exitStatus: -2_147_483_648 }),
    { seq: 4n, timeMs: 5n, kind: { $case: 'exit', value: { group: 'web', name: 'web_0', pid: 77, status: { $case: 'signal', value: 'SIGKILL' }, expected: false } } },
    { seq: 5n, timeMs: 6n, kind: { $case: 'exit', value: { group: 'web', name: 'web_0', pid: 77, status: { $case: 'exitStatus', value: 0 }, expected: true } } },
    { seq: 6n, timeMs: 7n, kind: { $case: 'exit', value: { group: '', name: '', pid: 0, status: undefined, expected: false } } },
    { seq: 2n ** 48n, timeMs: 0n, kind: { $case: 'gap', value: { fromSeq: 7n, toSeq: 2n ** 48n - 1n } } },
  ];
  const bytes = encode(events);
  assert.notEqual(fast(bytes), null, 'read directly');
  assert.deepEqual(fast(bytes), generated(bytes));
  assert.deepEqual(fast(encode([])), generated(encode([])), 'an empty batch');
});

test('what the direct reader does not expect goes to the generated codec, which reads it or refuses it as before', () => {
  const cases: [string, Buffer][] = [
    ['another body', Buffer.from(ConnectRequest.encode({ body: { $case: 'heartbeat', value: { timeMs: 5n } } }).finish())],
    ['seq 0', encode([transition(0)])],
    ['an unset state', encode([transition(1, { from: ProcessState.PROCESS_STATE_UNSPECIFIED })])],
    ['a state from a newer agent', encode([transition(1, { to: 42 as ProcessState })])],
    ['a transition without a name', encode([transition(1, { name: '' })])],
    ['a time past 2^53', encode([{ ...transition(1), timeMs: 2n ** 60n }])],
    ['a negative time', encode([{ ...transition(1), timeMs: -5n }])],
    ['a reversed gap', encode([{ seq: 9n, timeMs: 1n, kind: { $case: 'gap', value: { fromSeq: 8n, toSeq: 7n } } }])],
    ['an event without a kind', encode([{ seq: 9n, timeMs: 1n, kind: undefined }])],
    // HostEvent{seq 1, time 1, field 31 = 5, transition {}}: a field a newer agent might send.
    ['a field this build does not know', Buffer.from([0x1a, 0x0b, 0x0a, 0x09, 0x08, 0x01, 0x10, 0x01, 0xf8, 0x01, 0x05, 0x1a, 0x00])],
    ['a message cut short', encode([transition(1)]).subarray(0, 20)],
  ];
  for (const [what, bytes] of cases) {
    assert.equal(fast(bytes), null, `${what}: left to the generated codec`);
    generated(bytes); // reads or refuses without throwing anything else
  }
  assert.match(JSON.stringify(generated(cases[1]![1])), /seq 0 is not positive/, 'seq 0 is still refused');
  assert.match(JSON.stringify(generated(cases[3]![1])), /unknown process state 42/, 'an unknown state is still refused');
});
