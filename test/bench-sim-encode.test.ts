import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimEventLog } from '../bench/fleet/sim-encode.js';
import type { SimChange, SimProcess } from '../bench/fleet/sim-processes.js';
import { ConnectRequest } from '../proto/gen/fleet/v1/agent_link.js';
import { HostEvent } from '../proto/gen/fleet/v1/events.js';
import { toProtoState } from '../proto/process-convert.js';

const process: SimProcess = { group: 'wörker', name: 'wörker_07', state: 'RUNNING', pid: 0, start: 0, stop: 0, exitStatus: 0 };

test("the simulator's hand-written events decode with the generated codec to exactly what it meant", () => {
  const changes: SimChange[] = [
    { kind: 'transition', process, from: 'RUNNING', to: 'STOPPING', pid: 123_456, start: 1_700_000_000, stop: 0, exitStatus: 0 },
    { kind: 'exit', process, pid: 123_456, signal: 'SIGTERM', expected: true },
    { kind: 'transition', process, from: 'STOPPING', to: 'STOPPED', pid: 0, start: 1_700_000_000, stop: 1_700_000_999, exitStatus: -1 },
    { kind: 'exit', process, pid: 0, signal: 'SIGKILL', expected: false },
    { kind: 'transition', process, from: 'STOPPED', to: 'STARTING', pid: 7, start: 0, stop: 0, exitStatus: 2_147_483_647 },
    { kind: 'transition', process, from: 'BACKOFF', to: 'FATAL', pid: 0, start: 0, stop: 0, exitStatus: -2_147_483_648 },
  ];
  const seqs = [1, 127, 128, 16_384, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];
  const time = 1_763_800_000_123;
  const log = new SimEventLog();
  changes.forEach((change, i) => log.append(seqs[i]!, time + i, change));
  const expected = changes.map((change, i): HostEvent => {
    const base = { seq: BigInt(seqs[i]!), timeMs: BigInt(time + i) };
    if (change.kind === 'exit') {
      return { ...base, kind: { $case: 'exit', value: { group: process.group, name: process.name, pid: change.pid, status: { $case: 'signal', value: change.signal }, expected: change.expected } } };
    }
    return {
      ...base,
      kind: {
        $case: 'transition',
        value: {
          group: process.group,
          name: process.name,
          from: toProtoState(change.from),
          to: toProtoState(change.to),
          pid: change.pid,
          startMs: BigInt(change.start * 1000),
          stopMs: BigInt(change.stop * 1000),
          exitStatus: change.exitStatus,
          spawnError: '',
        },
      },
    };
  });
  const batch = (from: number, to: number): HostEvent[] => {
    const request = ConnectRequest.decode(log.eventsRequest(from, to));
    assert.equal(request.body?.$case, 'events');
    return request.body.value.events;
  };
  assert.deepEqual(batch(0, changes.length), expected, 'every event');
  assert.deepEqual(batch(2, 5), expected.slice(2, 5), 'a range in the middle');
  assert.deepEqual(batch(3, 3), [], 'an empty batch');
  log.drop(2);
  assert.equal(log.count, changes.length - 2);
  assert.deepEqual(batch(0, log.count), expected.slice(2), 'what is left after the oldest two are dropped');
  log.drop(log.count);
  assert.equal(log.count, 0);
  log.append(seqs[0]!, time, changes[0]!);
  assert.deepEqual(batch(0, 1), [expected[0]], 'an event appended to a log emptied by acks');
});

test("a simulated host's event log keeps thousands of events in order as acks drop them from the front", () => {
  const log = new SimEventLog();
  let seq = 0;
  let acked = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 97; i++) log.append(++seq, 1_763_800_000_000 + seq, { kind: 'transition', process, from: 'STOPPED', to: 'STARTING', pid: seq, start: 0, stop: 0, exitStatus: 0 });
    const ack = acked + 61;
    log.drop(ack - acked);
    acked = ack;
    const request = ConnectRequest.decode(log.eventsRequest(0, log.count));
    assert.equal(request.body?.$case, 'events');
    const seqsLeft = request.body.value.events.map((e) => Number(e.seq));
    assert.deepEqual(seqsLeft, Array.from({ length: seq - acked }, (_, i) => acked + 1 + i), `round ${round}`);
  }
});
