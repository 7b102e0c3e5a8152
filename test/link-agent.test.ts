// The controller link end to end: a real fleet-agent process against a scripted AgentService
// (test/helpers/scripted-controller.ts) on loopback.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../agent/daemon/proc-stat.js';
import { startResultLine } from '../cli/commands/start.js';
import { signalResultLine } from '../cli/commands/stop.js';
import { ProcessState } from '../proto/gen/fleet/v1/process.js';
import type { HostEvent } from '../proto/gen/fleet/v1/events.js';
import { readText, runAgentOnce, startAgent, writeConfig, type RunningAgent } from './helpers/agent-process.js';
import { FLEETCTL, runCli } from './helpers/parity.js';
import { outcomes, ScriptedController, toDomainResults, type ScriptedConnection } from './helpers/scripted-controller.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleetvisor-link-agent-');
const agents: RunningAgent[] = [];
const controllers: ScriptedController[] = [];
const children = new Set<number>();
after(async () => {
  for (const a of agents) await a.stop('SIGTERM');
  for (const c of controllers) c.close();
  for (const pid of children) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  tmp.remove();
});

interface Setup {
  dir: string;
  conf: string;
  log: string;
}

function setup(name: string, port: number, programs: string, supervisordExtra = ''): Setup {
  const dir = join(tmp.path, name);
  mkdirSync(dir);
  const conf = writeConfig(
    dir,
    `[supervisord]\nlogfile = %(here)s/agent.log\npidfile = %(here)s/agent.pid\nchildlogdir = %(here)s\n${supervisordExtra}\n` +
      `[unix_http_server]\nfile = %(here)s/agent.sock\n[supervisorctl]\nserverurl = unix://%(here)s/agent.sock\n` +
      `[fleet]\nhost = test-host\nlabels = role=test\ncontroller = 127.0.0.1:${port}\ninsecure = true\nstate_dir = %(here)s/state\n` +
      programs,
  );
  return { dir, conf, log: join(dir, 'agent.log') };
}

function run(conf: string): RunningAgent {
  const agent = startAgent(['-n', '-c', conf]);
  agents.push(agent);
  return agent;
}

async function controller(script: Parameters<typeof ScriptedController.start>[0] = {}): Promise<ScriptedController> {
  const c = await ScriptedController.start(script);
  controllers.push(c);
  return c;
}

function ctl(s: Setup, ...words: string[]) {
  return runCli([process.execPath, FLEETCTL, '-c', s.conf, ...words], { cwd: s.dir });
}

/** Every pid the agent reports for `name`, once RUNNING, through fleetctl. */
async function pidOf(s: Setup, name: string): Promise<number> {
  const pid = await waitFor(async () => {
    const r = await ctl(s, 'pid', name);
    const n = Number(r.stdout.trim());
    return r.code === 0 && n > 0 ? n : null;
  }, { what: `a pid for ${name}` });
  children.add(pid);
  return pid;
}

const seqOf = (e: HostEvent): number => Number(e.seq);
const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

function transitions(events: readonly HostEvent[], name: string): string[] {
  return events.flatMap((e) => (e.kind?.$case === 'transition' && e.kind.value.name === name ? [`${ProcessState[e.kind.value.from]}>${ProcessState[e.kind.value.to]}`] : []));
}

const SLEEPER = (name: string, extra = ''): string => `[program:${name}]\ncommand = /bin/sh -c 'exec sleep 1000'\nstartsecs = 0\n${extra}\n`;

