import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentClient } from '../cli/client/agent-client.js';
import { loadConfig } from '../agent/config/load.js';
import type { Config } from '../agent/config/types.js';
import { diffGroups } from '../agent/engine/reread-update.js';
import { planGroupUpdate } from '../agent/engine/group-update.js';
import { ControlHarness } from './helpers/control-harness.js';
import { group, program, single } from './helpers/engine-harness.js';
import { waitFor } from './helpers/wait-for.js';

const h = new ControlHarness();
after(() => h.cleanup());

test('update plans by effective process config: a moved section changes nothing, any other field restarts', () => {
  const a = program('a', 'sleep 1');
  const moved = { ...a, location: { file: 'other.conf', line: 42 } };
  const retuned = { ...a, stopwaitsecs: 3 };
  const before = group('g', [a, program('b', 'sleep 1'), program('c', 'sleep 1')]);
  const after = group('g', [moved, { ...program('b', 'sleep 1'), command: 'sleep 2' }, program('d', 'sleep 1')]);
  assert.deepEqual(planGroupUpdate(before, after), { keep: ['a'], replace: ['b'], add: ['d'], drop: ['c'] });
  assert.deepEqual(planGroupUpdate(single(a), single(retuned)).replace, ['a']);
  const diff = diffGroups([single(a), before], [single(moved), group('g', before.processes, 5), single(program('n', 'x'))]);
  assert.deepEqual([diff.added.map((g) => g.name), diff.changed.map((g) => g.name), diff.removed], [['n'], ['g'], []]);
});

const SLEEP = `/bin/sh -c 'exec sleep 1000'`;

function writeVersion(dir: string, body: string): string {
  return writeConfigFile(dir, `[supervisord]
logfile = %(here)s/agent.log
pidfile = %(here)s/agent.pid
childlogdir = %(here)s
[unix_http_server]
file = %(here)s/update.sock
${body}`);
}

function writeConfigFile(dir: string, text: string): string {
  const path = join(dir, 'supervisord.conf');
  writeFileSync(path, text);
  return path;
}

const V1 = `
[program:steady]
command = ${SLEEP}
startsecs = 0
[program:tweak]
command = ${SLEEP}
startsecs = 0
[program:gone]
command = ${SLEEP}
startsecs = 0
[group:team]
programs = alpha,beta,gamma
[program:alpha]
command = ${SLEEP}
startsecs = 0
[program:beta]
command = ${SLEEP}
startsecs = 0
[program:gamma]
command = ${SLEEP}
startsecs = 0
`;

// steady moves (a comment above it shifts its lines): not a change. tweak gets an environment,
// beta a new command; gone and gamma are dropped; fresh and delta are new.
const V2 = `
; steady moved down by this comment
[program:steady]
command = ${SLEEP}
startsecs = 0
[program:tweak]
command = ${SLEEP}
startsecs = 0
environment = MODE="two"
[group:team]
programs = alpha,beta,delta
[program:alpha]
command = ${SLEEP}
startsecs = 0
[program:beta]
command = /bin/sh -c 'exec sleep 999'
startsecs = 0
[program:delta]
command = ${SLEEP}
startsecs = 0
[program:fresh]
command = ${SLEEP}
startsecs = 0
`;

async function pids(c: AgentClient): Promise<Record<string, number>> {
  return Object.fromEntries((await c.listProcesses()).map((p) => [`${p.group}:${p.name}`, p.pid]));
}

async function allRunning(c: AgentClient, count: number): Promise<void> {
  await waitFor(async () => {
    const list = await c.listProcesses();
    return list.length === count && list.every((p) => p.statename === 'RUNNING');
  }, { what: `${count} processes RUNNING` });
}

async function agentAt(name: string): Promise<{ c: AgentClient; file: string; config: Config; dir: string }> {
  const dir = join(h.dir, name);
  mkdirSync(dir);
  const file = writeVersion(dir, V1);
  const loaded = loadConfig(file);
  assert.ok(loaded.ok, JSON.stringify(loaded.ok ? [] : loaded.errors));
  const agent = await h.agent(loaded.config, { configFile: file });
  const c = agent.client();
  await allRunning(c, 6);
  return { c, file, config: loaded.config, dir };
}

test('reread reports added, changed and removed groups; update restarts only the changed processes', async () => {
  const { c, dir } = await agentAt('all');
  const before = await pids(c);
  writeVersion(dir, V2);
  assert.deepEqual(await c.reread(), { added: ['fresh'], changed: ['team', 'tweak'], removed: ['gone'] });
  const updates = await c.updateGroups([]);
  assert.deepEqual(
    updates.map((u) => ({ group: u.group, action: u.action, code: u.code, restarted: u.restarted, added: u.added, removed: u.removed })),
    [
      { group: 'gone', action: 'removed', code: 'SUCCESS', restarted: [], added: [], removed: [] },
      {
        group: 'team', action: 'changed', code: 'SUCCESS',
        restarted: [{ group: 'team', name: 'beta' }], added: [{ group: 'team', name: 'delta' }], removed: [{ group: 'team', name: 'gamma' }],
      },
      { group: 'tweak', action: 'changed', code: 'SUCCESS', restarted: [{ group: 'tweak', name: 'tweak' }], added: [], removed: [] },
      { group: 'fresh', action: 'added', code: 'SUCCESS', restarted: [], added: [], removed: [] },
    ],
  );
  await allRunning(c, 6);
  const after = await pids(c);
  assert.deepEqual(Object.keys(after), ['fresh:fresh', 'steady:steady', 'team:alpha', 'team:beta', 'team:delta', 'tweak:tweak']);
  assert.equal(after['steady:steady'], before['steady:steady'], 'an unchanged program keeps running');
  assert.equal(after['team:alpha'], before['team:alpha'], 'an unchanged member of a changed group keeps running');
  assert.notEqual(after['team:beta'], before['team:beta'], 'a changed member is restarted');
  assert.notEqual(after['tweak:tweak'], before['tweak:tweak'], 'a changed program is restarted');
  assert.deepEqual(await c.reread(), { added: [], changed: [], removed: [] });
  assert.deepEqual(await c.updateGroups(['all']), []);
});

test('update with names acts on those groups only, and an unknown name comes first as no-such-group', async () => {
  const { c, dir } = await agentAt('named');
  const before = await pids(c);
  writeVersion(dir, V2);
  const updates = await c.updateGroups(['tweak', 'nosuch', 'fresh']);
  assert.deepEqual(updates.map((u) => `${u.group} ${u.action} ${u.code}`), ['nosuch no-such-group BAD_NAME', 'tweak changed SUCCESS', 'fresh added SUCCESS']);
  await allRunning(c, 7);
  const after = await pids(c);
  assert.equal(after['gone:gone'], before['gone:gone'], 'gone is left alone');
  assert.equal(after['team:beta'], before['team:beta'], 'team is left alone');
  assert.deepEqual(await c.reread(), { added: [], changed: ['team'], removed: ['gone'] });
});
