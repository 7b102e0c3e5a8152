// fleetctl's cluster commands against an in-memory ControllerClient: what each sends (scope,
// addresses, flags), what it prints on stdout and stderr, and its exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetError } from '../common/errors.js';
import { statusText } from '../cli/cluster/status-view.js';
import { FakeController, host, NOW, runCluster, startCluster } from './helpers/cluster-fake-client.js';
import { info } from './helpers/cli-fake-client.js';
import { waitFor } from './helpers/wait-for.js';

const pad = (s: string): string => s.padEnd(33);

function fleet(): FakeController {
  const fake = new FakeController();
  fake.listing = {
    processes: [
      { host: 'web-1', info: info('api', 'api', 'RUNNING') },
      { host: 'web-2', info: info('api', 'api', 'RUNNING') },
    ],
    hosts: [host('web-1'), host('web-2')],
    errors: [],
  };
  return fake;
}

test('status asks for the current host by default, -A for every host, and passes addresses as given', async () => {
  const fake = fleet();
  const r = await runCluster(fake, ['status']);
  assert.deepEqual(r, { stdout: `${pad('web-1/api')}RUNNING   pid 100, uptime 0:00:05\n${pad('web-2/api')}RUNNING   pid 100, uptime 0:00:05\n`, stderr: '', code: 0 });
  await runCluster(fake, ['status', '-A', 'web-*/api:*', 'api']);
  await runCluster(fake, ['status', '--hosts', 'role=web'], { scope: { allHosts: true } });
  await runCluster(fake, ['status'], { scope: { host: 'db-1' } });
  assert.deepEqual(fake.requestsTo('listProcesses'), [
    { scope: { kind: 'host', host: 'web-1' }, addresses: [] },
    { scope: { kind: 'all' }, addresses: ['web-*/api:*', 'api'] },
    { scope: { kind: 'labels', selector: { role: 'web' } }, addresses: [] },
    { scope: { kind: 'host', host: 'db-1' }, addresses: [] },
  ]);
});

test('status prints per-host errors on stderr and exits 4 for an unknown name', async () => {
  const fake = fleet();
  fake.listing.errors = [{ host: 'web-9', code: 'NO_SUCH_HOST', message: 'no such host: web-9' }];
  const r = await runCluster(fake, ['status', '-A', 'web-9/x', 'api']);
  assert.equal(r.stderr, 'web-9: ERROR (no such host: web-9)\n');
  assert.equal(r.code, 4);
  assert.match(r.stdout, /^web-1\/api {24}RUNNING/);
});

test('status -A prints a listing of thousands of processes as one table, line for line what statusText makes', async () => {
  const fake = fleet();
  const hosts = Array.from({ length: 125 }, (_, h) => `sim-${String(h).padStart(4, '0')}`);
  fake.listing = {
    processes: hosts.flatMap((name, h) =>
      Array.from({ length: 20 }, (_, i) => ({ host: name, info: info(`g${i % 3}`, `p_${i}`, i === 7 && h % 2 === 0 ? 'STOPPED' : 'RUNNING') })),
    ),
    hosts: hosts.map((name, h) => host(name, h === 3 ? { liveness: 'disconnected', lastSeen: NOW - 60_000 } : {})),
    errors: [],
  };
  const r = await runCluster(fake, ['status', '-A']);
  const text = statusText(fake.listing, NOW);
  assert.equal(text.lines.length, 2500);
  assert.equal(r.stdout, `${text.lines.join('\n')}\n`);
  assert.equal(r.stderr, `${text.notes.join('\n')}\n`);
  assert.equal(r.code, 3, 'a host is disconnected (4), then processes are stopped (3): the later rule wins');
});

test('a bad address is refused before anything is sent, with the parser message and exit 2', async () => {
  const fake = fleet();
  const r = await runCluster(fake, ['status', 'a/b/c', 'x y']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'Error: bad address "a/b/c": only one "/" may separate the host from the process; ' +
      'bad address "x y": whitespace, commas and control characters are not allowed\nFor help, use: fleetctl help status\n',
  );
  assert.deepEqual(fake.requests, []);
  assert.equal((await runCluster(fake, ['start', '-o', 'yaml', 'x'])).stderr, 'Error: unknown output format "yaml" (use -o json or -o text)\nFor help, use: fleetctl help start\n');
  assert.equal((await runCluster(fake, ['status', '-A', '--host', 'x'])).code, 2);
});

