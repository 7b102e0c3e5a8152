import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeHostEvent, eventsRequest } from '../bench/fleet/sim-encode.js';
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
  const encoded = changes.map((change, i) => encodeHostEvent(seqs[i]!, time + i, change));
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
  assert.deepEqual(
    encoded.map((bytes) => HostEvent.decode(bytes)),
    expected,
  );
  const request = ConnectRequest.decode(eventsRequest(encoded));
  assert.deepEqual(request, { body: { $case: 'events', value: { events: expected } } });
  assert.deepEqual(ConnectRequest.decode(eventsRequest([])), { body: { $case: 'events', value: { events: [] } } }, 'an empty batch');
});
