import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../agent/daemon/proc-stat.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { readText, runAgentOnce, startAgent, writeConfig, type RunningAgent } from './helpers/agent-process.js';

const tmp = makeTempDir('fleetvisor-daemon-');
const agents: RunningAgent[] = [];
const strayPids = new Set<number>();
after(async () => {
  for (const a of agents) await a.stop('SIGKILL');
  for (const pid of [...strayPids, ...pidsUnder(`${tmp.path}/`)]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  tmp.remove();
});

/** Pids of every live process whose command line mentions `marker` (a test's loop.sh path). */
function pidsUnder(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker) && isAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

const loopScript = (dir: string): string => join(dir, 'loop.sh');

/** A test directory with a looping program script whose path marks its processes. */
function setup(name: string, programs: string, extra = ''): { dir: string; conf: string; log: string; pidfile: string } {
  const dir = join(tmp.path, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'loop.sh'), '#!/bin/sh\necho "started $$"\nwhile :; do sleep 0.1; done\n', { mode: 0o755 });
  const conf = writeConfig(
    dir,
    `[supervisord]
logfile = %(here)s/agent.log
pidfile = %(here)s/agent.pid
childlogdir = %(here)s
identifier = t-${name}
${extra}
[fleet]
state_dir = %(here)s/state

${programs}`,
  );
  return { dir, conf, log: join(dir, 'agent.log'), pidfile: join(dir, 'agent.pid') };
}

function run(conf: string, ...args: string[]): RunningAgent {
  const agent = startAgent(['-n', '-c', conf, ...args]);
  agents.push(agent);
  return agent;
}

const spawnedPid = (text: string, name: string): number[] =>
  [...text.matchAll(new RegExp(`spawned: '${name}' with pid (\\d+)`, 'g'))].map((m) => Number(m[1]));

test('the agent supervises a program in the foreground, writes its pidfile, and stops everything on SIGTERM', async () => {
  const t = setup('foreground', `[program:loop]\ncommand = %(here)s/loop.sh\nstartsecs = 0\n`);
  const agent = run(t.conf);
  await agent.waitForOutput(/success: loop entered RUNNING state/);
  assert.equal(readFileSync(t.pidfile, 'utf8'), `${agent.proc.pid}\n`);
  const [pid] = spawnedPid(agent.output(), 'loop');
  assert.ok(pid && isAlive(pid));
  assert.equal(await agent.stop('SIGTERM'), 0);
  assert.equal(isAlive(pid!), false);
  assert.equal(existsSync(t.pidfile), false);
  const log = readText(t.log);
  assert.match(log, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO spawned: 'loop' with pid \d+$/m);
  assert.match(log, /INFO received SIGTERM indicating exit request/);
  assert.match(log, /WARN stopped: loop \(terminated by SIGTERM\)/);
});

test('SIGINT and SIGQUIT shut the agent down as SIGTERM does', async () => {
  for (const signal of ['SIGINT', 'SIGQUIT'] as const) {
    const t = setup(`exit-${signal}`, `[program:loop]\ncommand = %(here)s/loop.sh\nstartsecs = 0\n`);
    const agent = run(t.conf);
    await agent.waitForOutput(/success: loop/);
    assert.equal(await agent.stop(signal), 0);
    assert.match(readText(t.log), new RegExp(`received ${signal} indicating exit request`));
    assert.deepEqual(pidsUnder(loopScript(t.dir)), []);
  }
});

