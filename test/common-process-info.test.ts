import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStopTime, infoAfterTransition, transitionDetailOf, type ProcessInfo } from '../common/process-info.js';

const before: ProcessInfo = {
  name: 'web_0',
  group: 'web',
  description: 'pid 7, uptime 0:00:10',
  start: 1_700_000_000,
  stop: 0,
  now: 1_700_000_010,
  state: 20,
  statename: 'RUNNING',
  spawnerr: '',
  exitstatus: 0,
  stdoutLogfile: '/var/log/web.out',
  stderrLogfile: '',
  pid: 7,
};

test('a process rebuilt after an edge has the new state, pid and times, its description at the edge, and the log files it had', () => {
  const stopped = infoAfterTransition(
    before,
    { group: 'web', name: 'web_0', to: 'STOPPED', pid: 0, time: 1_700_000_020_400 },
    { start: 1_700_000_000, stop: 1_700_000_020, exitstatus: -1, spawnerr: '' },
  );
  assert.deepEqual(stopped, {
    ...before,
    description: formatStopTime(1_700_000_020),
    stop: 1_700_000_020,
    now: 1_700_000_020,
    state: 0,
    statename: 'STOPPED',
    exitstatus: -1,
    pid: 0,
  });
  const running = infoAfterTransition(stopped, { group: 'web', name: 'web_0', to: 'RUNNING', pid: 9, time: 1_700_000_090_000 }, { ...transitionDetailOf(stopped), start: 1_700_000_030 });
  assert.equal(running.description, 'pid 9, uptime 0:01:00', 'the uptime counts to the edge');
});

test('a process the view has not seen yet is rebuilt without log files; never started reads "Not started"', () => {
  const info = infoAfterTransition(undefined, { group: 'new', name: 'new', to: 'STOPPED', pid: 0, time: 5_000 }, { start: 0, stop: 0, exitstatus: 0, spawnerr: '' });
  assert.deepEqual([info.group, info.name, info.description, info.stdoutLogfile, info.stderrLogfile, info.now], ['new', 'new', 'Not started', '', '', 5]);
});
