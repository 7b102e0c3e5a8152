// fleetctl's commands against an in-memory AgentClient: output text and exit codes as
// supervisorctl 4.2.5 prints them for the same answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetError } from '../common/errors.js';
import { FakeAgent, info, runLine } from './helpers/cli-fake-client.js';

const pad = (s: string): string => s.padEnd(33);

function agent(): FakeAgent {
  return new FakeAgent([
    info('crash', 'crash', 'STOPPED'),
    info('grp', 'ga', 'RUNNING'),
    info('grp', 'gb', 'STOPPED'),
    info('sleeper', 'sleeper', 'RUNNING'),
  ]);
}

test('status lists everything and exits 3 when something is stopped', async () => {
  const r = await runLine(agent(), 'status');
  assert.equal(
    r.stdout,
    `${pad('crash')}STOPPED   Not started\n${pad('grp:ga')}RUNNING   pid 100, uptime 0:00:05\n` +
      `${pad('grp:gb')}STOPPED   Not started\n${pad('sleeper')}RUNNING   pid 100, uptime 0:00:05\n`,
  );
  assert.equal(r.code, 3);
});

test('status of running names exits 0; unknown names are reported first and exit 4', async () => {
  assert.equal((await runLine(agent(), 'status sleeper grp:ga')).code, 0);
  const r = await runLine(agent(), 'status nosuch nogrp:* sleeper');
  assert.equal(r.stdout, `nosuch: ERROR (no such process)\nnogrp: ERROR (no such group)\n${pad('sleeper')}RUNNING   pid 100, uptime 0:00:05\n`);
  assert.equal(r.code, 4);
});

test('status with no agent says which URL and exits 4 for both refused and missing socket', async () => {
  const a = agent();
  a.failures.set('getState', new FleetError('HOST_UNREACHABLE', 'unix:///nonexistent/x.sock'));
  const r = await runLine(a, 'status', { serverurl: 'unix:///nonexistent/x.sock' });
  assert.deepEqual(r, { stdout: 'unix:///nonexistent/x.sock no such file\n', stderr: '', code: 4 });
  const s = await runLine(a, 'start x', { serverurl: 'unix:///nonexistent/x.sock' });
  assert.deepEqual(s, { stdout: 'unix:///nonexistent/x.sock no such file\n', stderr: '', code: 7 });
  const h = await runLine(a, 'stop x', { serverurl: 'http://127.0.0.1:19999' });
  assert.deepEqual(h, { stdout: 'http://127.0.0.1:19999 refused connection\n', stderr: '', code: 4 });
});

test('commands without a connection check print the URL and exit 1', async () => {
  const a = agent();
  a.failures.set('reread', new FleetError('HOST_UNREACHABLE', 'x'));
  assert.deepEqual(await runLine(a, 'reread', { serverurl: 'unix:///nonexistent/x.sock' }), {
    stdout: 'unix:///nonexistent/x.sock no such file\n',
    stderr: '',
    code: 1,
  });
});

test('start: started, already started (exit 0), spawn error (exit 7), no such group (exit 2)', async () => {
  const a = agent();
  a.startFaults.set('crash', 'SPAWN_ERROR');
  assert.deepEqual(await runLine(a, 'start sleeper grp:gb'), {
    stdout: 'sleeper: ERROR (already started)\ngrp:gb: started\n',
    stderr: '',
    code: 0,
  });
  assert.equal((await runLine(a, 'start crash')).stdout, 'crash: ERROR (spawn error)\n');
  assert.equal((await runLine(a, 'start crash')).code, 7);
  assert.deepEqual(await runLine(a, 'start nogrp:*'), { stdout: 'nogrp: ERROR (no such group)\n', stderr: '', code: 2 });
  assert.deepEqual(await runLine(a, 'start sl*'), { stdout: 'sl*: ERROR (no such process)\n', stderr: '', code: 1 });
  assert.deepEqual(await runLine(a, 'start a:b:c'), { stdout: 'a:b:c: ERROR (no such process)\n', stderr: '', code: 1 });
});

test('start with no name prints the usage and exits 2', async () => {
  const r = await runLine(agent(), 'start');
  assert.equal(
    r.stdout,
    'Error: start requires a process name\nstart <name>\t\tStart a process\nstart <gname>:*\t\tStart all processes in a group\n' +
      'start <name> <name>\tStart multiple processes or groups\nstart all\t\tStart all processes\n',
  );
  assert.equal(r.code, 2);
});

