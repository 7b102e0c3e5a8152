// What fleetctl prints in cluster mode, as pure functions of the controller's answers: the
// status table with host/namespec names, the hosts table, control result lines and their exit
// codes, history and event lines, and log lines merged with their source as a prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessListing } from '../cli/client/controller-client.js';
import { controlOutcomeLine, exitAfter } from '../cli/cluster/commands/control.js';
import { eventLine, historyLines, entryJson } from '../cli/cluster/history-lines.js';
import { hostErrorLine } from '../cli/cluster/host-errors.js';
import { formatCounts, hostsTable } from '../cli/cluster/hosts-view.js';
import { LogLineSplitter, logLineJson, prefixedLines } from '../cli/cluster/log-lines.js';
import { statusExitCode, statusJson, statusText } from '../cli/cluster/status-view.js';
import { host, NOW } from './helpers/cluster-fake-client.js';
import { info } from './helpers/cli-fake-client.js';

const pad = (s: string, n = 33): string => s.padEnd(n);

function listing(extra: Partial<ProcessListing> = {}): ProcessListing {
  return {
    processes: [
      { host: 'web-2', info: info('api', 'api_0', 'RUNNING') },
      { host: 'web-1', info: info('worker', 'worker', 'STOPPED') },
      { host: 'web-1', info: info('api', 'api_0', 'RUNNING') },
    ],
    hosts: [host('web-1'), host('web-2')],
    errors: [],
    ...extra,
  };
}

test('status shows host/namespec in the name column, sorted by host then name, in supervisorctl columns', () => {
  const text = statusText(listing(), NOW);
  assert.deepEqual(text.lines, [
    `${pad('web-1/api:api_0')}RUNNING   pid 100, uptime 0:00:05`,
    `${pad('web-1/worker')}STOPPED   Not started`,
    `${pad('web-2/api:api_0')}RUNNING   pid 100, uptime 0:00:05`,
  ]);
  assert.deepEqual(text.notes, []);
  assert.equal(statusExitCode(listing()), 3);
});

test('the name column is padded by code points, as supervisorctl pads it, when names hold characters beyond U+FFFF', () => {
  const wide = '😀'.repeat(31);
  const l = listing({
    processes: [
      { host: 'h', info: info(wide, wide, 'RUNNING') },
      { host: 'wéb-😀', info: info('grp', '😀x', 'STOPPED') },
      { host: 'wéb-😀', info: info('😀x', '😀x', 'STOPPED') },
    ],
    hosts: [host('h'), host('wéb-😀')],
  });
  // `h/` and 31 emoji are 33 code points (64 UTF-16 units): the column is 36 wide.
  assert.deepEqual(statusText(l, NOW).lines, [
    `h/${wide}   RUNNING   pid 100, uptime 0:00:05`,
    `wéb-😀/grp:😀x${' '.repeat(36 - 12)}STOPPED   Not started`,
    `wéb-😀/😀x${' '.repeat(36 - 8)}STOPPED   Not started`,
  ]);
});

test('a running process on a connected host has its uptime counted to now', () => {
  const start = Math.trunc(NOW / 1000) - 3725;
  const l = listing({ processes: [{ host: 'web-1', info: info('api', 'api', 'RUNNING', { start, now: start + 5 }) }] });
  assert.deepEqual(statusText(l, NOW).lines, [`${pad('web-1/api')}RUNNING   pid 100, uptime 1:02:05`]);
});

test("a disconnected host's processes keep their last known state with a marker, a warning, and exit 4", () => {
  const l = listing({
    processes: [{ host: 'db-1', info: info('pg', 'pg', 'RUNNING') }],
    hosts: [host('db-1', { liveness: 'disconnected', lastSeen: NOW - 180_000 })],
  });
  const text = statusText(l, NOW);
  assert.deepEqual(text.lines, [`${pad('db-1/pg')}RUNNING   pid 100, uptime 0:00:05 [last known; host disconnected, last seen 3m ago]`]);
  assert.deepEqual(text.notes, ['db-1: WARNING (host disconnected, last seen 3m ago: its processes show their last known state)']);
  assert.equal(statusExitCode(l), 4);
});

test('status exits 4 for an unknown address or host, then 3 when something listed is stopped (the later rule wins)', () => {
  const errors = [{ host: '', code: 'BAD_NAME' as const, message: 'no such process: nosuch' }];
  assert.equal(statusExitCode(listing({ errors, processes: [{ host: 'web-1', info: info('a', 'a', 'RUNNING') }] })), 4);
  assert.equal(statusExitCode(listing({ errors })), 3);
  assert.equal(statusExitCode(listing({ processes: [] })), 0);
  assert.deepEqual(statusText(listing({ errors }), NOW).notes, ['ERROR (no such process: nosuch)']);
});