test('a controller that cannot be reached is named with what to check, exit 4', async () => {
  const fake = fleet();
  fake.failures.set('listProcesses', new FleetError('HOST_UNREACHABLE', 'cannot reach the controller at 127.0.0.1:7400: connection refused'));
  const r = await runCluster(fake, ['status', '-A']);
  assert.equal(r.code, 4);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^fleetctl: cannot reach the controller at 127\.0\.0\.1:7400: connection refused\nCheck that fleet-controller is running there/);
  assert.match(r.stderr, /point --controller \(or FLEET_CONTROLLER\) at its gRPC address\.\n$/);
  fake.failures.set('listProcesses', new FleetError('BAD_ADDRESS', 'bad address "x": it is bad'));
  assert.deepEqual(await runCluster(fake, ['status']), { stdout: '', stderr: 'fleetctl: bad address "x": it is bad\n', code: 2 });
  fake.failures.set('listProcesses', new FleetError('SHUTDOWN_STATE', 'server shutting down'));
  assert.equal((await runCluster(fake, ['status'])).stderr, 'fleetctl: the controller at 127.0.0.1:7400 is shutting down; run the command again once it is back\n');
});

test('start prints one line per process and per host as they arrive; the last failure sets the exit code', async () => {
  const fake = fleet();
  fake.controlOutcomes = [
    { kind: 'host-error', error: { host: 'web-3', code: 'HOST_UNREACHABLE', message: 'web-3 is disconnected (last seen 9s ago)' } },
    { kind: 'result', host: 'web-1', result: { group: 'api', name: 'api', code: 'SUCCESS', description: 'OK' } },
    { kind: 'result', host: 'web-2', result: { group: 'api', name: 'api', code: 'ALREADY_STARTED', description: 'ALREADY_STARTED: api' } },
  ];
  const r = await runCluster(fake, ['start', '-A', 'api']);
  assert.deepEqual(r, {
    stdout: 'web-3: ERROR (host unreachable: web-3 is disconnected (last seen 9s ago))\nweb-1/api: started\nweb-2/api: ERROR (already started)\n',
    stderr: '',
    code: 4,
  });
  assert.deepEqual(fake.requestsTo('control'), [{ scope: { kind: 'all' }, addresses: ['api'], action: 'start', signal: undefined, wait: true }]);
});

test('stop, restart and signal send their action; --no-wait does not wait; missing words are usage errors', async () => {
  const fake = fleet();
  await runCluster(fake, ['stop', '--no-wait', 'web-2/api']);
  await runCluster(fake, ['restart', 'all']);
  await runCluster(fake, ['signal', 'HUP', 'api', 'worker:*']);
  assert.deepEqual(
    fake.requestsTo('control').map((r) => {
      const { action, signal, wait, addresses } = r as { action: string; signal?: string; wait: boolean; addresses: string[] };
      return [action, signal, wait, addresses];
    }),
    [
      ['stop', undefined, false, ['web-2/api']],
      ['restart', undefined, true, ['all']],
      ['signal', 'HUP', true, ['api', 'worker:*']],
    ],
  );
  assert.deepEqual(await runCluster(fake, ['start']), {
    stdout: '',
    stderr: 'Error: start requires an address (name, group:*, host/name or all)\nFor help, use: fleetctl help start\n',
    code: 2,
  });
  assert.equal((await runCluster(fake, ['signal', 'HUP'])).code, 2);
});

test('start -o json prints one document with results and host errors', async () => {
  const fake = fleet();
  fake.controlOutcomes = [
    { kind: 'result', host: 'web-1', result: { group: 'g', name: 'p', code: 'SPAWN_ERROR', description: 'SPAWN_ERROR: g:p' } },
    { kind: 'host-error', error: { host: 'web-3', code: 'HOST_UNREACHABLE', message: 'down' } },
  ];
  const r = await runCluster(fake, ['start', 'g:*', '-o', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), {
    results: [{ host: 'web-1', address: 'web-1/g:p', name: 'p', group: 'g', namespec: 'g:p', result: 'error', fault: 'SPAWN_ERROR', description: 'SPAWN_ERROR: g:p' }],
    errors: [{ host: 'web-3', fault: 'HOST_UNREACHABLE', error: 'down' }],
  });
  assert.equal(r.code, 4);
});

