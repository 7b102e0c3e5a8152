// The link's promise end to end, with real parts: a real fleet-controller process (SQLite in a
// temp dir) and real fleet-agents supervising real children. Nothing lost, nothing doubled,
// whatever happens to the controller or the agent.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readText, startAgent, writeConfig, type RunningAgent } from './helpers/agent-process.js';
import { runFleetctl, startControllerProcess, type ControllerProcess } from './helpers/controller-process.js';
import { ScriptedAgent, transitionEvent } from './helpers/scripted-agent.js';
import { freePort } from './helpers/free-port.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleet-reliability-');
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  tmp.remove();
});

async function controllerOn(dataDir: string, port: number): Promise<ControllerProcess> {
  const c = await startControllerProcess(dataDir, ['--listen', `127.0.0.1:${port}`, '--heartbeat', '500ms']);
  cleanups.push(() => c.stop('SIGKILL'));
  return c;
}

function agentOn(dir: string, host: string, port: number, programs: string): { agent: RunningAgent; config: string } {
  mkdirSync(dir, { recursive: true });
  const config = writeConfig(
    dir,
    `[supervisord]\nlogfile = %(here)s/agent.log\npidfile = %(here)s/agent.pid\nchildlogdir = %(here)s\n` +
      `[unix_http_server]\nfile = %(here)s/agent.sock\n[supervisorctl]\nserverurl = unix://%(here)s/agent.sock\n` +
      `[fleet]\nhost = ${host}\ncontroller = 127.0.0.1:${port}\ninsecure = true\nstate_dir = %(here)s/state\n` +
      programs,
  );
  const agent = startAgent(['-n', '-c', config]);
  // SIGTERM: the agent stops its children on the way out (SIGKILL would orphan them).
  cleanups.push(() => agent.stop());
  return { agent, config };
}

interface HistoryRow {
  kind: string;
  host: string;
  seq?: number;
  to?: string;
  pid?: number;
}