test('after the agent is killed with SIGKILL, the next start stops the old child before starting a new one', async () => {
  const t = setup('sigkill', `[program:loop]\ncommand = %(here)s/loop.sh\nstartsecs = 0\nstopwaitsecs = 2\n`);
  const first = run(t.conf);
  await first.waitForOutput(/success: loop/);
  const [oldPid] = spawnedPid(first.output(), 'loop');
  assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
  assert.ok(isAlive(oldPid!), 'the child outlives its killed agent');
  strayPids.add(oldPid!);

  const second = run(t.conf);
  await second.waitForOutput(/success: loop/);
  const out = second.output();
  assert.match(out, new RegExp(`found 'loop' \\(pid ${oldPid}\\) left running by a previous agent; stopping it`));
  // The leftover is gone before the new child is spawned: never two copies.
  assert.ok(out.indexOf(`stopped leftover 'loop' (pid ${oldPid})`) < out.indexOf("spawned: 'loop'"));
  assert.equal(isAlive(oldPid!), false);
  assert.deepEqual(pidsUnder(loopScript(t.dir)), spawnedPid(out, 'loop'));
  assert.equal(await second.stop(), 0);
});

test('SIGHUP re-reads the config and starts over in the same process', async () => {
  const t = setup('reload', `[program:loop]\ncommand = %(here)s/loop.sh\nstartsecs = 0\n`);
  const agent = run(t.conf);
  await agent.waitForOutput(/success: loop/);
  writeFileSync(t.conf, readFileSync(t.conf, 'utf8') + `\n[program:added]\ncommand = %(here)s/loop.sh added\nstartsecs = 0\n`);
  agent.proc.kill('SIGHUP');
  await agent.waitForOutput(/success: added entered RUNNING state/);
  assert.match(agent.output(), /received SIGHUP indicating restart request/);
  await waitFor(() => spawnedPid(agent.output(), 'loop').length === 2, { what: 'loop stopped and started again' });
  assert.equal(readFileSync(t.pidfile, 'utf8'), `${agent.proc.pid}\n`);
  assert.equal(await agent.stop(), 0);
});

test('SIGHUP with a broken config keeps the running configuration and says why', async () => {
  const t = setup('reload-bad', `[program:loop]\ncommand = %(here)s/loop.sh\nstartsecs = 0\n`);
  const agent = run(t.conf);
  await agent.waitForOutput(/success: loop/);
  writeFileSync(t.conf, readFileSync(t.conf, 'utf8') + `\n[program:broken]\ncommand = /bin/true\nstopsignal = NOPE\n`);
  agent.proc.kill('SIGHUP');
  await agent.waitForOutput(/the running configuration stays/);
  assert.match(agent.output(), /ERRO reload refused: .*supervisord\.conf:\d+: \[program:broken\] stopsignal: value 'NOPE' is not a valid signal name/);
  const [pid] = spawnedPid(agent.output(), 'loop');
  assert.ok(isAlive(pid!));
  assert.equal(await agent.stop(), 0);
});

test('SIGUSR2 reopens the logs after an external logrotate moved them', async () => {
  const t = setup('reopen', `[program:talker]\ncommand = /bin/sh -c 'while :; do echo tick; sleep 0.05; done'\nstdout_logfile = %(here)s/talker.log\nstartsecs = 0\n`);
  const agent = run(t.conf);
  const childLog = join(t.dir, 'talker.log');
  await waitFor(() => readText(childLog).includes('tick'), { what: 'the first ticks' });
  renameSync(childLog, `${childLog}.1`);
  renameSync(t.log, `${t.log}.1`);
  agent.proc.kill('SIGUSR2');
  await waitFor(() => readText(childLog).includes('tick'), { what: 'ticks in the reopened child log' });
  // supervisord logs the request before reopening, so the line goes to the moved file.
  await waitFor(() => readText(`${t.log}.1`).includes('received SIGUSR2 indicating log reopen request'), { what: 'the request logged' });
  assert.equal(await agent.stop(), 0);
  assert.match(readText(t.log), /received SIGTERM indicating exit request/, 'later lines go to the reopened activity log');
});

test('AUTO child logs of an earlier run are removed at start, unless nocleanup', async () => {
  const t = setup('autoclean', `[program:loop]\ncommand = %(here)s/loop.sh\nstartsecs = 0\n`);
  const stale = join(t.dir, 'old-stdout---t-autoclean-abc123.log');
  const foreign = join(t.dir, 'old-stdout---someone-else-abc123.log');
  writeFileSync(stale, 'old');
  writeFileSync(foreign, 'keep');
  const kept = run(t.conf, '-k');
  await kept.waitForOutput(/success: loop/);
  assert.equal(await kept.stop(), 0);
  assert.ok(existsSync(stale), '-k keeps it');
  const agent = run(t.conf);
  await agent.waitForOutput(/success: loop/);
  assert.equal(await agent.stop(), 0);
  assert.equal(existsSync(stale), false);
  assert.ok(existsSync(foreign), 'another identifier is left alone');
});