test('logs merges the hosts with a prefix per line, sends --since as a time, and reports a host that is down on stderr', async () => {
  const fake = fleet();
  const chunk = (h: string, data: string, time: number) => ({ kind: 'chunk' as const, chunk: { host: h, group: 'api', name: 'api', channel: 'stderr' as const, time, data: Buffer.from(data) } });
  fake.logOutcomes = [
    { kind: 'host-error', error: { host: 'web-3', code: 'HOST_UNREACHABLE', message: 'web-3 is stale' } },
    chunk('web-1', 'a1\na', 1),
    chunk('web-2', 'b1\n', 2),
    chunk('web-1', '2\ntail', 3),
  ];
  const r = await runCluster(fake, ['logs', '-A', 'api', '--since', '10m', '--stderr']);
  assert.equal(r.stdout, '[web-1/api] a1\n[web-2/api] b1\n[web-1/api] a2\n[web-1/api] tail\n');
  assert.equal(r.stderr, 'web-3: ERROR (host unreachable: web-3 is stale)\n');
  assert.equal(r.code, 4);
  assert.deepEqual(fake.requestsTo('logs'), [{ scope: { kind: 'all' }, addresses: ['api'], channels: ['stderr'], since: NOW - 600_000, follow: false }]);
  assert.match((await runCluster(fake, ['logs', '--since', 'soon'])).stderr, /^Error: --since: not a duration or a time: "soon"/);
});

test('logs -f follows until Ctrl-C, then prints what is left of unfinished lines and exits 0', async () => {
  const fake = fleet();
  fake.logOutcomes = [{ kind: 'chunk', chunk: { host: 'web-1', group: 'api', name: 'api', channel: 'stdout', time: 1, data: Buffer.from('done\nhalf') } }];
  const run = startCluster(fake, ['logs', '-f', 'api']);
  await waitFor(() => run.io.stdout.includes('done'), { what: 'the first line' });
  assert.equal(run.runner.interrupt(), true);
  assert.deepEqual(await run.done, { stdout: '[web-1/api] done\n[web-1/api] half\n', stderr: '', code: 0 });
});

test('history sends its bounds and limit and prints one line per entry', async () => {
  const fake = fleet();
  const time = new Date(2026, 10, 22, 7, 0, 0, 5).getTime();
  fake.historyEntries = [{ kind: 'exit', host: 'web-1', seq: 3, time, group: 'api', name: 'api', pid: 9, exitStatus: null, signal: 'SIGKILL', expected: false }];
  const r = await runCluster(fake, ['history', 'api', '--since', '1h', '--until', '5m', '--limit', '20']);
  assert.deepEqual(r, { stdout: '2026-11-22 07:00:00.005  web-1/api  killed by SIGKILL (not expected)\n', stderr: '', code: 0 });
  assert.deepEqual(fake.requestsTo('history'), [{ scope: { kind: 'host', host: 'web-1' }, addresses: ['api'], since: NOW - 3_600_000, until: NOW - 300_000, limit: 20 }]);
  assert.equal((await runCluster(fake, ['history', '--limit', 'lots'])).code, 2);
  assert.match((await runCluster(fake, ['history', '--since', '5m', '--until', '1h'])).stderr, /^Error: --since is after --until/);
  const json = JSON.parse((await runCluster(fake, ['history', '-o', 'json'])).stdout) as { entries: Array<{ kind: string; signal: string }> };
  assert.deepEqual(json.entries.map((e) => [e.kind, e.signal]), [['exit', 'SIGKILL']]);
});

test('events prints the live stream, host changes included, until Ctrl-C (exit 0); a stream the controller ends is exit 1', async () => {
  const fake = fleet();
  const time = new Date(2026, 10, 22, 8, 0, 0, 0).getTime();
  fake.events = [
    { kind: 'transition', host: 'web-1', seq: 7, time, group: 'api', name: 'api', from: 'RUNNING', to: 'STOPPING', pid: 9 },
    { kind: 'liveness', host: 'web-2', liveness: 'stale', time },
  ];
  const run = startCluster(fake, ['events', '-f', '-A']);
  await waitFor(() => run.io.stdout.includes('stale'), { what: 'both events' });
  run.runner.interrupt();
  assert.deepEqual(await run.done, {
    stdout: '2026-11-22 08:00:00.000  web-1/api  RUNNING -> STOPPING\n2026-11-22 08:00:00.000  web-2  host stale\n',
    stderr: '',
    code: 0,
  });
  fake.holdOpen = false;
  const ended = await runCluster(fake, ['events', '-o', 'json']);
  assert.equal(ended.code, 1);
  assert.equal(ended.stderr, 'fleetctl: the controller at 127.0.0.1:7400 ended the event stream\n');
  assert.equal(JSON.parse(ended.stdout.split('\n')[0]!).kind, 'transition');
});