async function history(port: number, address: string): Promise<HistoryRow[]> {
  const r = await runFleetctl(['--controller', `127.0.0.1:${port}`, '--insecure', 'history', address, '--limit', '100000', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { entries: HistoryRow[] }).entries;
}

/** The seqs of a host's agent events: every one of 1..max exactly once, or the assertion says which are missing or doubled. */
function assertExactlyOnce(rows: HistoryRow[], lastSeq: number): void {
  const seqs = rows.filter((r) => r.seq !== undefined).map((r) => r.seq!);
  const counts = new Map<number, number>();
  for (const s of seqs) counts.set(s, (counts.get(s) ?? 0) + 1);
  const doubled = [...counts].filter(([, n]) => n > 1).map(([s]) => s);
  const missing = Array.from({ length: lastSeq }, (_, i) => i + 1).filter((s) => !counts.has(s));
  assert.deepEqual({ doubled, missing }, { doubled: [], missing: [] });
  assert.equal(Math.max(...seqs), lastSeq);
}

/** The `this host is at N` of the agent's latest link-up line. */
function linkUps(agent: RunningAgent): number[] {
  return [...agent.output().matchAll(/controller link up: .* this host is at (\d+)/g)].map((m) => Number(m[1]));
}

const CRASHER =
  `[program:crasher]\ncommand = /bin/sh -c 'sleep 0.2; exit 3'\nstartsecs = 0\nautorestart = true\n` +
  `[program:steady]\ncommand = sleep 1000\nstartsecs = 0\n`;

test('the controller is down while processes crash and restart; when it returns, history holds every transition exactly once', async () => {
  const port = await freePort();
  const dataDir = join(tmp.path, 'down', 'controller');
  let controller = await controllerOn(dataDir, port);
  const { agent, config } = agentOn(join(tmp.path, 'down', 'agent'), 'crashy', port, CRASHER);
  await agent.waitForOutput(/controller link up/);
  await waitFor(async () => (await history(port, 'crashy/crasher')).filter((r) => r.kind === 'exit').length >= 2, { what: 'two crashes recorded', timeoutMs: 15_000 });

  await controller.stop();
  const log = join(tmp.path, 'down', 'agent', 'agent.log');
  const crashesBefore = (readText(log).match(/exited: crasher/g) ?? []).length;
  await waitFor(() => (readText(log).match(/exited: crasher/g) ?? []).length >= crashesBefore + 3, { what: 'three more crashes while the controller is down', timeoutMs: 15_000 });
  assert.equal(linkUps(agent).length, 1, 'no link while the controller is down');
  // Stop the crash loop from the host itself, so the history has an end to compare.
  const stop = await runFleetctl(['-c', config, 'stop', 'crasher']);
  assert.equal(stop.code, 0, stop.stdout + stop.stderr);

  controller = await controllerOn(dataDir, port);
  const [, lastSeq] = await waitFor(() => (linkUps(agent).length >= 2 ? linkUps(agent) : null), { what: 'the link up again', timeoutMs: 20_000 });
  const rows = await waitFor(async () => {
    const h = await history(port, 'crashy/');
    return Math.max(0, ...h.map((r) => r.seq ?? 0)) >= lastSeq! ? h : null;
  }, { what: `history up to seq ${lastSeq}` });
  assertExactlyOnce(rows, lastSeq!);
  const exits = rows.filter((r) => r.kind === 'exit').length;
  assert.equal(exits, (readText(log).match(/exited: crasher/g) ?? []).length, 'one exit row per exit in the agent\'s activity log');
  assert.equal(rows.at(-1)?.to, 'STOPPED');
});

test('an agent killed with SIGKILL and restarted continues the history, and leaves no duplicate child', async () => {
  const port = await freePort();
  await controllerOn(join(tmp.path, 'agentkill', 'controller'), port);
  const dir = join(tmp.path, 'agentkill', 'agent');
  const first = agentOn(dir, 'phoenix', port, `[program:steady]\ncommand = sleep 1000\nstartsecs = 0\n`);
  await first.agent.waitForOutput(/controller link up/);
  const before = await waitFor(async () => {
    const h = await history(port, 'phoenix/');
    return h.some((r) => r.to === 'RUNNING') ? h : null;
  }, { what: 'steady running in the history' });
  await first.agent.stop('SIGKILL');

  const second = agentOn(dir, 'phoenix', port, `[program:steady]\ncommand = sleep 1000\nstartsecs = 0\n`);
  await second.agent.waitForOutput(/controller link up/);
  const rows = await waitFor(async () => {
    const h = await history(port, 'phoenix/');
    return h.filter((r) => r.to === 'RUNNING').length >= 2 ? h : null;
  }, { what: 'steady running again after the agent restart' });
  const lastSeq = Math.max(...rows.map((r) => r.seq ?? 0));
  assert.ok(lastSeq > Math.max(...before.map((r) => r.seq ?? 0)), 'the seqs go on after the restart');
  assertExactlyOnce(rows, lastSeq);
  // One `sleep 1000` child of this test's agent config: the recovered journal stopped the old one.
  const children = execFileSync('pgrep', ['-f', '-x', 'sleep 1000', '-P', String(second.agent.proc.pid)], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(children.length, 1);
  const oldChild = before.find((r) => r.to === 'RUNNING')!.pid!;
  assert.ok(oldChild > 0);
  // Stopped by the successor before it spawned its own; reaping by init can lag a moment.
  await waitFor(() => !/^\d+ \S+ [^Z]/.test(readText(`/proc/${oldChild}/stat`)), { what: `the killed agent's child ${oldChild} gone` });
});

test('the controller killed with SIGKILL during heavy ingest keeps every event it acked, once', async () => {
  const port = await freePort();
  const dataDir = join(tmp.path, 'ctlkill', 'controller');
  const controller = await controllerOn(dataDir, port);
  const hosts = await Promise.all(['flood-1', 'flood-2', 'flood-3'].map((host) => ScriptedAgent.connect(`127.0.0.1:${port}`, { host })));
  for (const agent of hosts) agent.snapshot([]);
  const lastAck = (agent: ScriptedAgent): bigint => agent.received.acks.reduce((a, b) => (b > a ? b : a), 0n);
  // Each host sends batches of 200 events without waiting, until the controller dies under it.
  let seq = 0;
  const pump = setInterval(() => {
    const from = seq;
    seq += 200;
    for (const agent of hosts) {
      agent.events(Array.from({ length: 200 }, (_, k) => transitionEvent(from + k + 1, 'w', 'w', 'RUNNING', 'EXITED')));
    }
  }, 5);
  await waitFor(() => hosts.every((agent) => lastAck(agent) >= 2000n), { what: 'acks past seq 2000 on every host', timeoutMs: 20_000 });
  await controller.stop('SIGKILL');
  clearInterval(pump);
  for (const agent of hosts) agent.kill();
  const ackedAtKill = new Map(hosts.map((agent) => [agent.host, lastAck(agent)]));

  await controllerOn(dataDir, port);
  for (const [host, ackSeq] of ackedAtKill) {
    const rows = await history(port, `${host}/`);
    const seqs = rows.map((r) => r.seq!);
    assert.equal(new Set(seqs).size, seqs.length, `${host}: nothing doubled`);
    const max = Math.max(...seqs);
    assert.ok(max >= Number(ackSeq), `${host}: stored up to ${max}, acked ${ackSeq}`);
    assertExactlyOnce(rows, max);
  }
});