test('without -n the agent goes to the background and the command returns once it runs', async () => {
  const t = setup('daemon', `[program:loop]\ncommand = %(here)s/loop.sh\nstartsecs = 0\n`);
  const result = await runAgentOnce(['-c', t.conf]);
  assert.equal(result.code, 0, result.stderr);
  const pid = Number(readFileSync(t.pidfile, 'utf8'));
  strayPids.add(pid);
  assert.ok(isAlive(pid));
  await waitFor(() => readText(t.log).includes('success: loop'), { what: 'the daemon to start loop' });
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !isAlive(pid), { what: 'the daemon to exit' });
  assert.deepEqual(pidsUnder(loopScript(t.dir)), []);
});

test('a second agent on the same config refuses to start and says which one runs', async () => {
  const t = setup('twice', `[program:loop]\ncommand = %(here)s/loop.sh\nstartsecs = 0\n`);
  const first = run(t.conf);
  await first.waitForOutput(/success: loop/);
  const second = await runAgentOnce(['-n', '-c', t.conf]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, new RegExp(`Error: another fleet-agent \\(pid ${first.proc.pid}\\) is running`));
  assert.equal(await first.stop(), 0);
});

test('an agent whose programs are all stopped keeps running until told to exit', async () => {
  const t = setup('idle', `[program:manual]\ncommand = %(here)s/loop.sh\nautostart = false\n`);
  const agent = run(t.conf);
  await agent.waitForOutput(/fleet-agent .* started with pid/);
  await waitFor(() => existsSync(t.pidfile), { what: 'the pidfile' });
  // Nothing holds a pipe open now: an agent with nothing keeping it alive would be gone within
  // milliseconds. Watching for an exit must time out.
  await assert.rejects(waitFor(() => agent.proc.exitCode !== null, { timeoutMs: 500, what: 'an exit' }), /timed out/);
  assert.equal(await agent.stop(), 0);
});

test('when the only child is killed, the agent restarts it instead of exiting', async () => {
  const t = setup('only-child', `[program:loop]\ncommand = %(here)s/loop.sh\nstartsecs = 0\nautorestart = true\n`);
  const start = Date.now();
  const agent = run(t.conf);
  await agent.waitForOutput(/success: loop/);
  const [first] = spawnedPid(agent.output(), 'loop');
  // A child that lived under 1 s would wait out the crash-loop guard; this one has been up longer.
  await waitFor(() => agent.output().includes('success: loop') && Date.now() - start >= 1100, { what: 'one second of uptime' });
  process.kill(first!, 'SIGKILL');
  await waitFor(() => spawnedPid(agent.output(), 'loop').length === 2, { what: 'the respawn' });
  assert.equal(agent.proc.exitCode, null);
  assert.equal(await agent.stop(), 0);
});

test('a log that cannot be reopened on SIGUSR2 is reported and the agent keeps supervising', async () => {
  const t = setup('reopen-fails', `[program:talker]\ncommand = /bin/sh -c 'while :; do echo tick; sleep 0.05; done'\nstdout_logfile = %(here)s/sub/talker.log\nstartsecs = 0\n`);
  mkdirSync(join(t.dir, 'sub'));
  const agent = run(t.conf);
  await agent.waitForOutput(/success: talker/);
  rmSync(join(t.dir, 'sub'), { recursive: true });
  agent.proc.kill('SIGUSR2');
  await agent.waitForOutput(/ERRO could not reopen the logs of talker: .*talker\.log/);
  assert.equal(agent.proc.exitCode, null);
  assert.equal(await agent.stop(), 0);
});