test('the agent says Hello with its identity and a snapshot, then streams every transition with seqs from 1', async () => {
  const c = await controller();
  const s = setup('hello', c.port, SLEEPER('web'));
  const agent = run(s.conf);
  const conn = await c.connection(1);
  assert.equal(conn.hello!.host, 'test-host');
  assert.deepEqual(conn.hello!.labels, { role: 'test' });
  assert.equal(conn.hello!.pid, agent.proc.pid);
  assert.match(conn.hello!.instanceId, /^[0-9a-f-]{36}$/);
  await waitFor(() => conn.snapshots.length >= 1, { what: 'a snapshot' });
  assert.equal(conn.received[1]?.body?.$case, 'snapshot', 'the snapshot follows Hello at once');
  assert.deepEqual(conn.snapshots[0]!.processes.map((p) => p.name), ['web']);
  await waitFor(() => transitions(c.latest!.events, 'web').includes('PROCESS_STATE_STARTING>PROCESS_STATE_RUNNING'), { what: 'web RUNNING on the stream' });
  const events = [...c.stored.values()];
  assert.deepEqual(events.map(seqOf), range(1, events.length), 'seqs from 1, without holes');
  const running = events.find((e) => e.kind?.$case === 'transition' && e.kind.value.to === ProcessState.PROCESS_STATE_RUNNING)!;
  assert.ok(running.kind?.$case === 'transition');
  assert.ok(running.kind.value.pid > 0);
  const startedMs = Number(running.kind.value.startMs);
  assert.ok(startedMs > Date.now() - 60_000 && startedMs <= Date.now(), `the start time right after the edge (${startedMs})`);
  children.add(running.kind.value.pid);
  await waitFor(() => readText(s.log).match(new RegExp(`INFO controller link up: ${c.address}`)), { what: 'link up in the activity log' });
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('after the stream drops, the agent resends from the last ack: every event is stored once and none is missing', async () => {
  const c = await controller();
  // Four processes that exit at once and are restarted: a steady flow of transitions and exits.
  const s = setup('resend', c.port, `[program:crash]\ncommand = /bin/sh -c 'exit 3'\nstartsecs = 0\nautorestart = true\nnumprocs = 4\nprocess_name = %(program_name)s_%(process_num)s\n`);
  const agent = run(s.conf);
  const first = await c.connection(1);
  await waitFor(() => c.ackedSeq >= 10, { what: 'ten acked events' });
  c.script.autoAck = false; // withhold acks: what follows is received but not stored
  const ackedAtDrop = await waitFor(() => (first.events.length > 0 && seqOf(first.events.at(-1)!) >= c.ackedSeq + 8 ? c.ackedSeq : null), {
    what: 'eight unacked events',
  });
  const unacked = first.events.filter((e) => seqOf(e) > ackedAtDrop);
  c.script.autoAck = true;
  first.drop();

  const second = await c.connection(2);
  assert.ok(Number(second.hello!.lastSeq) >= seqOf(unacked.at(-1)!));
  await waitFor(() => c.ackedSeq >= Number(second.hello!.lastSeq) + 10, { what: 'new events after the reconnect' });
  assert.equal(seqOf(second.events[0]!), ackedAtDrop + 1, 'the resend starts right after the last ack');
  for (const event of unacked) {
    const again = second.events.find((e) => seqOf(e) === seqOf(event));
    assert.deepEqual(again, event, `seq ${seqOf(event)} resent unchanged`);
  }
  assert.deepEqual(c.resentAfterAck, [], 'nothing acked was sent again');
  assert.deepEqual([...c.stored.keys()].sort((a, b) => a - b), range(1, c.ackedSeq), 'every seq stored, none missing');
  assert.match(readText(s.log), /INFO controller link down: 127\.0\.0\.1:\d+: UNAVAILABLE: dropped by the test; reconnecting in \d+ ms/);
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('an agent killed with SIGKILL comes back as a new instance and its seqs continue after the last one', async () => {
  const c = await controller();
  const s = setup('sigkill', c.port, `[program:crash]\ncommand = /bin/sh -c 'exit 3'\nstartsecs = 0\nautorestart = true\nnumprocs = 2\nprocess_name = %(program_name)s_%(process_num)s\n`);
  const agent = run(s.conf);
  const first = await c.connection(1);
  await waitFor(() => c.ackedSeq >= 10, { what: 'ten acked events' });
  c.script.autoAck = false;
  await waitFor(() => first.events.length > 0 && seqOf(first.events.at(-1)!) > c.ackedSeq + 3, { what: 'unacked events' });
  assert.equal(await agent.stop('SIGKILL'), 'SIGKILL');
  c.script.autoAck = true;

  const again = run(s.conf);
  const second = await waitFor(() => c.connections.find((k) => k.hello && k.hello.instanceId !== first.hello!.instanceId), {
    what: 'a Hello from the new instance',
  });
  assert.ok(Number(second.hello!.lastSeq) >= seqOf(first.events.at(-1)!), 'the counter survived the SIGKILL');
  await waitFor(() => c.ackedSeq >= Number(second.hello!.lastSeq) + 5, { what: 'events of the new instance' });
  assert.deepEqual(c.resentAfterAck, []);
  assert.deepEqual([...c.stored.keys()].sort((a, b) => a - b), range(1, c.ackedSeq), 'one history across both instances, no holes');
  assert.equal(await again.stop('SIGTERM'), 0);
});

test('commands from the controller give the same per-process results as fleetctl on the host', async () => {
  const c = await controller();
  const s = setup(
    'commands',
    c.port,
    SLEEPER('a') + SLEEPER('b', 'autostart = false') + SLEEPER('grp', 'autostart = false\nnumprocs = 2\nprocess_name = x_%(process_num)s'),
  );
  const agent = run(s.conf);
  const conn = await c.connection(1);
  await pidOf(s, 'a');
  const sel = (group: string, process: string) => ({ group, process });

  const startSelectors = [sel('a', 'a'), sel('b', 'b'), sel('grp', '*'), sel('nosuch', 'nosuch')];
  const viaLink = await conn.command({ $case: 'start', value: { selectors: startSelectors, wait: true } });
  assert.equal(viaLink.fault, '');
  const linkLines = toDomainResults(viaLink).map(startResultLine).sort();
  assert.deepEqual(linkLines, ['a: ERROR (already started)', 'b: started', 'grp:x_0: started', 'grp:x_1: started', 'nosuch: ERROR (no such process)']);
  for (const name of ['b', 'grp:x_0', 'grp:x_1']) await pidOf(s, name);

  const stopSelectors = [sel('b', 'b'), sel('grp', 'x_*'), sel('grp', 'x_0')];
  const stopped = await conn.command({ $case: 'stop', value: { selectors: stopSelectors, wait: true } });
  assert.deepEqual(toDomainResults(stopped).map((r) => signalResultLine(r, 'stopped')).sort(), ['b: stopped', 'grp:x_0: stopped', 'grp:x_1: stopped']);

  // The same start, from fleetctl against the agent's socket.
  const local = await ctl(s, 'start', 'a', 'b', 'grp:*', 'nosuch');
  assert.deepEqual(local.stdout.trim().split('\n').sort(), linkLines);
  const localStop = await ctl(s, 'stop', 'b', 'grp:*');
  assert.deepEqual(localStop.stdout.trim().split('\n').sort(), toDomainResults(stopped).map((r) => signalResultLine(r, 'stopped')).sort());

  const again = await conn.command({ $case: 'stop', value: { selectors: [sel('b', 'b'), sel('grp', '*')], wait: true } });
  const localAgain = await ctl(s, 'stop', 'b', 'grp:*');
  assert.deepEqual(
    toDomainResults(again).map((r) => signalResultLine(r, 'stopped')).sort(),
    localAgain.stdout.trim().split('\n').sort(),
    'nothing to stop: a named process says not running, a glob says nothing',
  );
  assert.deepEqual(outcomes(again), ['b:b: NOT_RUNNING']);

  const hup = await conn.command({ $case: 'signal', value: { selectors: [sel('a', 'a'), sel('b', 'b')], signal: 'HUP' } });
  const localHup = await ctl(s, 'signal', 'HUP', 'a', 'b');
  assert.deepEqual(toDomainResults(hup).map((r) => signalResultLine(r)).sort(), localHup.stdout.trim().split('\n').sort());
  const bad = await conn.command({ $case: 'signal', value: { selectors: [sel('a', 'a')], signal: 'NOPE' } });
  assert.equal(bad.fault, 'BAD_SIGNAL', 'a bad signal fails the command as a whole, as signalProcesses does');
  assert.equal(bad.results.length, 0);
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('restart by glob stops and starts every matched process once, with one result each', async () => {
  const c = await controller();
  const s = setup('restart', c.port, SLEEPER('web', 'numprocs = 3\nprocess_name = web_%(process_num)s') + SLEEPER('other'));
  const agent = run(s.conf);
  const conn = await c.connection(1);
  const before = new Map<string, number>();
  for (const n of ['web:web_0', 'web:web_1', 'web:web_2', 'other']) before.set(n, await pidOf(s, n));
  const result = await conn.command({
    $case: 'restart',
    value: { selectors: [{ group: 'web', process: '*' }, { group: 'web', process: 'web_[01]' }], wait: true },
  });
  assert.deepEqual(outcomes(result), ['web:web_0: SUCCESS', 'web:web_1: SUCCESS', 'web:web_2: SUCCESS']);
  for (const n of ['web:web_0', 'web:web_1', 'web:web_2']) assert.notEqual(await pidOf(s, n), before.get(n), `${n} has a new pid`);
  assert.equal(await pidOf(s, 'other'), before.get('other'), 'a process not selected is untouched');
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('reread and update from the controller see and add a program added to the config, and a new snapshot follows', async () => {
  const c = await controller();
  const s = setup('update', c.port, SLEEPER('first'));
  const agent = run(s.conf);
  const conn = await c.connection(1);
  await pidOf(s, 'first');
  writeConfig(s.dir, readText(s.conf) + SLEEPER('second'));
  const reread = await conn.command({ $case: 'reread', value: {} });
  assert.deepEqual(reread.reread, { added: ['second'], changed: [], removed: [] });
  const snapshots = conn.snapshots.length;
  const update = await conn.command({ $case: 'update', value: { names: [] } });
  assert.deepEqual(
    update.update?.updates.map((u) => [u.group, u.fault]),
    [['second', '']],
  );
  await pidOf(s, 'second');
  await waitFor(() => conn.snapshots.length > snapshots && conn.snapshots.at(-1)!.processes.some((p) => p.name === 'second'), {
    what: 'a snapshot with the new program',
  });
  writeConfig(s.dir, readText(s.conf).replace('[program:second]', '[program:second]\nstartsecs = 1'));
  writeConfig(s.dir, readText(s.conf) + '[program:broken\n');
  const broken = await conn.command({ $case: 'reread', value: {} });
  assert.equal(broken.fault, 'CANT_REREAD');
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('a reload keeps the stream and sends a new snapshot; changed [fleet] settings open a new one', async () => {
  const c = await controller();
  const s = setup('reload', c.port, SLEEPER('one'));
  const agent = run(s.conf);
  const conn = await c.connection(1);
  await pidOf(s, 'one');
  writeConfig(s.dir, readText(s.conf) + SLEEPER('two'));
  agent.proc.kill('SIGHUP');
  await waitFor(() => conn.snapshots.some((snap) => snap.processes.some((p) => p.name === 'two')), { what: 'a snapshot with the new program' });
  await pidOf(s, 'two');
  assert.equal(c.connections.length, 1, 'the same stream');
  assert.equal(conn.ended, false);
  await waitFor(() => transitions([...c.stored.values()], 'two').includes('PROCESS_STATE_STARTING>PROCESS_STATE_RUNNING'), { what: 'two RUNNING' });
  assert.deepEqual([...c.stored.keys()].sort((a, b) => a - b), range(1, c.ackedSeq), 'the history goes on without a hole');

  writeConfig(s.dir, readText(s.conf).replace('labels = role=test', 'labels = role=changed'));
  const ackedBefore = c.ackedSeq;
  agent.proc.kill('SIGHUP');
  const second = await c.connection(2);
  assert.deepEqual(second.hello!.labels, { role: 'changed' });
  assert.ok(Number(second.hello!.lastSeq) >= ackedBefore, 'the same counter');
  await waitFor(() => conn.ended, { what: 'the old stream ended' });
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('a log subscription sends the backlog since a time, a marker, then live output, across a rotation', async () => {
  const c = await controller();
  // Numbered lines of about 100 bytes, 20 a second; the log rotates every 2 KB (once a second).
  const pad = 'x'.repeat(90);
  const s = setup(
    'logs',
    c.port,
    `[program:talk]\ncommand = /bin/sh -c 'i=0; while :; do i=$((i+1)); echo "line $i ${pad}"; sleep 0.05; done'\nstartsecs = 0\n` +
      `stdout_logfile = %(here)s/talk.log\nstdout_logfile_maxbytes = 2KB\nstdout_logfile_backups = 2\n`,
  );
  const agent = run(s.conf);
  const conn = await c.connection(1);
  await waitFor(() => / 30 x/.test(readText(join(s.dir, 'talk.log')) + readText(join(s.dir, 'talk.log.1'))), { what: 'thirty lines' });
  const since = Date.now() - 1000;
  const id = conn.subscribe({ selectors: [{ group: 'talk', process: 'talk' }], channels: [], sinceMs: BigInt(since), maxBacklogBytes: 0n, follow: true });
  const marker = await waitFor(() => conn.logChunks.findIndex((k) => k.subscriptionId === id && k.backlogComplete) + 1, { what: 'the backlog marker' });
  const backlog = conn.logChunks.slice(0, marker - 1);
  assert.ok(backlog.length > 0, 'some backlog');
  for (const chunk of backlog) assert.ok(Number(chunk.timeMs) >= since - 5, `backlog chunk at ${chunk.timeMs}, since ${since}`);
  assert.ok(backlog.every((k, i) => i === 0 || k.timeMs >= backlog[i - 1]!.timeMs), 'in capture-time order');
  // Live output past a few rotations.
  const text = (): string => Buffer.concat(conn.logChunks.filter((k) => !k.backlogComplete).map((k) => k.data)).toString();
  const firstLine = Number(/line (\d+)/.exec(text())![1]);
  await waitFor(() => text().includes(`line ${firstLine + 60} x`), { what: `line ${firstLine + 60} on the stream`, timeoutMs: 20_000 });
  const numbers = [...text().matchAll(/line (\d+) x+\n/g)].map((m) => Number(m[1]));
  assert.deepEqual(numbers, range(numbers[0]!, numbers.at(-1)!), 'every line once, in order, across rotation');
  assert.ok(readText(join(s.dir, 'talk.log.1')).length > 0, 'the log rotated under the follower');
  assert.equal(conn.logChunks.at(-1)!.channel, 1, 'stdout');
  conn.send({ $case: 'logCancel', value: { id } });
  const count = conn.logChunks.length;
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(conn.logChunks.length <= count + 1, 'nothing more after the cancel (one chunk may have been on its way)');

  const once = conn.subscribe({ selectors: [{ group: '*', process: '*' }], channels: [], sinceMs: BigInt(Date.now() - 60_000), maxBacklogBytes: 100n, follow: false });
  const end = await waitFor(() => conn.logEnds.find((e) => e.subscriptionId === once), { what: 'LogEnd without follow' });
  assert.equal(end.fault, '');
  const bytes = conn.logChunks.filter((k) => k.subscriptionId === once).reduce((n, k) => n + k.data.length, 0);
  assert.ok(bytes > 0 && bytes <= 100, `max_backlog_bytes bounds the backlog (${bytes})`);
  assert.equal(await agent.stop('SIGTERM'), 0);
});

/** The agent's resident set, from /proc. */
function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readText(`/proc/${pid}/status`));
  return m ? Number(m[1]) * 1024 : 0;
}

test('a controller that stops reading holds back the log stream, not the agent memory, and loses no byte', async () => {
  const c = await controller();
  const total = 48 * 1024 * 1024;
  const s = setup(
    'backpressure',
    c.port,
    `[program:flood]\ncommand = /bin/sh -c 'sleep 1; head -c ${total} /dev/zero | tr "\\\\0" x; exec sleep 1000'\nstartsecs = 0\n` +
      `stdout_logfile = %(here)s/flood.log\nstdout_logfile_maxbytes = 0\n`,
  );
  const agent = run(s.conf);
  const conn = await c.connection(1);
  await waitFor(() => readText(s.log).includes('success: flood entered RUNNING'), { what: 'flood running' });
  const baseline = rssBytes(agent.proc.pid!);
  conn.subscribe({ selectors: [{ group: 'flood', process: 'flood' }], channels: [], sinceMs: 0n, maxBacklogBytes: 0n, follow: true });
  conn.pause();
  let peak = 0;
  const { statSync } = await import('node:fs');
  await waitFor(() => {
    peak = Math.max(peak, rssBytes(agent.proc.pid!));
    try {
      return statSync(join(s.dir, 'flood.log')).size >= total;
    } catch {
      return false;
    }
  }, { what: 'the whole flood in the log file', timeoutMs: 60_000, intervalMs: 50 });
  peak = Math.max(peak, rssBytes(agent.proc.pid!));
  assert.ok(peak - baseline < 32 * 1024 * 1024, `the agent grew by ${Math.round((peak - baseline) / 1e6)} MB while ${total / 1e6} MB waited`);
  conn.resume();
  const received = (): number => conn.logChunks.reduce((n, k) => n + k.data.length, 0);
  await waitFor(() => received() >= total, { what: `${total} bytes on the stream (${received()} so far)`, timeoutMs: 60_000 });
  assert.equal(received(), total, 'every byte once');
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('a controller silent for two heartbeat intervals is given up on, and the agent dials again', async () => {
  const c = await controller({ heartbeatMs: 200, heartbeats: false });
  const s = setup('heartbeat', c.port, SLEEPER('calm'));
  const agent = run(s.conf);
  const first = await c.connection(1);
  await waitFor(() => first.heartbeatsReceived.length > 0, { what: 'a heartbeat from the agent' });
  const second = await c.connection(2, 10_000);
  assert.ok(first.ended, 'the silent stream was ended');
  assert.ok(second.hello);
  assert.match(readText(s.log), /controller link down: 127\.0\.0\.1:\d+: no message from the controller for \d+ ms \(heartbeat 200 ms\)/);
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('losing the controller, or never reaching it, leaves every process as it is', async () => {
  const c = await controller();
  const s = setup(
    'untouched',
    c.port,
    SLEEPER('steady', 'numprocs = 2\nprocess_name = steady_%(process_num)s') + SLEEPER('idle', 'autostart = false'),
    'loglevel = debug', // the retries are logged at DEBUG
  );
  const agent = run(s.conf);
  const conn = await c.connection(1);
  const pids = [await pidOf(s, 'steady:steady_0'), await pidOf(s, 'steady:steady_1')];
  await waitFor(() => c.ackedSeq >= 4, { what: 'the start-up transitions acked' });
  const acked = c.ackedSeq;
  c.close(); // the controller goes away entirely: streams cut, nothing listening
  await waitFor(() => conn.ended && /controller link down/.test(readText(s.log)), { what: 'link down' });
  // Several reconnect attempts later: the same children, nothing started or stopped.
  await waitFor(() => (readText(s.log).match(/DEBG controller link to .* not established: UNAVAILABLE/g) ?? []).length >= 2, {
    what: 'two failed reconnects',
  });
  assert.deepEqual([await pidOf(s, 'steady:steady_0'), await pidOf(s, 'steady:steady_1')], pids);
  const status = await ctl(s, 'status');
  assert.match(status.stdout, /idle\s+STOPPED\s+Not started/);
  const log = readText(s.log);
  assert.equal((log.match(/spawned:/g) ?? []).length, 2, 'no spawn after the first two');
  assert.doesNotMatch(log, /stopped: |exited: /);
  // The controller comes back on the same port: the agent reconnects and sends nothing it did not have.
  const back = await ScriptedController.start({}, c.port);
  controllers.push(back);
  back.ackedSeq = acked;
  const again = await back.connection(1, 10_000);
  assert.equal(Number(again.hello!.lastSeq), acked, 'no event happened meanwhile');
  await waitFor(() => again.snapshots.length > 0, { what: 'the snapshot after the reconnect' });
  assert.deepEqual(again.snapshots[0]!.processes.map((p) => [p.name, p.pid]).filter(([, pid]) => pid !== 0), [
    ['steady_0', pids[0]],
    ['steady_1', pids[1]],
  ]);
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('[fleet] controller without insecure, a certificate or a join token is refused at start-up, saying how to enroll', async () => {
  const dir = join(tmp.path, 'tls');
  mkdirSync(dir);
  const conf = writeConfig(dir, `[supervisord]\nlogfile = %(here)s/agent.log\npidfile = %(here)s/agent.pid\n[fleet]\ncontroller = 127.0.0.1:1\nstate_dir = %(here)s/state\n${SLEEPER('x')}`);
  const result = await runAgentOnce(['-n', '-c', conf]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /\[fleet\] controller = 127\.0\.0\.1:1: this agent has no certificate in .*state yet; enroll it once with fleet-agent join --controller 127\.0\.0\.1:1 --token JOIN_TOKEN --ca-fingerprint sha256:\.\.\. \(or set join_token and ca_fingerprint in \[fleet\]\); for a controller started with --insecure, set insecure = true instead/,
  );
  assert.doesNotMatch(readText(join(dir, 'agent.log')), /spawned:/, 'nothing was started');
});
