// The link's pure parts: backoff, selectors, engine events to host events, and the wire form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessInfo } from '../common/process-info.js';
import { backoffDelay, LINK_BACKOFF } from '../agent/link/backoff.js';
import { toHostEvent } from '../agent/link/host-events.js';
import { fromProtoCommand, fromProtoLogSubscribe, toProtoCommandResult, toProtoHostEvent } from '../agent/link/link-proto.js';
import { selectProcesses } from '../agent/link/selection.js';
import { LogChannel } from '../proto/gen/fleet/v1/agent_control.js';
import { HostEvent } from '../proto/gen/fleet/v1/events.js';
import { ProcessState } from '../proto/gen/fleet/v1/process.js';

test('backoff doubles from half a second up to 30 s, with half of each step random', () => {
  const low = (n: number) => backoffDelay(n, LINK_BACKOFF, () => 0);
  const high = (n: number) => backoffDelay(n, LINK_BACKOFF, () => 0.999999);
  assert.deepEqual([0, 1, 2, 3].map(low), [250, 500, 1000, 2000]);
  assert.deepEqual([0, 1, 2, 3].map(high), [500, 1000, 2000, 4000]);
  assert.equal(low(50), 15_000, 'capped, and no overflow for a long outage');
  assert.equal(high(50), 30_000);
});

test('a selector without wildcards names one process; globs make one bulk filter that leaves named processes out', () => {
  const { named, bulk } = selectProcesses([
    { group: 'web', process: 'web' },
    { group: 'web', process: 'web' },
    { group: 'api', process: 'w_*' },
    { group: 'db*', process: '*' },
  ]);
  assert.deepEqual(named, [{ group: 'web', name: 'web' }], 'once each');
  assert.ok(bulk);
  assert.equal(bulk({ group: 'api', name: 'w_1' }), true);
  assert.equal(bulk({ group: 'api', name: 'x_1' }), false);
  assert.equal(bulk({ group: 'db-main', name: 'db' }), true);
  assert.equal(bulk({ group: 'web', name: 'web' }), false);
  assert.equal(selectProcesses([{ group: 'a', process: 'b' }]).bulk, null, 'no glob, no bulk call');
});

const INFO: ProcessInfo = {
  name: 'web',
  group: 'web',
  description: '',
  start: 1,
  stop: 2,
  now: 3,
  state: 40,
  statename: 'STOPPING',
  spawnerr: '',
  exitstatus: 0,
  stdoutLogfile: '',
  stderrLogfile: '',
  pid: 0,
};

test('an exit counts as expected when its status is in exitcodes or the process was being stopped', () => {
  const exited = (expected: boolean, statename: ProcessInfo['statename']) =>
    toHostEvent(
      { type: 'exited', group: 'web', name: 'web', pid: 7, time: 5, status: { code: null, signal: 'SIGTERM', coreDumped: false }, expected },
      () => ({ ...INFO, statename }),
    );
  assert.deepEqual(exited(false, 'STOPPING'), {
    kind: 'exit',
    time: 5,
    group: 'web',
    name: 'web',
    pid: 7,
    exitStatus: null,
    signal: 'SIGTERM',
    expected: true,
  });
  assert.equal((exited(false, 'RUNNING') as { expected: boolean }).expected, false, 'a signal death while running');
  assert.equal((exited(true, 'RUNNING') as { expected: boolean }).expected, true, 'a status in exitcodes');
  assert.equal(toHostEvent({ type: 'spawned', group: 'web', name: 'web', pid: 7, time: 5 }, () => null), null, 'spawns are not history');
  assert.equal(toHostEvent({ type: 'groups', time: 5 }, () => null), null);
});

test('host events go on the wire with seq, time, the status oneof and what the edge left on the process', () => {
  const detail = { start: 1, stop: 2, exitstatus: -1, spawnerr: 'no such file' };
  const transition = toProtoHostEvent({ kind: 'transition', seq: 9, time: 1234.7, group: 'web', name: 'web', from: 'RUNNING', to: 'STOPPING', pid: 7, detail });
  const decoded = HostEvent.decode(HostEvent.encode(transition).finish());
  assert.equal(decoded.seq, 9n);
  assert.equal(decoded.timeMs, 1234n);
  assert.ok(decoded.kind?.$case === 'transition');
  assert.equal(decoded.kind.value.from, ProcessState.PROCESS_STATE_RUNNING);
  assert.equal(decoded.kind.value.to, ProcessState.PROCESS_STATE_STOPPING);
  assert.deepEqual(
    [decoded.kind.value.startMs, decoded.kind.value.stopMs, decoded.kind.value.exitStatus, decoded.kind.value.spawnError],
    [1000n, 2000n, -1, 'no such file'],
  );
  const unknown = toProtoHostEvent({ kind: 'transition', seq: 12, time: 1, group: 'web', name: 'web', from: 'RUNNING', to: 'STOPPING', pid: 7, detail: null });
  assert.ok(unknown.kind?.$case === 'transition');
  assert.equal(unknown.kind.value.startMs, 0n, 'a process the engine no longer knows goes with zeros');
  const exit = toProtoHostEvent({ kind: 'exit', seq: 10, time: 1, group: 'g', name: 'n', pid: 3, exitStatus: 0, signal: null, expected: true });
  assert.deepEqual(exit.kind?.$case === 'exit' && exit.kind.value.status, { $case: 'exitStatus', value: 0 }, 'exit status 0 is sent, not left out');
  const gap = toProtoHostEvent({ kind: 'gap', seq: 11, time: 1, fromSeq: 2, toSeq: 8 });
  assert.deepEqual(gap.kind, { $case: 'gap', value: { fromSeq: 2n, toSeq: 8n } });
});

test('commands and log subscriptions come off the wire as domain values; results go back with the fault as a name', () => {
  assert.deepEqual(fromProtoCommand({ id: '1', action: { $case: 'update', value: { names: ['web'] } } }), { kind: 'update', groups: ['web'] });
  assert.deepEqual(fromProtoCommand({ id: '2', action: { $case: 'signal', value: { selectors: [{ group: 'a', process: '*' }], signal: 'HUP' } } }), {
    kind: 'signal',
    selectors: [{ group: 'a', process: '*' }],
    signal: 'HUP',
  });
  assert.equal(fromProtoCommand({ id: '3', action: undefined }), null, 'an action this agent does not know');
  assert.deepEqual(
    fromProtoLogSubscribe({
      id: 's',
      selectors: [],
      channels: [LogChannel.LOG_CHANNEL_STDERR, LogChannel.LOG_CHANNEL_UNSPECIFIED],
      sinceMs: 5n,
      maxBacklogBytes: 0n,
      follow: true,
    }).channels,
    ['stderr'],
  );
  const fault = toProtoCommandResult('4', { kind: 'fault', code: 'BAD_SIGNAL', message: 'NOPE' });
  assert.deepEqual([fault.fault, fault.message, fault.results], ['BAD_SIGNAL', 'NOPE', []]);
  const results = toProtoCommandResult('5', {
    kind: 'processes',
    results: [
      { group: 'a', name: 'a', code: 'SUCCESS', description: 'OK' },
      { group: 'b', name: 'b', code: 'NOT_RUNNING', description: 'NOT_RUNNING: b' },
    ],
  });
  assert.deepEqual(
    results.results.map((r) => [r.name, r.fault]),
    [
      ['a', ''],
      ['b', 'NOT_RUNNING'],
    ],
  );
});