test('status -o json adds the host, the address and the host state to every process', () => {
  const doc = statusJson(listing({ errors: [{ host: 'web-9', code: 'NO_SUCH_HOST', message: 'no such host: web-9' }] }), NOW) as {
    processes: Array<Record<string, unknown>>;
    hosts: unknown[];
    errors: unknown[];
  };
  assert.deepEqual(
    doc.processes.map((p) => [p.host, p.address, p.namespec, p.state, p.host_state]),
    [
      ['web-1', 'web-1/api:api_0', 'api:api_0', 'RUNNING', 'connected'],
      ['web-1', 'web-1/worker', 'worker', 'STOPPED', 'connected'],
      ['web-2', 'web-2/api:api_0', 'api:api_0', 'RUNNING', 'connected'],
    ],
  );
  assert.deepEqual(doc.errors, [{ host: 'web-9', fault: 'NO_SUCH_HOST', error: 'no such host: web-9' }]);
  assert.deepEqual(doc.hosts[0], { name: 'web-1', state: 'connected', last_seen_ms: NOW - 1000 });
});

test('hosts: aligned columns, labels sorted, counts in state order, `never` for a host never seen', () => {
  const lines = hostsTable(
    [
      host('web-2', { liveness: 'stale', lastSeen: NOW - 7000, labels: { zone: 'eu-1', role: 'web' }, counts: { FATAL: 1, RUNNING: 3 } }),
      host('db-1', { liveness: 'disconnected', lastSeen: 0, agentVersion: '' }),
      host('web-1', { lastSeen: NOW - 200, counts: { RUNNING: 2 } }),
    ],
    NOW,
  );
  // Each column is as wide as its widest cell plus three spaces; the last is not padded.
  const row = (...cells: string[]): string => cells.map((c, i) => (i < 5 ? c.padEnd([8, 15, 21, 10, 12][i]!) : c)).join('');
  assert.deepEqual(lines, [
    row('NAME', 'STATE', 'LABELS', 'VERSION', 'LAST SEEN', 'PROCESSES'),
    row('db-1', 'disconnected', '<none>', '-', 'never', '-'),
    row('web-1', 'connected', '<none>', '0.1.0', 'just now', 'RUNNING=2'),
    row('web-2', 'stale', 'role=web,zone=eu-1', '0.1.0', '7s ago', 'RUNNING=3,FATAL=1'),
  ]);
  assert.equal(formatCounts({}), '-');
});

test("control lines read as supervisorctl's with the host in front; host errors say why the host could not act", () => {
  const ok = { kind: 'result' as const, host: 'web-1', result: { group: 'api', name: 'api_0', code: 'SUCCESS' as const, description: 'OK' } };
  const spawn = { kind: 'result' as const, host: 'web-2', result: { group: 'web', name: 'web', code: 'SPAWN_ERROR' as const, description: 'SPAWN_ERROR: web' } };
  const odd = { kind: 'result' as const, host: 'web-2', result: { group: 'web', name: 'web', code: 'FAILED' as const, description: 'FAILED: web is stuck' } };
  const down = { kind: 'host-error' as const, error: { host: 'web-3', code: 'HOST_UNREACHABLE' as const, message: 'web-3 is disconnected (last seen 5s ago)' } };
  const timeout = { kind: 'host-error' as const, error: { host: 'web-4', code: 'HOST_UNREACHABLE' as const, message: 'web-4: no answer to the command within 60000 ms' } };
  assert.equal(controlOutcomeLine('start', ok), 'web-1/api:api_0: started');
  assert.equal(controlOutcomeLine('stop', ok), 'web-1/api:api_0: stopped');
  assert.equal(controlOutcomeLine('restart', ok), 'web-1/api:api_0: restarted');
  assert.equal(controlOutcomeLine('signal', ok), 'web-1/api:api_0: signalled');
  assert.equal(controlOutcomeLine('start', spawn), 'web-2/web: ERROR (spawn error)');
  assert.equal(controlOutcomeLine('stop', odd), 'web-2/web: ERROR (FAILED: web is stuck)');
  assert.equal(controlOutcomeLine('start', down), 'web-3: ERROR (host unreachable: web-3 is disconnected (last seen 5s ago))');
  assert.equal(controlOutcomeLine('start', timeout), 'web-4: ERROR (host unreachable: no answer to the command within 60000 ms)');
  assert.equal(hostErrorLine({ host: 'web-1', code: 'CANT_REREAD', message: 'bad line 3' }), 'web-1: ERROR (CANT_REREAD: bad line 3)');
});

test('control exit codes: the last failure decides, tolerated faults do not count, a host that is down is 4', () => {
  const result = (code: 'SUCCESS' | 'ALREADY_STARTED' | 'NOT_RUNNING' | 'SPAWN_ERROR' | 'BAD_NAME') => ({
    kind: 'result' as const,
    host: 'h',
    result: { group: 'g', name: 'n', code, description: '' },
  });
  const down = { kind: 'host-error' as const, error: { host: 'h', code: 'HOST_UNREACHABLE' as const, message: '' } };
  assert.equal(exitAfter('start', 0, result('ALREADY_STARTED')), 0);
  assert.equal(exitAfter('stop', 0, result('NOT_RUNNING')), 0);
  assert.equal(exitAfter('signal', 0, result('NOT_RUNNING')), 7);
  assert.equal(exitAfter('start', 0, result('SPAWN_ERROR')), 7);
  assert.equal(exitAfter('start', 7, result('BAD_NAME')), 1);
  assert.equal(exitAfter('restart', 1, result('SUCCESS')), 1);
  assert.equal(exitAfter('stop', 0, down), 4);
});