test('start all starts what is not running; a group whose members run prints nothing', async () => {
  const a = agent();
  assert.deepEqual(await runLine(a, 'start all nosuch'), { stdout: 'crash: started\ngrp:gb: started\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'start grp:'), { stdout: '', stderr: '', code: 0 });
  assert.ok(a.calls.includes('start {"all":true}'));
});

test('stop: stopped, not running is tolerated (exit 0), unknown group exits 1', async () => {
  const a = agent();
  assert.deepEqual(await runLine(a, 'stop sleeper crash'), {
    stdout: 'sleeper: stopped\ncrash: ERROR (not running)\n',
    stderr: '',
    code: 0,
  });
  assert.deepEqual(await runLine(a, 'stop nogrp:'), { stdout: 'nogrp: ERROR (no such group)\n', stderr: '', code: 1 });
  assert.equal((await runLine(a, 'stop')).code, 1);
});

test('restart prints the stop lines then the start lines; a later failure code wins', async () => {
  const a = agent();
  assert.deepEqual(await runLine(a, 'restart sleeper'), { stdout: 'sleeper: stopped\nsleeper: started\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'restart nogrp:*'), {
    stdout: 'nogrp: ERROR (no such group)\nnogrp: ERROR (no such group)\n',
    stderr: '',
    code: 2,
  });
  const usage = await runLine(a, 'restart');
  assert.match(usage.stdout, /^Error: restart requires a process name\n.*Note: restart does not reread config files/s);
  assert.equal(usage.code, 1);
});

test('signal: signalled, not running exits 7, bad signal exits 1, too few words prints usage', async () => {
  const a = agent();
  assert.deepEqual(await runLine(a, 'signal HUP grp:*'), {
    stdout: 'grp:ga: signalled\ngrp:gb: ERROR (not running)\n',
    stderr: '',
    code: 7,
  });
  assert.deepEqual(await runLine(a, 'signal HUP crash'), { stdout: 'crash: ERROR (not running)\n', stderr: '', code: 7 });
  assert.deepEqual(await runLine(a, 'signal BOGUS sleeper'), { stdout: 'sleeper: ERROR (bad signal name)\n', stderr: '', code: 1 });
  const usage = await runLine(a, 'signal HUP');
  assert.match(usage.stdout, /^Error: signal requires a signal name and a process name\nsignal <signal name> <name>\t\tSignal a process\n/);
  assert.equal(usage.code, 1);
});

test('pid: the agent, a process (0 and exit 7 when stopped), all, unknown names', async () => {
  const a = agent();
  assert.deepEqual(await runLine(a, 'pid'), { stdout: '4242\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'pid sleeper crash nosuch grp:*'), {
    stdout: '100\n0\nNo such process nosuch\nNo such process grp:*\n',
    stderr: '',
    code: 1,
  });
  assert.deepEqual(await runLine(a, 'pid sleeper crash'), { stdout: '100\n0\n', stderr: '', code: 7 });
  assert.deepEqual(await runLine(a, 'pid all'), { stdout: '0\n100\n0\n100\n', stderr: '', code: 0 });
});

test('pid, status, avail and reread print one JSON document with -o json', async () => {
  const a = agent();
  a.configs = [{ group: 'g', name: 'p', inUse: true, autostart: false, groupPriority: 1, processPriority: 2 }];
  a.rereadResult = { added: ['b', 'a'], changed: [], removed: ['z'] };
  const pid = await runLine(a, 'pid -o json sleeper nosuch');
  assert.deepEqual(JSON.parse(pid.stdout), {
    processes: [{ name: 'sleeper', group: 'sleeper', namespec: 'sleeper', pid: 100 }],
    errors: [{ name: 'nosuch', error: 'no such process' }],
  });
  assert.equal(pid.code, 1);
  assert.deepEqual(JSON.parse((await runLine(a, 'pid', { json: true })).stdout), { pid: 4242 });
  const status = await runLine(a, 'status --output=json grp:*');
  const doc = JSON.parse(status.stdout) as { processes: Array<Record<string, unknown>>; errors: unknown[] };
  assert.deepEqual(doc.processes.map((p) => [p.namespec, p.state, p.statecode, p.pid]), [
    ['grp:ga', 'RUNNING', 20, 100],
    ['grp:gb', 'STOPPED', 0, 0],
  ]);
  assert.deepEqual(Object.keys(doc.processes[0]!), [
    'name', 'group', 'namespec', 'state', 'statecode', 'description', 'pid', 'start', 'stop', 'now',
    'exitstatus', 'spawnerr', 'stdout_logfile', 'stderr_logfile',
  ]);
  assert.equal(status.code, 3);
  assert.deepEqual(JSON.parse((await runLine(a, 'avail -o json')).stdout), {
    processes: [{ name: 'p', group: 'g', namespec: 'g:p', in_use: true, autostart: false, group_priority: 1, process_priority: 2 }],
  });
  assert.deepEqual(JSON.parse((await runLine(a, 'reread -ojson')).stdout), { added: ['a', 'b'], changed: [], removed: ['z'] });
});

test('in JSON mode, messages that are not the document go to stderr', async () => {
  const a = agent();
  a.failures.set('getState', new FleetError('HOST_UNREACHABLE', 'x'));
  assert.deepEqual(await runLine(a, 'status -o json', { serverurl: 'http://127.0.0.1:19999' }), {
    stdout: '',
    stderr: 'http://127.0.0.1:19999 refused connection\n',
    code: 4,
  });
  const bad = await runLine(agent(), 'status -o yaml');
  assert.equal(bad.stdout, '');
  assert.equal(bad.code, 2);
});

test('tail prints the last bytes and a newline; errors name the process', async () => {
  const a = agent();
  a.logs.set('sleeper', Buffer.from('one\ntwo\n'));
  assert.deepEqual(await runLine(a, 'tail sleeper'), { stdout: 'one\ntwo\n\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'tail -4 sleeper'), { stdout: 'two\n\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'tail sleeper stderr'), { stdout: 'sleeper: ERROR (no log file)\n', stderr: '', code: 1 });
  assert.deepEqual(await runLine(a, 'tail nosuch'), { stdout: 'nosuch: ERROR (no such process name)\n', stderr: '', code: 1 });
  assert.deepEqual(await runLine(a, 'tail grp:*'), { stdout: 'grp:*: ERROR (no such process name)\n', stderr: '', code: 1 });
  assert.ok(a.calls.includes('readLog {"process":{"group":"sleeper","name":"sleeper"},"channel":"stdout","offset":-4,"length":0,"tail":false}'));
});

test('tail -f prints the banner, the backlog, a truncation mark, and an empty line at Ctrl-C', async () => {
  const a = agent();
  a.logs.set('sleeper', Buffer.from('x'.repeat(2000)));
  const { Session } = await import('../cli/session.js');
  const { Controller } = await import('../cli/controller.js');
  const { BufferWriter } = await import('../cli/io.js');
  const { scriptedLines } = await import('./helpers/cli-fake-client.js');
  const io = new BufferWriter();
  const session = new Session({ serverurl: 'unix:///s', username: null, password: null, interactive: false, output: 'text', connect: () => a });
  const controller = new Controller(session, io, scriptedLines());
  const running = controller.onecmd('tail -f sleeper');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(controller.interrupt(), true);
  assert.deepEqual(await running, { code: 0, endsShell: false });
  assert.equal(io.stdout, `==> Press Ctrl-C to exit <==\n${'x'.repeat(1024)}==> File truncated <==\nafter truncation\n\n`);
});

test('tail -f of an unknown process prints supervisorctl HTTP 404 line on stderr and exits 0', async () => {
  const r = await runLine(agent(), 'tail -f nosuch stderr');
  assert.deepEqual(r, {
    stdout: '==> Press Ctrl-C to exit <==\n',
    stderr: 'unix:///tmp/fake.sock/logtail/nosuch/stderr Cannot read, status code 404\n',
    code: 0,
  });
});

test('maintail reads the activity log', async () => {
  const a = agent();
  assert.deepEqual(await runLine(a, 'maintail -8'), { stdout: 'started\n\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'maintail x'), { stdout: 'Error: bad argument x\n', stderr: '', code: 1 });
});

test('clear: cleared, unknown names, and g:* read as the process None', async () => {
  assert.deepEqual(await runLine(agent(), 'clear sleeper nosuch grp:*'), {
    stdout: 'sleeper: cleared\nnosuch: ERROR (no such process)\ngrp:None: ERROR (no such process)\n',
    stderr: '',
    code: 1,
  });
});

test('reread, add and remove use supervisorctl lines and exit codes', async () => {
  const a = agent();
  a.rereadResult = { added: ['new'], changed: ['grp'], removed: ['crash'] };
  assert.deepEqual(await runLine(a, 'reread'), {
    stdout: 'crash: disappeared\ngrp: changed\nnew: available\n',
    stderr: '',
    code: 0,
  });
  assert.equal((await runLine(a, 'reread x')).stdout, "Error: reread accepts no arguments\nreread \t\t\tReload the daemon's configuration files without add/remove\n");
  a.failures.set('reread', new FleetError('CANT_REREAD', 'bad line'));
  assert.deepEqual(await runLine(a, 'reread'), { stdout: 'ERROR: CANT_REREAD: bad line\n', stderr: '', code: 1 });
  assert.deepEqual(await runLine(a, 'add new sleeper nosuch'), {
    stdout: 'new: added process group\nERROR: process group already active\nERROR: no such process/group: nosuch\n',
    stderr: '',
    code: 1,
  });
  assert.deepEqual(await runLine(a, 'add new sleeper'), { stdout: 'new: added process group\nERROR: process group already active\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'remove crash sleeper nosuch'), {
    stdout: 'crash: removed process group\nERROR: process/group still running: sleeper\nERROR: no such process/group: nosuch\n',
    stderr: '',
    code: 1,
  });
});

test('shutdown and reload ask only when interactive, and report an agent already gone', async () => {
  const a = agent();
  assert.deepEqual(await runLine(a, 'shutdown'), { stdout: 'Shut down\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'reload', { interactive: true, lines: ['n'] }), { stdout: '', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'reload', { interactive: true, lines: ['Yes'] }), { stdout: 'Restarted supervisord\n', stderr: '', code: 0 });
  assert.deepEqual(a.calls.filter((c) => c.startsWith('shutdown')), ['shutdown false', 'shutdown true']);
  a.failures.set('shutdown', new FleetError('SHUTDOWN_STATE', ''));
  assert.deepEqual(await runLine(a, 'shutdown'), { stdout: 'ERROR: already shutting down\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'reload'), { stdout: 'ERROR: already shutting down\n', stderr: '', code: 1 });
  a.failures.set('shutdown', new FleetError('HOST_UNREACHABLE', ''));
  assert.deepEqual(await runLine(a, 'shutdown', { serverurl: 'unix:///nonexistent/s.sock' }), {
    stdout: 'ERROR: unix:///nonexistent/s.sock no such file (already shut down?)\n',
    stderr: '',
    code: 1,
  });
  assert.equal((await runLine(a, 'shutdown now')).stdout, 'Error: shutdown accepts no arguments\nshutdown \tShut the remote supervisord down.\n');
});

test('version prints the agent version; an API mismatch exits 5', async () => {
  const a = agent();
  assert.deepEqual(await runLine(a, 'version'), { stdout: '0.1.0\n', stderr: '', code: 0 });
  a.state = { ...a.state, apiVersion: '2.0' };
  const r = await runLine(a, 'version');
  assert.equal(r.stdout, 'Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is 2.0.\n');
  assert.equal(r.code, 5);
});

test('a rejected login prints supervisorctl message; with -i it asks and tries again', async () => {
  const a = agent();
  a.failures.set('getState', new FleetError('FAILED', 'Server requires authentication'));
  assert.deepEqual(await runLine(a, 'status'), { stdout: 'Server requires authentication\n', stderr: '', code: 1 });
  let attempts = 0;
  const orig = a.getState.bind(a);
  a.getState = async () => {
    if (attempts++ === 0) throw new FleetError('FAILED', 'Server requires authentication');
    return orig();
  };
  a.failures.clear();
  const r = await runLine(a, 'version', { interactive: true, lines: ['user', 'secret'] });
  assert.deepEqual(r, { stdout: 'Server requires authentication\n\n0.1.0\n', stderr: '', code: 0 });
});

test('unknown commands, empty lines, ? and EOF behave as in cmd.Cmd', async () => {
  const a = agent();
  assert.deepEqual(await runLine(a, 'frobnicate now'), { stdout: '*** Unknown syntax: frobnicate now\n', stderr: '', code: 1 });
  assert.deepEqual(await runLine(a, '- status'), { stdout: '*** Unknown syntax: - status\n', stderr: '', code: 1 });
  assert.deepEqual(await runLine(a, '   '), { stdout: '', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, '?pid'), {
    stdout: 'pid\t\t\tGet the PID of supervisord.\npid <name>\t\tGet the PID of a single child process by name.\npid all\t\t\tGet the PID of every child process, one per line.\n',
    stderr: '',
    code: 0,
  });
  assert.deepEqual(await runLine(a, 'help nosuch'), { stdout: '*** No help on nosuch\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'help EOF'), { stdout: '*** No help on EOF\n', stderr: '', code: 0 });
  assert.deepEqual(await runLine(a, 'quit'), { stdout: '\n', stderr: '', code: 0 });
  assert.deepEqual(a.calls, []);
});

test('an unexpected fault prints the catch-all line and exits 1', async () => {
  const a = agent();
  a.failures.set('getState', new FleetError('SHUTDOWN_STATE', ''));
  assert.deepEqual(await runLine(a, 'status'), { stdout: "error: <class 'xmlrpc.client.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>\n", stderr: '', code: 1 });
});

test('open switches the agent and shows its status; a bad scheme is refused', async () => {
  assert.deepEqual(await runLine(agent(), 'open ftp://x'), { stdout: 'ERROR: url must be http:// or unix://\n', stderr: '', code: 1 });
  const r = await runLine(agent(), 'open unix:///tmp/other.sock');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^crash {28}STOPPED/);
});

test('fg attaches, sends typed lines to stdin and leaves at end of input', async () => {
  const a = agent();
  a.logs.set('sleeper', Buffer.from('hello\n'));
  const r = await runLine(a, 'fg sleeper', { lines: ['input one'] });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^==> Press Ctrl-C to exit <==\n/);
  assert.match(r.stdout, /Exiting foreground\n$/);
  assert.ok(a.calls.includes('sendStdin sleeper "input one\\n"'));
  assert.deepEqual(await runLine(a, 'fg crash'), { stdout: 'ERROR: process not running\n', stderr: '', code: 1 });
  assert.deepEqual(await runLine(a, 'fg grp:*'), { stdout: 'ERROR: bad process name supplied\n', stderr: '', code: 1 });
  assert.deepEqual(await runLine(a, 'fg a b'), { stdout: 'ERROR: too many process names supplied\n', stderr: '', code: 1 });
});

test('update prints supervisorctl lines for each group outcome, and exits 1 on any problem', async () => {
  const a = agent();
  const u = (group: string, action: 'no-such-group' | 'removed' | 'changed' | 'added', code: 'SUCCESS' | 'FAILED' | 'NO_FILE' = 'SUCCESS', description = 'OK') => ({
    group, action, code, description, restarted: [], added: [], removed: [],
  });
  a.updates = [u('old', 'removed'), u('web', 'changed'), u('new', 'added')];
  assert.deepEqual(await runLine(a, 'update'), {
    stdout: 'old: stopped\nold: removed process group\nweb: stopped\nweb: updated process group\nnew: added process group\n',
    stderr: '',
    code: 0,
  });
  a.updates = [u('nosuch', 'no-such-group', 'FAILED'), u('old', 'removed', 'FAILED', 'FAILED: stop failed'), u('new', 'added', 'NO_FILE', 'NO_FILE: /x/y.log')];
  assert.deepEqual(await runLine(a, 'update nosuch old new'), {
    stdout:
      'ERROR: no such group: nosuch\nold: stopped\nold: has problems; not removing\n' +
      "error: <class 'xmlrpc.client.Fault'>, <Fault 20: 'NO_FILE: /x/y.log'>\n",
    stderr: '',
    code: 1,
  });
  assert.ok(a.calls.includes('updateGroups nosuch old new'));
  a.failures.set('updateGroups', new FleetError('SHUTDOWN_STATE', ''));
  assert.deepEqual(await runLine(a, 'update'), { stdout: 'ERROR: already shutting down\n', stderr: '', code: 1 });
});
