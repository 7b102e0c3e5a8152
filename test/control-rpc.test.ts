import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../common/version.js';
import type { Config } from '../agent/config/types.js';
import { ControlHarness } from './helpers/control-harness.js';
import { group, program, single } from './helpers/engine-harness.js';
import { rejectsWith } from './helpers/fleet-error.js';
import { waitFor } from './helpers/wait-for.js';

const h = new ControlHarness();
after(() => h.cleanup());


function groups(): Config['groups'] {
  const sleep = 'exec sleep 1000';
  return [
    single(program('cat', '/bin/cat', { startsecs: 0 })),
    single(program('manual', `/bin/sh -c '${sleep}'`, { startsecs: 0, autostart: false })),
    single(program('sleeper', `/bin/sh -c '${sleep}'`, { startsecs: 0 })),
    group('web', [program('a', `/bin/sh -c '${sleep}'`, { startsecs: 0 }), program('b', `/bin/sh -c '${sleep}'`, { startsecs: 0 })]),
  ];
}

for (const transport of ['unix', 'tcp'] as const) {
  test(`every call of the control API works through the real client over ${transport === 'unix' ? 'a unix socket' : 'TCP on 127.0.0.1'}`, async () => {
    const config = h.config(groups(), {
      unixHttpServer: { file: join(h.dir, `${transport}.sock`), chmod: 0o700, chown: null, username: null, password: null },
      inetHttpServer: transport === 'tcp' ? { host: '127.0.0.1', port: 0, username: null, password: null } : null,
    });
    const agent = await h.agent(config);
    const url = agent.server.urls.find((u) => u.startsWith(transport === 'unix' ? 'unix://' : 'http://'))!;
    assert.ok(url, `no ${transport} url in ${agent.server.urls.join(' ')}`);
    const c = agent.client({ url });

    // GetState
    assert.deepEqual(await c.getState(), { version: VERSION, apiVersion: '3.0', identification: 'supervisor', pid: process.pid, state: 'RUNNING' });

    // ListProcesses and GetProcess
    await waitFor(async () => (await c.listProcesses()).filter((p) => p.statename === 'RUNNING').length === 4, { what: 'four RUNNING' });
    const list = await c.listProcesses();
    assert.deepEqual(list.map((p) => `${p.group}:${p.name} ${p.statename}`), ['cat:cat RUNNING', 'manual:manual STOPPED', 'sleeper:sleeper RUNNING', 'web:a RUNNING', 'web:b RUNNING']);
    const sleeper = await c.getProcess({ group: 'sleeper', name: 'sleeper' });
    assert.equal(sleeper.statename, 'RUNNING');
    assert.equal(sleeper.state, 20);
    assert.match(sleeper.description, /^pid \d+, uptime 0:00:0\d$/);
    assert.equal(sleeper.pid, agent.engine.getProcessInfo({ group: 'sleeper', name: 'sleeper' }).pid);
    assert.equal((await c.getProcess({ group: 'manual', name: 'manual' })).description, 'Not started');
    await rejectsWith(c.getProcess({ group: 'nosuch', name: 'nosuch' }), 'BAD_NAME', 'nosuch');

    // StartProcesses, StopProcesses
    assert.deepEqual(await c.start({ process: { group: 'manual', name: 'manual' } }, true), [{ group: 'manual', name: 'manual', code: 'SUCCESS', description: 'OK' }]);
    await rejectsWith(c.start({ process: { group: 'sleeper', name: 'sleeper' } }, true), 'ALREADY_STARTED', 'sleeper');
    await rejectsWith(c.start({ group: 'nogroup' }, true), 'BAD_NAME', 'nogroup');
    const stopped = await c.stop({ group: 'web' }, true);
    assert.deepEqual(stopped.map((r) => `${r.name} ${r.code} ${r.description}`).sort(), ['a SUCCESS OK', 'b SUCCESS OK']);
    await rejectsWith(c.stop({ process: { group: 'web', name: 'a' } }, true), 'NOT_RUNNING', 'web:a');
    const started = await c.start({ all: true }, true);
    assert.deepEqual(started.map((r) => `${r.group}:${r.name} ${r.code}`).sort(), ['web:a SUCCESS', 'web:b SUCCESS']);

    // SignalProcesses: names, SIG names and numbers, as supervisorctl passes them
    assert.deepEqual(await c.signal({ process: { group: 'sleeper', name: 'sleeper' } }, 'CONT'), [{ group: 'sleeper', name: 'sleeper', code: 'SUCCESS', description: 'OK' }]);
    assert.equal((await c.signal({ group: 'web' }, 'SIGCONT')).length, 2);
    assert.equal((await c.signal({ all: true }, '18')).filter((r) => r.code === 'SUCCESS').length, 5);
    await rejectsWith(c.signal({ process: { group: 'sleeper', name: 'sleeper' } }, 'NOPE'), 'BAD_SIGNAL', 'NOPE');

    // SendStdin, ReadLog (process and main log), FollowLog, ClearLogs
    await c.sendStdin({ group: 'cat', name: 'cat' }, Buffer.from('hello\n'));
    const catLog = { process: { group: 'cat', name: 'cat' }, channel: 'stdout' as const, offset: 0, length: 0, tail: false };
    await waitFor(async () => (await c.readLog(catLog)).data.toString() === 'hello\n', { what: 'cat to echo' });
    assert.deepEqual(await c.readLog({ ...catLog, offset: 0, length: 3, tail: true }), { data: Buffer.from('lo\n'), offset: 6, overflow: true });
    await rejectsWith(c.readLog({ ...catLog, process: { group: 'nosuch', name: 'nosuch' } }), 'BAD_NAME');
    writeFileSync(join(h.dir, 'supervisord.log'), 'the main log\n');
    assert.equal((await c.readLog({ process: null, channel: 'stdout', offset: -4, length: 0, tail: false })).data.toString(), 'log\n');
    const follow = new AbortController();
    const chunks: string[] = [];
    for await (const chunk of c.followLog({ process: null, channel: 'stdout', backlog: 9 }, follow.signal)) {
      chunks.push(chunk.data.toString());
      follow.abort();
    }
    assert.deepEqual(chunks, ['main log\n']);
    assert.deepEqual(await c.clearLogs({ process: { group: 'cat', name: 'cat' } }), [{ group: 'cat', name: 'cat', code: 'SUCCESS', description: 'OK' }]);
    assert.equal((await c.readLog(catLog)).data.length, 0);
    assert.equal((await c.clearLogs({ all: true })).filter((r) => r.code === 'SUCCESS').length, 5);
    await rejectsWith(c.clearLogs({ process: { group: 'cat', name: 'nosuch' } }), 'BAD_NAME', 'cat:nosuch');

    // Reread, ListConfigs, AddGroup, RemoveGroup, UpdateGroups against a config read again
    const next = { ...config, groups: [...groups().filter((g) => g.name !== 'manual'), single(program('extra', `/bin/sh -c 'exec sleep 1000'`, { startsecs: 0 }))] };
    agent.host.load = () => ({ ok: true, config: next, warnings: [] });
    assert.deepEqual(await c.reread(), { added: ['extra'], changed: [], removed: ['manual'] });
    assert.equal((await c.listProcesses()).length, 5, 'reread changes nothing that runs');
    const avail = await c.listConfigs();
    assert.deepEqual(avail.map((a) => `${a.name} ${a.inUse ? 'in use' : 'avail'} ${a.autostart ? 'auto' : 'manual'} ${a.groupPriority}:${a.processPriority}`), [
      'a in use auto 999:999', 'b in use auto 999:999', 'cat in use auto 999:999', 'extra avail auto 999:999', 'sleeper in use auto 999:999',
    ]);
    await c.addGroup('extra');
    await rejectsWith(c.addGroup('extra'), 'ALREADY_ADDED', 'extra');
    await rejectsWith(c.addGroup('nosuch'), 'BAD_NAME', 'nosuch');
    await waitFor(async () => (await c.getProcess({ group: 'extra', name: 'extra' })).statename === 'RUNNING', { what: 'extra to autostart' });
    await rejectsWith(c.removeGroup('extra'), 'STILL_RUNNING', 'extra');
    await c.stop({ group: 'extra' }, true);
    await c.removeGroup('extra');
    await rejectsWith(c.removeGroup('nosuch'), 'BAD_NAME', 'nosuch');
    const updates = await c.updateGroups([]);
    assert.deepEqual(updates.map((u) => `${u.group} ${u.action} ${u.code}`), ['manual removed SUCCESS', 'extra added SUCCESS']);
    assert.deepEqual((await c.listProcesses()).map((p) => p.name), ['cat', 'extra', 'sleeper', 'a', 'b']);
    agent.host.load = () => ({ ok: false, errors: [{ file: 'x.conf', line: 3, section: 'program:x', key: 'command', message: 'bad' }], warnings: [] });
    await rejectsWith(c.reread(), 'CANT_REREAD', 'x.conf:3: [program:x] command: bad');
    await rejectsWith(c.updateGroups(['all']), 'CANT_REREAD');

    // Shutdown and restart are answered, then handed to the agent; after that every call is SHUTDOWN_STATE.
    await c.shutdown(true);
    await waitFor(() => agent.host.restarts === 1, { what: 'the restart request' });
    await c.shutdown(false);
    await waitFor(() => agent.host.shutdowns === 1, { what: 'the shutdown request' });
    await rejectsWith(c.getState(), 'SHUTDOWN_STATE', '');
    await rejectsWith(c.shutdown(false), 'SHUTDOWN_STATE');
    assert.equal(agent.host.shutdowns, 1);
  });
}

test('a call cancelled by its AbortSignal rejects with the reason and leaves the agent serving', async () => {
  const slow = h.engines.script('slow-start.sh', 'exec sleep 1000');
  const agent = await h.agent(h.config([single(program('slow', slow, { startsecs: 30, autostart: false }))], {
    unixHttpServer: { file: join(h.dir, 'cancel.sock'), chmod: 0o700, chown: null, username: null, password: null },
  }));
  const c = agent.client();
  const abort = new AbortController();
  const starting = c.start({ process: { group: 'slow', name: 'slow' } }, true, abort.signal);
  await waitFor(async () => (await c.getProcess({ group: 'slow', name: 'slow' })).statename === 'STARTING', { what: 'STARTING' });
  abort.abort(new Error('user pressed Ctrl-C'));
  await assert.rejects(starting, /user pressed Ctrl-C/);
  assert.equal((await c.getProcess({ group: 'slow', name: 'slow' })).statename, 'STARTING', 'the start goes on, as in supervisord');
  await c.stop({ process: { group: 'slow', name: 'slow' } }, true);
});