test("reread and update print supervisorctl's lines with the host in front", async () => {
  const fake = fleet();
  fake.rereadOutcomes = [
    { kind: 'ok', host: 'web-1', value: { added: ['new'], changed: ['api'], removed: [] } },
    { kind: 'ok', host: 'web-2', value: { added: [], changed: [], removed: [] } },
    { kind: 'host-error', error: { host: 'web-3', code: 'CANT_REREAD', message: 'web-3.conf:4: bad line' } },
  ];
  assert.deepEqual(await runCluster(fake, ['reread', '-A']), {
    stdout: 'web-1: api: changed\nweb-1: new: available\nweb-2: No config updates to processes\nweb-3: ERROR (CANT_REREAD: web-3.conf:4: bad line)\n',
    stderr: '',
    code: 1,
  });
  assert.equal((await runCluster(fake, ['reread', 'web-1'])).code, 2);
  fake.updateOutcomes = [
    { kind: 'ok', host: 'web-1', value: [{ group: 'api', action: 'changed', code: 'SUCCESS', description: 'OK', restarted: [], added: [], removed: [] }] },
    { kind: 'host-error', error: { host: 'web-2', code: 'HOST_UNREACHABLE', message: 'web-2 is disconnected' } },
  ];
  assert.deepEqual(await runCluster(fake, ['update', '--hosts', 'role=web', 'api']), {
    stdout: 'web-1: api: stopped\nweb-1: api: updated process group\nweb-2: ERROR (host unreachable: web-2 is disconnected)\n',
    stderr: '',
    code: 4,
  });
  assert.deepEqual(fake.requestsTo('update'), [{ scope: { kind: 'labels', selector: { role: 'web' } }, hosts: [], groups: ['api'] }]);
});

test('hosts lists every host by default; a literal host that is unknown is exit 4; globs and labels go to the controller', async () => {
  const fake = fleet();
  fake.hosts = [host('web-1', { labels: { role: 'web' } })];
  const r = await runCluster(fake, ['hosts']);
  assert.equal(r.stdout, 'NAME    STATE       LABELS     VERSION   LAST SEEN   PROCESSES\nweb-1   connected   role=web   0.1.0     1s ago      -\n');
  assert.equal(r.code, 0);
  const missing = await runCluster(fake, ['hosts', 'web-1', 'db-9', 'db-*', '--hosts', 'role=web']);
  assert.equal(missing.stderr, 'db-9: ERROR (no such host: db-9)\n');
  assert.equal(missing.code, 4);
  assert.deepEqual(fake.requestsTo('listHosts')[1], { hosts: ['web-1', 'db-9', 'db-*'], labels: { role: 'web' } });
  fake.hosts = [];
  assert.deepEqual(await runCluster(fake, ['hosts']), { stdout: '', stderr: 'No host has connected to the controller at 127.0.0.1:7400 yet.\n', code: 0 });
});

test('status --watch redraws on its interval and at once on an event, until Ctrl-C', async () => {
  const fake = fleet();
  fake.events = [{ kind: 'liveness', host: 'web-2', liveness: 'stale', time: NOW }];
  const run = startCluster(fake, ['status', '--watch', '-A']);
  // The event arrives at once: a second frame comes well before the 2 s interval.
  await waitFor(() => run.io.stdout.split('Every 2 s: fleetctl status').length - 1 >= 2, { what: 'two frames', timeoutMs: 1500 });
  run.runner.interrupt();
  const r = await run.done;
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Every 2 s: fleetctl status, every host, via 127\.0\.0\.1:7400 {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n\nweb-1\/api /);
  assert.ok(fake.requestsTo('listProcesses').length >= 2);
});

test('help lists the cluster commands; help CMD has examples; local-only commands say what to use', async () => {
  const fake = fleet();
  const list = await runCluster(fake, ['help']);
  assert.match(list.stdout, /^fleetctl in cluster mode: through the controller at 127\.0\.0\.1:7400, acting on host web-1 unless told otherwise\.\n/);
  for (const name of ['status', 'hosts', 'start', 'stop', 'restart', 'signal', 'logs', 'history', 'events', 'reread', 'update']) {
    assert.match(list.stdout, new RegExp(`\\n  ${name}\\b`), name);
    const help = await runCluster(fake, ['help', name]);
    assert.match(help.stdout, /\nExamples:\n  fleetctl /, name);
  }
  assert.match((await runCluster(fake, ['help', 'json'])).stdout, /^fleetctl -o json in cluster mode: every command takes it/);
  const tail = await runCluster(fake, ['tail', '-f', 'x']);
  assert.equal(tail.code, 2);
  assert.match(tail.stderr, /^Error: tail acts on one local agent, not through the controller\. In cluster mode, use logs ADDR \[-f\] \[--stderr\]\./);
  assert.equal((await runCluster(fake, ['frob'])).stderr, 'Error: no command "frob" in cluster mode\nFor the list, use: fleetctl help\n');
});