test('history lines: local time, the address column padded, what happened in words', () => {
  const t = (s: number): number => new Date(2026, 10, 22, 7, 12, s, 123).getTime();
  const lines = historyLines([
    { kind: 'transition', host: 'web-1', seq: 4, time: t(1), group: 'api', name: 'api_0', from: 'RUNNING', to: 'EXITED', pid: 0 },
    { kind: 'exit', host: 'web-1', seq: 5, time: t(1), group: 'api', name: 'api_0', pid: 42, exitStatus: 1, signal: null, expected: false },
    { kind: 'exit', host: 'db-1', seq: 9, time: t(2), group: 'pg', name: 'pg', pid: 43, exitStatus: null, signal: 'SIGKILL', expected: true },
    { kind: 'gap', host: 'web-2', seq: 10, time: t(3), fromSeq: 5, toSeq: 9 },
    { kind: 'gap', host: 'web-2', seq: 12, time: t(3), fromSeq: 11, toSeq: 11 },
    { kind: 'action', id: 1, time: t(4), who: 'anonymous', origin: '127.0.0.1:5000', action: 'start', addresses: ['web:*'], hosts: ['web-1', 'web-2'], result: 'ok' },
    { kind: 'action', id: 2, time: t(5), who: 'anonymous', origin: '', action: 'stop', addresses: ['x'], hosts: ['a', 'b', 'c', 'd', 'e'], result: 'ok' },
  ]);
  assert.deepEqual(lines, [
    '2026-11-22 07:12:01.123  web-1/api:api_0  RUNNING -> EXITED',
    '2026-11-22 07:12:01.123  web-1/api:api_0  exited with status 1 (not expected)',
    '2026-11-22 07:12:02.123  db-1/pg          killed by SIGKILL (expected)',
    '2026-11-22 07:12:03.123  web-2            gap: seqs 5-9 dropped',
    '2026-11-22 07:12:03.123  web-2            gap: seq 11 dropped',
    '2026-11-22 07:12:04.123  web-1,web-2      action start web:* by anonymous: ok',
    '2026-11-22 07:12:05.123  a,b,c,+2         action stop x by anonymous: ok',
  ]);
  const t6 = t(6);
  assert.equal(eventLine({ kind: 'liveness', host: 'web-2', liveness: 'disconnected', time: t6 }), '2026-11-22 07:12:06.123  web-2  host disconnected');
  assert.deepEqual(entryJson({ kind: 'liveness', host: 'web-2', liveness: 'stale', time: t6 }), { kind: 'liveness', time_ms: t6, host: 'web-2', state: 'stale' });
});

test('log lines: each prefixed with its source; partial lines wait per source for the rest; bytes stay as captured', () => {
  const chunk = (hostName: string, name: string, data: string | Buffer, time = 1) => ({
    host: hostName,
    group: name === 'w_0' ? 'w' : name,
    name,
    channel: 'stdout' as const,
    time,
    data: Buffer.from(data),
  });
  const s = new LogLineSplitter();
  const euro = Buffer.from('€\n');
  const out = [
    prefixedLines(s.push(chunk('web-1', 'api', 'one\ntw'))),
    prefixedLines(s.push(chunk('web-2', 'w_0', 'other\n'))),
    prefixedLines(s.push(chunk('web-1', 'api', Buffer.concat([Buffer.from('o\n'), euro.subarray(0, 2)])))),
    prefixedLines(s.push(chunk('web-1', 'api', euro.subarray(2)))),
    prefixedLines(s.push(chunk('web-2', 'w_0', 'no newline'))),
    prefixedLines(s.flush()),
  ];
  assert.equal(
    Buffer.concat(out).toString('utf8'),
    '[web-1/api] one\n[web-2/w:w_0] other\n[web-1/api] two\n[web-1/api] €\n[web-2/w:w_0] no newline\n',
  );
  assert.deepEqual(s.flush(), []);
});

test('log lines as JSON carry the capture time of the chunk each line began in', () => {
  const s = new LogLineSplitter();
  const base = { host: 'h', group: 'g', name: 'p', channel: 'stderr' as const };
  assert.deepEqual(s.push({ ...base, time: 10, data: Buffer.from('par') }), []);
  const lines = s.push({ ...base, time: 20, data: Buffer.from('tial\nnext\n') }).map(logLineJson);
  assert.deepEqual(lines, [
    { time_ms: 10, host: 'h', address: 'h/g:p', channel: 'stderr', line: 'partial' },
    { time_ms: 20, host: 'h', address: 'h/g:p', channel: 'stderr', line: 'next' },
  ]);
});
